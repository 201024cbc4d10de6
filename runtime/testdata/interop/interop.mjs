import { createClient } from 'graphql-ws';
import { createClient as createSSE } from 'graphql-sse';
import WebSocket from 'ws';

const [httpURL] = process.argv.slice(2);
const results = [];
const check = (name, ok, detail) => { results.push({ name, ok, detail }); };

function run(client, query, { stopAfter } = {}) {
  return new Promise((resolve) => {
    const got = { next: [], error: null, complete: false };
    let dispose;
    dispose = client.subscribe({ query }, {
      next: (v) => { got.next.push(v); if (stopAfter && got.next.length >= stopAfter) { dispose(); resolve(got); } },
      error: (e) => { got.error = e; resolve(got); },
      complete: () => { got.complete = true; resolve(got); },
    });
  });
}

const ws = createClient({ url: httpURL.replace('http', 'ws'), webSocketImpl: WebSocket, retryAttempts: 0, keepAlive: 200, lazy: false });
let r = await run(ws, '{ hello }');
check('ws query: next then complete', r.next.length === 1 && r.next[0].data?.hello === 'hello, world' && r.complete, JSON.stringify(r));
r = await run(ws, 'subscription { ticks }', { stopAfter: 1 });
check('ws subscription: next, client completes', r.next[0]?.data?.ticks === 1, JSON.stringify(r));
r = await run(ws, '{ nope }');
check('ws validation error: error, no complete', r.error && !r.complete, JSON.stringify(r));
await new Promise((res) => setTimeout(res, 700)); // keep-alive pings answered
r = await run(ws, '{ hello }');
check('ws after keep-alive pings: still served', r.complete && r.next.length === 1, JSON.stringify(r));
await ws.dispose();

const sse = createSSE({ url: httpURL, retryAttempts: 0 });
r = await run(sse, '{ hello }');
check('sse query: next then complete', r.next.length === 1 && r.next[0].data?.hello === 'hello, world' && r.complete, JSON.stringify(r));
r = await run(sse, 'subscription { ticks }', { stopAfter: 1 });
check('sse subscription: next, client stops', r.next[0]?.data?.ticks === 1, JSON.stringify(r));
r = await run(sse, '{ nope }');
check('sse validation error reported', (r.error || r.next[0]?.errors) ? true : false, JSON.stringify(r));
sse.dispose();

for (const c of results) console.log(`${c.ok ? 'PASS' : 'FAIL'} ${c.name}${c.ok ? '' : ' ' + c.detail}`);
console.log(`${results.filter((c) => c.ok).length}/${results.length}`);
process.exit(0);
