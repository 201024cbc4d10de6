package gateway

import (
	"encoding/json"
	"net/http"
	"strings"
)

// The GraphiQL page loads GraphiQL 3 and React 18 (their UMD builds) from
// jsDelivr, each pinned to one version and checked by the browser against
// its Subresource Integrity hash: the sha384 of the file in the package's
// npm tarball, which is what jsDelivr serves under /npm/. To move to
// another version, `npm pack` the packages, hash the four files with
// `openssl dgst -sha384 -binary FILE | base64` and change both the URL and
// the hash here.
const (
	graphiqlJS     = "https://cdn.jsdelivr.net/npm/graphiql@3.8.3/graphiql.min.js"
	graphiqlJSSRI  = "sha384-HbRVEFG0JGJZeAHCJ9Xm2+tpknBQ7QZmNlO/DgZtkZ0aJSypT96YYGRNod99l9Ie"
	graphiqlCSS    = "https://cdn.jsdelivr.net/npm/graphiql@3.8.3/graphiql.min.css"
	graphiqlCSSSRI = "sha384-Mq3vbRBY71jfjQAt/DcjxUIYY33ksal4cgdRt9U/hNPvHBCaT2JfJ/PTRiPKf0aM"
	reactJS        = "https://cdn.jsdelivr.net/npm/react@18.3.1/umd/react.production.min.js"
	reactJSSRI     = "sha384-DGyLxAyjq0f9SPpVevD6IgztCFlnMF6oW/XQGmfe+IsZ8TqEiDrcHkMLKI6fiB/Z"
	reactDOMJS     = "https://cdn.jsdelivr.net/npm/react-dom@18.3.1/umd/react-dom.production.min.js"
	reactDOMJSSRI  = "sha384-gTGxhz21lVGYNMcdJOyq01Edg0jhn/c22nsx0kyqP0TxaV5WVdsSH1fSDUf5YJj1"
)

// graphiqlPage is the page; {{endpoint}} is replaced by the endpoint as a
// JSON string, which is also a safe JavaScript string inside <script>
// (json.Marshal escapes <, > and &). The websocket URL of subscriptions
// is the endpoint's, with ws: or wss: as the page's scheme asks.
const graphiqlPage = `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>GraphiQL</title>
<style>body { margin: 0; height: 100vh; overflow: hidden; } #graphiql { height: 100vh; }</style>
<link rel="stylesheet" href="` + graphiqlCSS + `" integrity="` + graphiqlCSSSRI + `" crossorigin="anonymous">
<script src="` + reactJS + `" integrity="` + reactJSSRI + `" crossorigin="anonymous"></script>
<script src="` + reactDOMJS + `" integrity="` + reactDOMJSSRI + `" crossorigin="anonymous"></script>
<script src="` + graphiqlJS + `" integrity="` + graphiqlJSSRI + `" crossorigin="anonymous"></script>
</head>
<body>
<div id="graphiql">Loading GraphiQL...</div>
<script>
const endpoint = {{endpoint}};
const url = new URL(endpoint, location.href);
const subscriptionUrl = new URL(url);
subscriptionUrl.protocol = url.protocol === "https:" ? "wss:" : "ws:";
const fetcher = GraphiQL.createFetcher({ url: url.href, subscriptionUrl: subscriptionUrl.href });
ReactDOM.createRoot(document.getElementById("graphiql")).render(
  React.createElement(GraphiQL, { fetcher, defaultEditorToolbarOpen: true, shouldPersistHeaders: false }));
</script>
</body>
</html>
`

// GraphiQL returns a handler that serves the GraphiQL IDE for the GraphQL
// endpoint at endpoint, a path such as "/graphql" or an absolute URL;
// subscriptions go over a websocket to the same URL. The page loads
// GraphiQL and React from jsDelivr, pinned and checked with Subresource
// Integrity, so it needs a browser with internet access; the page itself
// is built once, here. It is a development tool: the runtime mounts it
// only in development mode.
//
// It is not gqlgen's playground: that package renders its page with
// html/template, whose reflection on methods makes the Go linker keep
// every exported method of every type in the binary (the shop BFF was 5
// MB larger, and its resident set 2.5 MiB larger, for a page that
// production never serves).
func GraphiQL(endpoint string) http.Handler {
	quoted, err := json.Marshal(endpoint)
	if err != nil {
		panic(err) // a Go string always marshals
	}
	page := []byte(strings.Replace(graphiqlPage, "{{endpoint}}", string(quoted), 1))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Type", "text/html; charset=utf-8")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Cache-Control", "no-store")
		_, _ = w.Write(page)
	})
}
