package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/bffgen/bffgen/examples/shop/backends"
	"github.com/bffgen/bffgen/examples/shop/gen"
	"github.com/bffgen/bffgen/examples/shop/resolvers"
	"github.com/bffgen/bffgen/runtime"
	"github.com/bffgen/bffgen/runtime/config"
)

// newBFF starts the backends and the BFF (in-process, on loopback) and
// returns the GraphQL endpoint.
func newBFF(t *testing.T, mode string, catalogURL string) string {
	t.Helper()
	return newBFFWith(t, bffOptions{mode: mode, catalogURL: catalogURL})
}

// bffOptions vary the BFF of a test: its mode, a catalog URL that replaces
// the real one, options of the backends, and YAML appended to the catalog
// and users upstreams.
type bffOptions struct {
	mode, catalogURL, usersYAML, catalogYAML string
	// extraYAML is appended to the config, e.g. a gateway section.
	extraYAML string
	backends  backends.Options
	// started, when set, receives the running backends.
	started func(*backends.Running)
}

func newBFFWith(t testing.TB, o bffOptions) string {
	t.Helper()
	run, err := backends.Start(o.backends)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(run.Close)
	if o.started != nil {
		o.started(run)
	}
	if o.catalogURL == "" {
		o.catalogURL = run.CatalogURL
	}
	if o.mode == "" {
		o.mode = "production"
	}
	cfg, err := config.Parse([]byte(fmt.Sprintf(`
mode: %s
upstreams:
  catalog: {endpoints: [%q]%s}
  reviews: {endpoints: [%q], protocol: grpc}
  users: {endpoints: [%q]%s}
%s`, o.mode, o.catalogURL, o.catalogYAML, run.ReviewsURL, run.UsersURL, o.usersYAML, o.extraYAML)), "bff.yaml")
	if err != nil {
		t.Fatal(err)
	}
	trustDevKey(t, cfg)
	var opts []runtime.Option
	if _, bench := t.(*testing.B); bench {
		// A benchmark's output is its figures: no access log line per request.
		opts = append(opts, runtime.WithLogger(slog.New(slog.DiscardHandler)))
	}
	srv, err := runtime.New(gen.Service(&resolvers.Resolver{}), cfg, opts...)
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv.Handler())
	t.Cleanup(ts.Close)
	return ts.URL + "/graphql"
}

type response struct {
	Data   map[string]any `json:"data"`
	Errors []struct {
		Message    string         `json:"message"`
		Path       []any          `json:"path"`
		Extensions map[string]any `json:"extensions"`
	} `json:"errors"`
}

func post(t testing.TB, endpoint, query string, vars map[string]any, header ...string) (int, response) {
	t.Helper()
	return postAs[response](t, endpoint, query, vars, header...)
}

// postAs posts a GraphQL request, with the header's name, value pairs,
// and decodes the answer into a T.
func postAs[T any](t testing.TB, endpoint, query string, vars map[string]any, header ...string) (int, T) {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	req, err := http.NewRequest(http.MethodPost, endpoint, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	var out T
	if err := json.Unmarshal(data, &out); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, data)
	}
	return resp.StatusCode, out
}

func TestSampleQueryReturnsBackendData(t *testing.T) {
	endpoint := newBFF(t, "development", "")
	_, res := post(t, endpoint, `{ products(first: 3) { id name priceCents displayPrice createdAt category stock reviews { rating body } } }`, nil)
	if len(res.Errors) > 0 {
		t.Fatalf("errors: %+v", res.Errors)
	}
	got, _ := json.Marshal(res.Data)
	want := `{"products":[` +
		`{"category":"OUTDOOR","createdAt":"2026-03-01T09:00:00Z","displayPrice":"€129.00","id":"p-1001","name":"Trail Running Shoes","priceCents":"12900","reviews":[{"body":"Great shoes, but order half a size up.","rating":4},{"body":"Took them up a wet ridge trail: no slipping at all.","rating":5}],"stock":14},` +
		`{"category":"ELECTRONICS","createdAt":"2026-03-02T21:00:00Z","displayPrice":"€249.00","id":"p-1002","name":"Noise-Cancelling Headphones","priceCents":"24900","reviews":[{"body":"Charged it once in a week of travel.","rating":5},{"body":"Sound is superb; they press on my glasses after an hour.","rating":3},{"body":"The noise cancelling makes my commute bearable.","rating":5}],"stock":3},` +
		`{"category":"BOOKS","createdAt":"2026-03-04T09:00:00Z","displayPrice":"€24.50","id":"p-1003","name":"The Pragmatic Gardener","priceCents":"2450","reviews":[{"body":"Practical, and the pest chapter saved my basil.","rating":4}],"stock":41}]}`
	if string(got) != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
}

