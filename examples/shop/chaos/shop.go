package chaos

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"net"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"connectrpc.com/connect"
	"golang.org/x/net/http2"

	"github.com/bffgen/bffgen/examples/shop/backends"
	"github.com/bffgen/bffgen/examples/shop/backends/catalog"
	"github.com/bffgen/bffgen/examples/shop/backends/reviews"
	"github.com/bffgen/bffgen/examples/shop/backends/users"
	"github.com/bffgen/bffgen/examples/shop/dev/devkey"
	"github.com/bffgen/bffgen/examples/shop/gen"
	"github.com/bffgen/bffgen/examples/shop/gen/pb/catalog/v1/catalogv1connect"
	"github.com/bffgen/bffgen/examples/shop/gen/pb/reviews/v1/reviewsv1connect"
	"github.com/bffgen/bffgen/examples/shop/gen/pb/users/v1/usersv1connect"
	"github.com/bffgen/bffgen/examples/shop/resolvers"
	"github.com/bffgen/bffgen/internal/faultproxy"
	"github.com/bffgen/bffgen/runtime"
	"github.com/bffgen/bffgen/runtime/config"
	"github.com/bffgen/bffgen/runtime/sidecar"
)

// The shop's backends, as its upstreams are named.
const (
	Catalog = "catalog"
	Reviews = "reviews"
	Users   = "users"
)

// Backends lists the shop's backends in a fixed order.
var Backends = []string{Catalog, Reviews, Users}

// Options configure [Start]. The zero Options serve 3 replicas of each
// backend with the shop's bff.yaml settings (timeout 800ms, reviews over
// gRPC) and every resilience policy at its default.
type Options struct {
	// Replicas is the number of replicas of each backend; default 3.
	Replicas int
	// Upstream adds YAML keys to the flow mapping of an upstream of the
	// BFF's config, by upstream name, e.g. {"users": "circuit_breaker:
	// {enabled: true}"}; a top-level key given here (timeout, protocol)
	// replaces the harness's own. Default: none.
	Upstream map[string]string
	// DevDir is the shop's dev directory (the JWKS the BFF trusts and the
	// key that signs [Shop.Token]); default "dev", which is right when the
	// working directory is examples/shop.
	DevDir string
	// Products is the size of the catalog; default 10.
	Products int
	// MaxConnectionAge, when above zero, makes every backend replica end
	// each connection gracefully once it is this old: HTTP/2 (the reviews
	// backend, gRPC) sends GOAWAY and closes after the streams in flight,
	// HTTP/1.1 answers "Connection: close" (BF-14). Default 0: never.
	MaxConnectionAge time.Duration
	// OnCall, when set, is called at every backend call, before the
	// handler runs, from the handler's goroutine.
	OnCall func(Call)
	// Logger receives the BFF's log; default: discarded.
	Logger *slog.Logger
	// UpstreamOptions are given to the BFF's upstreams
	// (runtime.WithUpstreamOptions), e.g. sidecar.WithInterceptors to
	// watch every attempt from the client side.
	UpstreamOptions []sidecar.Option
}

// Call is what a backend replica saw of one call.
type Call struct {
	Backend   string // Catalog, Reviews or Users
	Replica   int    // 0-based
	Procedure string // e.g. "/catalog.v1.CatalogService/GetProduct"
	At        time.Time
	// Deadline is the call's deadline as the protocol's timeout header
	// gave it; HasDeadline is false when there was none.
	Deadline    time.Time
	HasDeadline bool
}

// Replica is one replica of a backend behind its fault proxy.
type Replica struct {
	// Backend is the backend's name and Index the replica's, 0-based.
	Backend string
	Index   int
	// Proxy is the fault proxy in front of the replica: its URL is the
	// endpoint the BFF calls.
	Proxy *faultproxy.Proxy

	mu     sync.Mutex
	calls  map[string]int64
	total  atomic.Int64
	goaway atomic.Int64
	srv    *http.Server
	ln     net.Listener
	h2     sync.WaitGroup // per-connection HTTP/2 servers
	h2ln   sync.Mutex
	h2srvs []*http.Server
}

