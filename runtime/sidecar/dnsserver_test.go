package sidecar_test

import (
	"context"
	"errors"
	"net"
	"net/url"
	"strconv"
	"sync"
	"testing"
	"time"

	"golang.org/x/net/dns/dnsmessage"

	"github.com/bffgen/bffgen/runtime/config"
	"github.com/bffgen/bffgen/runtime/sidecar"
)

// dnsServer is a tiny authoritative DNS server on 127.0.0.1 (UDP) for the
// names a test sets: A records, and SRV records; any other name is
// NXDOMAIN, and every query fails with SERVFAIL while servfail is set.
type dnsServer struct {
	conn net.PacketConn

	mu       sync.Mutex
	a        map[string][4]byte // name (rooted) -> address
	srv      map[string][]dnsmessage.SRVResource
	servfail bool
}

func newDNSServer(t *testing.T) *dnsServer {
	t.Helper()
	conn, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &dnsServer{conn: conn, a: map[string][4]byte{}, srv: map[string][]dnsmessage.SRVResource{}}
	done := make(chan struct{})
	go func() {
		defer close(done)
		buf := make([]byte, 1500)
		for {
			n, from, err := conn.ReadFrom(buf)
			if err != nil {
				return
			}
			if out, err := s.answer(buf[:n]); err == nil {
				_, _ = conn.WriteTo(out, from)
			}
		}
	}()
	t.Cleanup(func() { _ = conn.Close(); <-done })
	return s
}

// answer builds the response to one query.
func (s *dnsServer) answer(query []byte) ([]byte, error) {
	var q dnsmessage.Message
	if err := q.Unpack(query); err != nil || len(q.Questions) != 1 {
		return nil, errors.New("bad query")
	}
	question := q.Questions[0]
	name := question.Name.String()
	res := dnsmessage.Message{
		Header:    dnsmessage.Header{ID: q.ID, Response: true, Authoritative: true, RecursionDesired: q.RecursionDesired},
		Questions: q.Questions,
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	addr, hasA := s.a[name]
	srvs, hasSRV := s.srv[name]
	hdr := dnsmessage.ResourceHeader{Name: question.Name, Class: dnsmessage.ClassINET, TTL: 5}
	switch {
	case s.servfail:
		res.RCode = dnsmessage.RCodeServerFailure
	case !hasA && !hasSRV:
		res.RCode = dnsmessage.RCodeNameError // NXDOMAIN
	case question.Type == dnsmessage.TypeA && hasA:
		hdr.Type = dnsmessage.TypeA
		res.Answers = append(res.Answers, dnsmessage.Resource{Header: hdr, Body: &dnsmessage.AResource{A: addr}})
	case question.Type == dnsmessage.TypeSRV && hasSRV:
		hdr.Type = dnsmessage.TypeSRV
		for _, r := range srvs {
			res.Answers = append(res.Answers, dnsmessage.Resource{Header: hdr, Body: &r})
		}
	}
	// Anything else (AAAA here) is NOERROR with no record.
	return res.Pack()
}

// resolver returns a Go resolver that asks only this server.
func (s *dnsServer) resolver() *net.Resolver {
	return &net.Resolver{PreferGo: true, Dial: func(ctx context.Context, _, _ string) (net.Conn, error) {
		var d net.Dialer
		return d.DialContext(ctx, "udp", s.conn.LocalAddr().String())
	}}
}

// set changes the server's records under its lock.
func (s *dnsServer) set(f func()) {
	s.mu.Lock()
	defer s.mu.Unlock()
	f()
}

// Against a real DNS server on 127.0.0.1 and Go's own resolver: SRV
// targets resolved to their A records give the endpoints; SERVFAIL keeps
// them; NXDOMAIN empties the set; a dns: name gives one endpoint per A
// record. Not parallel, as the other tests with real servers and short
// intervals.
func TestDiscoveryWithARealDNSServer(t *testing.T) {
	a := newReplica(t, "a")
	u, _ := url.Parse(a.url)
	port, _ := strconv.Atoi(u.Port())
	dns := newDNSServer(t)
	dns.set(func() {
		dns.a["a.pods.test."] = [4]byte{127, 0, 0, 1}
		dns.srv["_grpc._tcp.catalog.test."] = []dnsmessage.SRVResource{{Priority: 10, Weight: 1, Port: uint16(port), Target: dnsmessage.MustNewName("a.pods.test.")}}
	})
	set := newSet(t, map[string]config.Upstream{
		"catalog": {Discovery: config.Discovery{SRV: "_grpc._tcp.catalog.test.", Interval: 10 * time.Millisecond}},
		"users":   {Discovery: config.Discovery{DNS: "a.pods.test.", Port: port, Interval: 10 * time.Millisecond}},
	}, sidecar.WithResolver(dns.resolver()), quiet)
	catalog, _ := set.Upstream("catalog")
	users, _ := set.Upstream("users")
	waitFor(t, "the SRV answer", func() bool { return len(catalog.Stats().Endpoints) == 1 })
	waitFor(t, "the A answer", func() bool { return len(users.Stats().Endpoints) == 1 })
	for _, up := range []*sidecar.Upstream{catalog, users} {
		if got := endpointURLs(up); len(got) != 1 || got[0] != a.url {
			t.Errorf("%s: endpoints %v, want [%s]", up.Name(), got, a.url)
		}
	}
	if err := call(t.Context(), plainEcho(set, "catalog")); err != nil {
		t.Fatalf("call: %v", err)
	}

	dns.set(func() { dns.servfail = true })
	waitFor(t, "failed lookups", func() bool { return catalog.Stats().DiscoveryFailures >= 3 })
	if got := endpointURLs(catalog); len(got) != 1 {
		t.Errorf("endpoints after SERVFAIL: %v, want a kept", got)
	}
	if err := call(t.Context(), plainEcho(set, "catalog")); err != nil {
		t.Fatalf("call while DNS fails: %v", err)
	}

	dns.set(func() { dns.servfail = false; delete(dns.srv, "_grpc._tcp.catalog.test.") })
	waitFor(t, "NXDOMAIN to empty the set", func() bool { return len(catalog.Stats().Endpoints) == 0 })
	if err := set.Ready(); err == nil || err.Error() != `upstream "catalog" has no endpoint` {
		t.Errorf("Ready: %v", err)
	}
}