func TestBackendErrorIsAFieldErrorWithPartialData(t *testing.T) {
	endpoint := newBFF(t, "production", "")
	_, res := post(t, endpoint, `{ missing: product(id: "p-9999") { name } found: product(id: "p-1003") { name } }`, nil)
	if res.Data["missing"] != nil || res.Data["found"].(map[string]any)["name"] != "The Pragmatic Gardener" {
		t.Errorf("data = %v, want missing null and found intact", res.Data)
	}
	if len(res.Errors) != 1 {
		t.Fatalf("errors = %+v, want one", res.Errors)
	}
	e := res.Errors[0]
	if e.Extensions["code"] != "NOT_FOUND" || e.Path[0] != "missing" {
		t.Errorf("error = %+v, want NOT_FOUND at missing", e)
	}
	up, _ := e.Extensions["upstream"].(map[string]any)
	if up["name"] != "catalog" || up["procedure"] != "/catalog.v1.CatalogService/GetProduct" {
		t.Errorf("upstream extension = %v", e.Extensions["upstream"])
	}
	if !strings.Contains(e.Message, "p-9999") {
		t.Errorf("a NOT_FOUND message is safe to show: %q", e.Message)
	}
}

func TestMutationMapsInputAndValidationErrors(t *testing.T) {
	endpoint := newBFF(t, "development", "")
	const m = `mutation($in: AddReviewInput!) { addReview(input: $in) { id productId rating author } }`
	writer := bearer(t, "u-10", "reviews:write")
	_, res := post(t, endpoint, m, map[string]any{"in": map[string]any{"productId": "p-1005", "rating": 5, "title": "Dry all night", "body": "Survived a storm.", "author": "kim"}}, writer...)
	if len(res.Errors) > 0 {
		t.Fatalf("errors: %+v", res.Errors)
	}
	r := res.Data["addReview"].(map[string]any)
	if r["productId"] != "p-1005" || r["rating"] != float64(5) || r["author"] != "kim" || !strings.HasPrefix(r["id"].(string), "r-") {
		t.Errorf("addReview = %v", r)
	}
	_, res = post(t, endpoint, m, map[string]any{"in": map[string]any{"productId": "p-1005", "rating": 9, "title": "x", "body": "y", "author": "z"}}, writer...)
	if len(res.Errors) != 1 || res.Errors[0].Extensions["code"] != "BAD_USER_INPUT" {
		t.Errorf("errors = %+v, want BAD_USER_INPUT", res.Errors)
	}
}

func TestUnreachableBackendIsUnavailable(t *testing.T) {
	endpoint := newBFF(t, "production", "http://127.0.0.1:1")
	_, res := post(t, endpoint, `{ product(id: "p-1001") { name } }`, nil)
	if len(res.Errors) != 1 || res.Errors[0].Extensions["code"] != "UNAVAILABLE" {
		t.Fatalf("errors = %+v, want UNAVAILABLE", res.Errors)
	}
	if strings.Contains(res.Errors[0].Message, "127.0.0.1") {
		t.Errorf("the error leaks the backend address: %q", res.Errors[0].Message)
	}
}

func TestGETQueryAndMutationOverGET(t *testing.T) {
	endpoint := newBFF(t, "development", "")
	resp, err := http.Get(endpoint + "?query=" + url.QueryEscape(`{ product(id: "p-1001") { name } }`))
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(body), "Trail Running Shoes") {
		t.Errorf("GET query: %d %s", resp.StatusCode, body)
	}
	resp, err = http.Get(endpoint + "?query=" + url.QueryEscape(`mutation { addReview(input: {productId: "p-1", rating: 5, title: "t", body: "b", author: "a"}) { id } }`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("mutation over GET: status %d, want 405", resp.StatusCode)
	}
}

func TestMapsAndOneofs(t *testing.T) {
	endpoint := newBFF(t, "production", "")
	_, res := post(t, endpoint, `{ products(first: 3) { id attributes { key value } percentOff amountOffCents } }`, nil)
	if len(res.Errors) > 0 {
		t.Fatalf("errors: %+v", res.Errors)
	}
	got, _ := json.Marshal(res.Data)
	want := `{"products":[` +
		`{"amountOffCents":null,"attributes":[{"key":"color","value":"slate"},{"key":"drop","value":"6 mm"},{"key":"weight","value":"240 g"}],"id":"p-1001","percentOff":15},` +
		`{"amountOffCents":"3000","attributes":[],"id":"p-1002","percentOff":null},` +
		`{"amountOffCents":null,"attributes":[],"id":"p-1003","percentOff":null}]}`
	if string(got) != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
}

func TestBadRequestDetailsReachTheClientWithPartialData(t *testing.T) {
	endpoint := newBFF(t, "production", "")
	_, res := post(t, endpoint, `{ bad: product(id: "x-1") { name } good: product(id: "p-1001") { name } }`, nil)
	if good, _ := res.Data["good"].(map[string]any); good["name"] != "Trail Running Shoes" || res.Data["bad"] != nil {
		t.Errorf("data = %v, want bad null and good intact", res.Data)
	}
	if len(res.Errors) != 1 {
		t.Fatalf("errors = %+v, want one", res.Errors)
	}
	ext, _ := json.Marshal(res.Errors[0].Extensions)
	want := `{"code":"BAD_USER_INPUT","domain":"catalog.example.com","fieldViolations":[{"description":"a product id starts with \"p-\"","field":"id"}],"metadata":{"id":"x-1"},"reason":"MALFORMED_ID","upstream":{"name":"catalog","procedure":"/catalog.v1.CatalogService/GetProduct"}}`
	if string(ext) != want {
		t.Errorf("extensions\n got %s\nwant %s", ext, want)
	}
	if strings.Contains(string(ext), "10.0.3.17") || strings.Contains(string(ext), "strconv") {
		t.Errorf("debug details leaked: %s", ext)
	}
}
