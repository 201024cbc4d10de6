// Runs the graphql-http server audits (the GraphQL over HTTP spec's MUST,
// SHOULD and MAY rules) against the GraphQL endpoint given as the only
// argument and prints the results as one JSON array on standard output:
// [{"id", "name", "status": "ok" | "notice" | "warn" | "error", "reason"?,
// "httpStatus"?}]. "error" is a failed MUST, "warn" a failed SHOULD,
// "notice" a failed MAY. It exits 0 whatever the results (the caller judges
// them), 1 on bad usage and 2 when the audit itself could not run.
import { auditServer } from 'graphql-http';

const url = process.argv[2];
if (process.argv.length !== 3 || !/^https?:\/\//.test(url)) {
  console.error('usage: node audit.mjs http://127.0.0.1:PORT/graphql');
  process.exit(1);
}

try {
  const results = await auditServer({ url });
  const out = results.map((r) => {
    const o = { id: r.id, name: r.name, status: r.status };
    if (r.status !== 'ok') {
      o.reason = r.reason;
      if (r.response) o.httpStatus = r.response.status;
    }
    return o;
  });
  process.stdout.write(JSON.stringify(out) + '\n');
} catch (err) {
  console.error(`audit of ${url} failed: ${err && err.stack ? err.stack : err}`);
  process.exit(2);
}
