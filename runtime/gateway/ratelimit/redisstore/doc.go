// Package redisstore is the Redis (and Valkey) store of the global
// rate-limit rules (gateway.rate_limit.rules with scope: global): each
// decision is one call of the GCRA script of
// github.com/go-redis/redis_rate, atomic across the instances that share
// gateway.rate_limit.redis.url and key_prefix.
//
// It is a package of its own so that a BFF without global rules does not
// carry a Redis client (about 11 MB of binary). A BFF with global rules
// passes [Open] to the runtime in its main.go:
//
//	import "github.com/bffgen/bffgen/runtime/gateway/ratelimit/redisstore"
//
//	func main() {
//		os.Exit(runtime.Main(gen.Service(&resolvers.Resolver{}),
//			runtime.WithRateLimitStore(redisstore.Open)))
//	}
//
// Without it, a configuration with a global rule stops the BFF at start,
// with a message that says this.
package redisstore