// Calls returns the calls that reached the replica's handlers: of
// procedure, or of every procedure when procedure is "".
func (r *Replica) Calls(procedure string) int64 {
	if procedure == "" {
		return r.total.Load()
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.calls[procedure]
}

// Closed returns the connections the replica ended because of
// Options.MaxConnectionAge.
func (r *Replica) Closed() int64 { return r.goaway.Load() }

// Shop is the running BFF, its backend replicas and their proxies.
type Shop struct {
	// URL is the BFF's GraphQL endpoint, http://127.0.0.1:port/graphql.
	URL string
	// Token is a bearer token of the user u-1 with the scope
	// reviews:write, valid for a day: addReview needs it.
	Token string
	// Server is the BFF.
	Server *runtime.Server

	replicas map[string][]*Replica
	public   *httptest.Server
	client   *http.Client
}

// Start serves the backends, their proxies and the BFF. Close stops them.
func Start(o Options) (s *Shop, err error) {
	if o.Replicas <= 0 {
		o.Replicas = 3
	}
	if o.DevDir == "" {
		o.DevDir = "dev"
	}
	if o.Products <= 0 {
		o.Products = 10
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	s = &Shop{replicas: map[string][]*Replica{}}
	defer func() {
		if err != nil {
			s.Close()
		}
	}()
	for i := range o.Replicas {
		cat := catalog.NewN(o.Products)
		handlers := map[string]func(...connect.HandlerOption) (string, http.Handler){
			Catalog: func(opts ...connect.HandlerOption) (string, http.Handler) {
				return catalogv1connect.NewCatalogServiceHandler(cat, opts...)
			},
			Reviews: func(opts ...connect.HandlerOption) (string, http.Handler) {
				return reviewsv1connect.NewReviewServiceHandler(reviews.NewFor(cat.IDs(), 0), opts...)
			},
			Users: func(opts ...connect.HandlerOption) (string, http.Handler) {
				return usersv1connect.NewUserServiceHandler(users.New(), opts...)
			},
		}
		for _, b := range Backends {
			r := &Replica{Backend: b, Index: i, calls: map[string]int64{}}
			s.replicas[b] = append(s.replicas[b], r)
			path, h := handlers[b](connect.WithInterceptors(r.counter(o.OnCall)))
			mux := http.NewServeMux()
			mux.Handle(path, h)
			if err := r.serve(mux, b == Reviews, o.MaxConnectionAge); err != nil {
				return s, err
			}
			if r.Proxy, err = faultproxy.Listen(r.ln.Addr().String()); err != nil {
				return s, err
			}
		}
	}

	jwks, err := filepath.Abs(filepath.Join(o.DevDir, devkey.JWKSFile))
	if err != nil {
		return s, err
	}
	if s.Token, err = devkey.Mint(o.DevDir, devkey.Issuer, devkey.Audience, "u-1", "reviews:write", 24*time.Hour, time.Now()); err != nil {
		return s, fmt.Errorf("minting the token: %w", err)
	}
	var yaml strings.Builder
	fmt.Fprintf(&yaml, "mode: production\nupstreams:\n")
	for _, b := range Backends {
		var urls []string
		for _, r := range s.replicas[b] {
			urls = append(urls, fmt.Sprintf("%q", r.Proxy.URL()))
		}
		keys := map[string]string{"timeout": "800ms"}
		if b == Reviews {
			keys["protocol"] = "grpc"
		}
		var extra []string
		if x := strings.TrimSpace(o.Upstream[b]); x != "" {
			extra = append(extra, x)
			for k := range keys {
				if regexp.MustCompile(`(^|[{,\s])` + k + `:`).MatchString(x) {
					delete(keys, k)
				}
			}
		}
		for _, k := range slices.Sorted(maps.Keys(keys)) {
			extra = append(extra, k+": "+keys[k])
		}
		fmt.Fprintf(&yaml, "  %s: {endpoints: [%s], %s}\n", b, strings.Join(urls, ", "), strings.Join(extra, ", "))
	}
	fmt.Fprintf(&yaml, "gateway:\n  auth:\n    jwt: {jwks_file: %q, issuer: %q, audiences: [%q]}\n", jwks, devkey.Issuer, devkey.Audience)
	cfg, err := config.Parse([]byte(yaml.String()), "chaos.yaml")
	if err != nil {
		return s, fmt.Errorf("the chaos config:\n%s\n%w", yaml.String(), err)
	}
	if s.Server, err = runtime.New(gen.Service(&resolvers.Resolver{}), cfg, runtime.WithLogger(o.Logger), runtime.WithUpstreamOptions(o.UpstreamOptions...)); err != nil {
		return s, err
	}
	s.public = httptest.NewUnstartedServer(s.Server.Handler())
	s.public.Start()
	s.URL = s.public.URL + "/graphql"
	s.client = &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 256}}
	if err := s.waitReady(); err != nil {
		return s, err
	}
	return s, nil
}

// waitReady waits for the BFF to have fetched its key set (/readyz 200).
func (s *Shop) waitReady() error {
	var last string
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		rec := httptest.NewRecorder()
		s.Server.AdminHandler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/readyz", nil))
		if rec.Code == http.StatusOK {
			return nil
		}
		last = rec.Body.String()
	}
	return fmt.Errorf("the BFF did not become ready: %s", last)
}

// Replicas returns the replicas of a backend, in the order of the
// upstream's endpoints (endpoint #1 is replica 0).
func (s *Shop) Replicas(backend string) []*Replica { return s.replicas[backend] }

// Set gives every replica of backend the fault f.
func (s *Shop) Set(backend string, f faultproxy.Fault) error {
	var errs []error
	for _, r := range s.replicas[backend] {
		errs = append(errs, r.Proxy.Set(f))
	}
	return errors.Join(errs...)
}

