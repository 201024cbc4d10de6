// Package batch is the runtime of bffgen's N+1-free batching (@batch).
//
// Batching is lookahead, not a time window. When a generated resolver has
// the list of parents of a level (the products of a page, say), it reads the
// selection set, calls each batched child field's RPC once for all parents
// (chunked by the maximum batch size, chunks in parallel), stores every
// parent's result in the operation's [Cache], and recurses into the next
// level with all the children at once. The per-parent resolvers gqlgen calls
// afterwards only [Load] from the cache. So a query makes one call per
// backend per level, whatever the number of parents and however many
// requests run at once; nothing waits for a timer.
//
// A cache lives for one GraphQL operation ([Schema] installs it) and is
// never shared between requests.
package batch
