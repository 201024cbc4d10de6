// Checks the GraphiQL page of runtime/gateway (the file named by the
// first argument, as GraphiQL("/graphql") serves it) against the npm files
// of the versions it pins: each asset's integrity attribute must be the
// sha384 of that file, and the page, with those files, must render
// GraphiQL in jsdom and send its first query (introspection) to the
// endpoint. See doc.go.
"use strict";
const { JSDOM, ResourceLoader, VirtualConsole } = require("jsdom");
const fs = require("fs");
const crypto = require("crypto");
const path = require("path");
const util = require("util");

const html = fs.readFileSync(process.argv[2], "utf8");
let failed = false;
const fail = (msg) => { console.log("FAIL: " + msg); failed = true; };

// A pinned asset, https://cdn.jsdelivr.net/npm/NAME@VERSION/FILE, is FILE of
// the installed package NAME, which must be at VERSION.
function local(url) {
  const m = /^https:\/\/cdn\.jsdelivr\.net\/npm\/([a-z-]+)@([0-9.]+)\/(.+)$/.exec(url);
  if (!m) return null;
  const dir = path.join(__dirname, "node_modules", m[1]);
  const version = JSON.parse(fs.readFileSync(path.join(dir, "package.json"), "utf8")).version;
  if (version !== m[2]) fail(`${url}: package.json installs ${m[1]}@${version}`);
  return path.join(dir, m[3]);
}

const assets = [...html.matchAll(/(?:src|href)="([^"]+)" integrity="([^"]+)" crossorigin="anonymous"/g)];
if (assets.length !== 4) fail(`${assets.length} assets with an integrity hash, want 4`);
for (const [, url, integrity] of assets) {
  const file = local(url);
  if (!file) { fail(`${url} is not a pinned jsDelivr npm URL`); continue; }
  const got = "sha384-" + crypto.createHash("sha384").update(fs.readFileSync(file)).digest("base64");
  if (got !== integrity) fail(`${url}: integrity ${integrity}, but the npm file hashes to ${got}`);
  else console.log(`ok: ${url} matches its integrity hash`);
}

class Loader extends ResourceLoader {
  fetch(url) {
    const file = local(url);
    if (!file) { fail(`the page loads ${url}, which is not pinned`); return null; }
    return Promise.resolve(fs.readFileSync(file));
  }
}
const errors = new VirtualConsole();
errors.on("jsdomError", (e) => fail("page error: " + String(e.message || e).slice(0, 300)));
const calls = [];
const dom = new JSDOM(html, {
  url: "http://127.0.0.1:8080/",
  runScripts: "dangerously",
  resources: new Loader(),
  pretendToBeVisual: true,
  virtualConsole: errors,
  beforeParse(w) {
    // What a browser has and jsdom lacks, enough for GraphiQL to render.
    w.TextDecoder = util.TextDecoder;
    w.TextEncoder = util.TextEncoder;
    w.matchMedia = () => ({ matches: false, addListener() {}, removeListener() {}, addEventListener() {}, removeEventListener() {} });
    w.ResizeObserver = class { observe() {} unobserve() {} disconnect() {} };
    w.document.createRange = () => ({ setStart() {}, setEnd() {}, getBoundingClientRect: () => ({}), getClientRects: () => [] });
    w.WebSocket = class { constructor(u) { calls.push({ ws: String(u) }); } send() {} close() {} addEventListener() {} };
    w.fetch = (url, init) => {
      calls.push({ url: String(url), method: init && init.method, body: String((init && init.body) || "") });
      return Promise.resolve({
        ok: true, status: 200, headers: new Map([["content-type", "application/json"]]),
        json: async () => ({ errors: [{ message: "introspection is off" }] }), text: async () => "{}",
      });
    };
  },
});

setTimeout(() => {
  const doc = dom.window.document;
  if (!doc.querySelector(".graphiql-container")) fail("GraphiQL did not render");
  else console.log("ok: GraphiQL rendered, " + doc.querySelectorAll(".graphiql-editor").length + " editors");
  const first = calls.find((c) => c.url);
  if (!first || first.url !== "http://127.0.0.1:8080/graphql" || first.method !== "POST" || !first.body.includes("IntrospectionQuery")) {
    fail("the first request is not the introspection query POSTed to the endpoint: " + JSON.stringify(calls).slice(0, 300));
  } else console.log("ok: introspection POSTed to " + first.url);
  dom.window.close();
  process.exit(failed ? 1 : 0);
}, 5000);