// Calls returns the calls each replica of backend got, of procedure or of
// any procedure when it is "".
func (s *Shop) Calls(backend, procedure string) []int64 {
	var out []int64
	for _, r := range s.replicas[backend] {
		out = append(out, r.Calls(procedure))
	}
	return out
}

// Upstream returns the sidecar's view of an upstream, as the admin page
// /upstreams shows it.
func (s *Shop) Upstream(name string) (sidecar.Stats, error) {
	rec := httptest.NewRecorder()
	s.Server.AdminHandler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/upstreams", nil))
	var page struct {
		Upstreams []sidecar.Stats `json:"upstreams"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &page); err != nil {
		return sidecar.Stats{}, fmt.Errorf("/upstreams: %d %s: %w", rec.Code, rec.Body, err)
	}
	for _, u := range page.Upstreams {
		if u.Name == name {
			return u, nil
		}
	}
	return sidecar.Stats{}, fmt.Errorf("/upstreams has no upstream %q", name)
}

// CloseClientConnections closes the idle connections of the client that
// Query and Load use.
func (s *Shop) CloseClientConnections() { s.client.CloseIdleConnections() }

// Close stops the BFF, the proxies and the backends.
func (s *Shop) Close() {
	if s.public != nil {
		s.public.Close()
	}
	if s.client != nil {
		s.client.CloseIdleConnections()
	}
	if s.Server != nil {
		_ = s.Server.Close()
	}
	for _, rs := range s.replicas {
		for _, r := range rs {
			if r.Proxy != nil {
				_ = r.Proxy.Close()
			}
			r.close()
		}
	}
}

// counter returns the interceptor that counts the replica's calls.
func (r *Replica) counter(onCall func(Call)) connect.Interceptor {
	return connect.UnaryInterceptorFunc(func(next connect.UnaryFunc) connect.UnaryFunc {
		return func(ctx context.Context, req connect.AnyRequest) (connect.AnyResponse, error) {
			proc := req.Spec().Procedure
			r.mu.Lock()
			r.calls[proc]++
			r.mu.Unlock()
			r.total.Add(1)
			if onCall != nil {
				c := Call{Backend: r.Backend, Replica: r.Index, Procedure: proc, At: time.Now()}
				c.Deadline, c.HasDeadline = ctx.Deadline()
				onCall(c)
			}
			return next(ctx, req)
		}
	})
}

// serve starts the replica's server on 127.0.0.1: HTTP/1.1 and h2c, with
// connections ended gracefully after maxAge when it is above zero.
func (r *Replica) serve(h http.Handler, h2only bool, maxAge time.Duration) error {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	r.ln = ln
	if maxAge <= 0 {
		r.srv = backends.NewServer(h)
		go r.srv.Serve(ln)
		return nil
	}
	if h2only {
		go r.serveH2(ln, h, maxAge)
		return nil
	}
	// HTTP/1.1: a response on a connection older than maxAge says
	// "Connection: close", and the server closes the connection after it.
	type bornKey struct{}
	r.srv = backends.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		if born, ok := req.Context().Value(bornKey{}).(time.Time); ok && time.Since(born) >= maxAge {
			w.Header().Set("Connection", "close")
			r.goaway.Add(1)
		}
		h.ServeHTTP(w, req)
	}))
	r.srv.ConnContext = func(ctx context.Context, _ net.Conn) context.Context {
		return context.WithValue(ctx, bornKey{}, time.Now())
	}
	go r.srv.Serve(ln)
	return nil
}

// serveH2 serves HTTP/2 with prior knowledge (gRPC over h2c), one
// http2.Server per connection, shut down gracefully (GOAWAY, then close
// once the streams in flight end) when the connection reaches maxAge.
func (r *Replica) serveH2(ln net.Listener, h http.Handler, maxAge time.Duration) {
	for {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		base := &http.Server{Handler: h}
		h2 := &http2.Server{}
		if err := http2.ConfigureServer(base, h2); err != nil {
			c.Close()
			continue
		}
		r.h2ln.Lock()
		r.h2srvs = append(r.h2srvs, base)
		r.h2ln.Unlock()
		timer := time.AfterFunc(maxAge, func() {
			r.goaway.Add(1)
			_ = base.Shutdown(context.Background())
		})
		r.h2.Go(func() {
			defer timer.Stop()
			h2.ServeConn(c, &http2.ServeConnOpts{BaseConfig: base, Handler: h})
			r.h2ln.Lock()
			r.h2srvs = slices.DeleteFunc(r.h2srvs, func(s *http.Server) bool { return s == base })
			r.h2ln.Unlock()
		})
	}
}

// close stops the replica's server and its connections.
func (r *Replica) close() {
	if r.srv != nil {
		_ = r.srv.Close()
	}
	if r.ln != nil {
		_ = r.ln.Close()
	}
	r.h2ln.Lock()
	for _, s := range r.h2srvs {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		_ = s.Shutdown(ctx)
		cancel()
	}
	r.h2ln.Unlock()
}
