package sidecar

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"strconv"
	"sync/atomic"
	"time"

	"connectrpc.com/connect"

	"github.com/bffgen/bffgen/runtime/config"
)

// ShadowHeader is the header that marks a mirrored request (upstreams.
// <name>.mirror); its value is the name of the upstream whose call was
// copied. The Host header is left as it is: Envoy appends "-shadow" to the
// host instead, which a backend addressed by IP or behind host routing
// cannot use.
const ShadowHeader = "Bffgen-Shadow"

// maxMirrorDrain bounds what is read of a shadow's response before it is
// dropped.
const maxMirrorDrain = 64 << 10

// mirrorer copies a share of an upstream's unary calls to a shadow
// upstream (upstreams.<name>.mirror), fire and forget.
type mirrorer struct {
	from, shadow  *Upstream
	percent       int
	maxInFlight   int64
	nonIdempotent bool
	// timeout bounds a copy: the shadow upstream's call timeout, or
	// config.OffTimeoutBound (10s) when the shadow's timeout is off.
	timeout time.Duration
	logger  *slog.Logger

	inFlight, sent, failed, dropped atomic.Int64
}

// newMirrorer returns the mirror of from to shadow configured by m, with
// its defaults.
func newMirrorer(from, shadow *Upstream, m config.Mirror, logger *slog.Logger) (*mirrorer, error) {
	if m.Percent < 0 || m.Percent > 100 || m.MaxInFlight < 0 {
		return nil, errors.New("percent must be from 0 to 100 and max_in_flight not negative")
	}
	return &mirrorer{
		from:          from,
		shadow:        shadow,
		percent:       orDefault(m.Percent, config.DefaultMirrorPercent),
		maxInFlight:   int64(orDefault(m.MaxInFlight, config.DefaultMirrorMaxInFlight)),
		nonIdempotent: m.NonIdempotent,
		timeout:       shadow.failurePenalty,
		logger:        logger,
	}, nil
}

// take reports whether a call of spec is mirrored, by its idempotency (as
// policy, the calling upstream's retry policy, sees it) and by chance: it
// returns m, or nil.
func (m *mirrorer) take(spec connect.Spec, policy *retryPolicy) *mirrorer {
	if !m.nonIdempotent && !policy.idempotent(spec) {
		return nil
	}
	if m.percent < 100 && rand.IntN(100) >= m.percent {
		return nil
	}
	return m
}

// start sends a copy of req, the first attempt of a mirrored call, to the
// shadow in a goroutine of its own, and returns the body that req must be
// sent with: req.Body is read whole (a unary request's message is in
// memory) and both get a reader of the same bytes. Past the cap on copies
// in flight, it sends nothing (counted as dropped) and returns req.Body.
func (m *mirrorer) start(ctx context.Context, req *http.Request) io.ReadCloser {
	if m.inFlight.Add(1) > m.maxInFlight {
		m.inFlight.Add(-1)
		m.dropped.Add(1)
		return req.Body
	}
	body := req.Body
	var data []byte
	if req.Body != nil && req.Body != http.NoBody {
		var err error
		data, err = io.ReadAll(req.Body)
		_ = req.Body.Close()
		if err != nil { // not for connect's in-memory messages; send what was read and the error
			m.inFlight.Add(-1)
			m.dropped.Add(1)
			return io.NopCloser(io.MultiReader(bytes.NewReader(data), errReader{err}))
		}
		body = io.NopCloser(bytes.NewReader(data))
	}
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), m.timeout)
	out := req.Clone(sctx)
	out.Header.Set(ShadowHeader, m.from.name)
	if data != nil {
		out.Body = io.NopCloser(bytes.NewReader(data))
		out.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(data)), nil }
	}
	m.sent.Add(1)
	go func() {
		defer m.inFlight.Add(-1)
		defer cancel()
		if err := m.send(sctx, out); err != nil {
			m.failed.Add(1)
			m.logger.DebugContext(sctx, "mirrored call failed",
				slog.String("upstream", m.from.name),
				slog.String("shadow", m.shadow.name),
				slog.Any("error", err))
		}
	}()
	return body
}

// send sends out to an endpoint of the shadow, once, reads the answer and
// drops it; it returns an error unless the answer was a success. The
// outcome feeds the shadow endpoint's latency estimate and outlier
// detection as any attempt's does.
func (m *mirrorer) send(ctx context.Context, out *http.Request) error {
	s := m.shadow
	ep, err := (*s.picker.Load()).pick(nil, time.Now())
	if err != nil {
		if out.Body != nil {
			_ = out.Body.Close()
		}
		return err
	}
	out.URL = ep.rewrite(out.URL)
	out.Host = ""
	a := s.begin(ep)
	res, err := s.transport.RoundTrip(out)
	if err != nil {
		a.finish(outcomeFailure)
		return sanitize(ctx, ep, err)
	}
	n, rerr := io.Copy(io.Discard, io.LimitReader(res.Body, maxMirrorDrain))
	_ = res.Body.Close()
	status := grpcStatus(res, rerr == nil && n < maxMirrorDrain)
	switch {
	case rerr != nil:
		a.finish(outcomeFailure)
		return sanitize(ctx, ep, rerr)
	case res.StatusCode >= 500 || failureStatus(status):
		a.finish(outcomeFailure)
	default:
		a.finish(outcomeSuccess)
	}
	if res.StatusCode != http.StatusOK || status != 0 {
		return errors.New("shadow answered HTTP " + strconv.Itoa(res.StatusCode) + ", grpc-status " + strconv.Itoa(int(status)))
	}
	return nil
}

// grpcStatus returns the gRPC status code of a response: in its headers
// (a trailers-only answer) or, when ended (read to its end), its trailers;
// 0 when there is none (the Connect protocol, or a long answer).
func grpcStatus(res *http.Response, ended bool) connect.Code {
	v := res.Header.Get("Grpc-Status")
	if v == "" && ended {
		v = res.Trailer.Get("Grpc-Status")
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 {
		return 0
	}
	return connect.Code(n)
}

// failureStatus reports whether a gRPC status counts against the endpoint
// (see classify).
func failureStatus(c connect.Code) bool {
	switch c {
	case connect.CodeUnavailable, connect.CodeInternal, connect.CodeUnknown, connect.CodeDataLoss, connect.CodeDeadlineExceeded:
		return true
	}
	return false
}

// errReader is a reader that fails with err.
type errReader struct{ err error }

func (r errReader) Read([]byte) (int, error) { return 0, r.err }

// MirrorStats is a snapshot of an upstream's mirror (upstreams.<name>.mirror).
type MirrorStats struct {
	// Upstream is the shadow upstream; Percent the share of calls copied.
	Upstream string `json:"upstream"`
	Percent  int    `json:"percent"`
	// Sent counts the copies sent; Failed those of them that got no
	// successful answer (transport error, timeout, an error code);
	// Dropped the calls not mirrored because MaxInFlight copies were in
	// flight; InFlight the copies in flight now.
	Sent     int64 `json:"sent"`
	Failed   int64 `json:"failed"`
	Dropped  int64 `json:"dropped"`
	InFlight int64 `json:"in_flight"`
}

// stats returns a snapshot of the mirror.
func (m *mirrorer) stats() *MirrorStats {
	return &MirrorStats{Upstream: m.shadow.name, Percent: m.percent, Sent: m.sent.Load(), Failed: m.failed.Load(), Dropped: m.dropped.Load(), InFlight: m.inFlight.Load()}
}
