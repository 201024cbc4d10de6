package sidecar

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"strconv"
	"time"

	"connectrpc.com/connect"

	"github.com/bffgen/bffgen/runtime/config"
)

// hedgePolicy is the hedging of an upstream (upstreams.<name>.hedging),
// defaults applied; nil when it is off.
type hedgePolicy struct {
	delay       time.Duration
	maxAttempts int
}

// newHedgePolicy returns the policy of h, nil when h does not enable it.
func newHedgePolicy(h config.Hedging) *hedgePolicy {
	if !h.Enabled {
		return nil
	}
	return &hedgePolicy{
		delay:       h.Delay,
		maxAttempts: min(max(orDefault(h.MaxAttempts, config.DefaultHedgingMaxAttempts), 2), config.MaxHedgingMaxAttempts),
	}
}

// hedgeResult is the end of one hedged attempt.
type hedgeResult struct {
	n      int // 1 for the first attempt
	ep     *endpoint
	a      *attempt
	res    *http.Response
	err    error
	cancel context.CancelFunc
	// ended reports that the body was found empty and read to its end, so
	// the trailers are there.
	ended bool
}

// doHedged sends req, the request of an idempotent unary call whose body
// is reqBody, as gRPC A6's hedging does: one attempt now, another to an
// endpoint not tried yet whenever delay passes without an answer, up to
// maxAttempts. The first answer that is not a retryable failure wins:
// it is returned and the other attempts are cancelled, their outcome
// ignored (neither the latency estimate nor outlier detection blame their
// endpoint). A retryable failure (a transport error, HTTP 503, or gRPC
// UNAVAILABLE in a trailers-only answer) starts the next attempt at once,
// or after the backend's pushback (a negative one stops hedging). Every
// attempt after the first takes a retry from the budget, but the one after
// a request that provably never left (free, as a transparent retry); with
// the budget spent, no more attempts start. When every attempt failed,
// the last failure is returned.
func (u *Upstream) doHedged(ctx context.Context, req *http.Request, reqBody io.ReadCloser, st *callState) (*http.Response, error) {
	var data []byte
	if reqBody != nil && reqBody != http.NoBody {
		var err error
		data, err = io.ReadAll(reqBody)
		_ = reqBody.Close()
		if err != nil {
			return nil, connect.NewError(connect.CodeInternal, err)
		}
	}
	h := u.hedge
	results := make(chan hedgeResult, h.maxAttempts)
	tried := st.tried
	launched, pending := 0, 0
	cancels := make([]context.CancelFunc, 0, h.maxAttempts) // of attempt n at n-1
	launch := func() error {
		ep, err := (*u.picker.Load()).pick(tried, time.Now())
		if err != nil && launched == 0 && u.awaitKnown(ctx) {
			ep, err = (*u.picker.Load()).pick(tried, time.Now()) // the source's first answer came
		}
		if err != nil {
			return connect.NewError(connect.CodeUnavailable, err)
		}
		tried = append(tried, ep)
		launched++
		pending++
		if launched > 1 {
			u.hedges.Add(1)
		}
		actx, cancel := context.WithCancel(ctx)
		cancels = append(cancels, cancel)
		out := req.WithContext(actx)
		out.Header = req.Header.Clone() // attempts run at once: none shares a map a round tripper may touch
		out.URL = ep.rewrite(req.URL)
		out.Host = ""
		out.Body, out.GetBody = http.NoBody, nil
		if data != nil {
			out.Body = io.NopCloser(bytes.NewReader(data))
			out.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(data)), nil }
		}
		a := u.begin(ep)
		n := launched
		go func() {
			res, err := u.transport.RoundTrip(out)
			ended := false
			if err == nil && u.protocol == protocolGRPC {
				ended = peekEnd(res)
			}
			results <- hedgeResult{n: n, ep: ep, a: a, res: res, err: err, cancel: cancel, ended: ended}
		}()
		return nil
	}
	if err := launch(); err != nil {
		return nil, err
	}
	st.tried = tried
	timer := time.NewTimer(h.delay)
	defer timer.Stop()
	// another starts the next attempt, its retry taken from the budget
	// unless free, and reports whether it did: false once the budget or
	// the endpoints ran out.
	another := func(free bool) bool {
		if !free && !u.retry.budget.withdraw(time.Now()) {
			u.budgetExhausted.Add(1)
			return false
		}
		if launch() != nil {
			return false
		}
		st.tried = tried
		timer.Reset(h.delay)
		return true
	}
	more := true       // whether more attempts may start
	scheduled := false // whether the timer starts the next attempt after a pushback
	var last *hedgeResult
	for pending > 0 || scheduled {
		var done <-chan struct{}
		if pending == 0 {
			done = ctx.Done() // only a scheduled attempt is left
		}
		var r hedgeResult
		select {
		case r = <-results:
			pending--
		case <-done:
			scheduled = false
			continue
		case <-timer.C:
			scheduled = false
			if more && launched < h.maxAttempts && ctx.Err() == nil {
				more = another(false)
			}
			continue
		}
		if r.err == nil && !retryableResponse(r.res, r.ended) {
			// The winner: cancel the others, which end as ignored.
			if last != nil {
				last.discard()
			}
			for i, cancel := range cancels {
				if i != r.n-1 {
					cancel()
				}
			}
			go drainLosers(results, pending)
			if r.n > 1 {
				u.hedgeWins.Add(1)
			}
			st.pending = r.a
			res := r.res
			res.Body = &cancelBody{ReadCloser: &body{ReadCloser: res.Body, ctx: ctx, ep: r.ep, u: u}, cancel: r.cancel}
			return res, nil
		}
		// A failure: keep it as the answer if nothing better comes.
		if last != nil {
			last.discard()
		}
		last = &r
		if r.err != nil {
			u.logFailure(ctx, r.ep, r.err)
		}
		if r.err != nil {
			r.a.finish(transportOutcome(ctx))
		} else {
			r.a.finish(outcomeFailure)
		}
		if !more || scheduled || launched >= h.maxAttempts || ctx.Err() != nil {
			continue
		}
		wait, ok := time.Duration(0), true
		if r.res != nil {
			e := connect.NewError(connect.CodeUnavailable, nil)
			for k, v := range r.res.Header {
				e.Meta()[k] = v
			}
			wait, ok = pushback(e, time.Now())
		}
		switch {
		case !ok:
			more = false
			continue
		case wait > 0:
			// The next attempt starts when the wait ends (and takes its
			// retry from the budget then), unless an answer comes first.
			timer.Reset(wait)
			scheduled = true
			continue
		}
		more = another(r.err != nil && neverSent(r.err))
	}
	// Every attempt failed: answer with the last failure.
	if last.err != nil {
		last.cancel()
		return nil, sanitize(ctx, last.ep, last.err)
	}
	res := last.res
	res.Body = &cancelBody{ReadCloser: &body{ReadCloser: res.Body, ctx: ctx, ep: last.ep, u: u}, cancel: last.cancel}
	return res, nil
}

// discard drops the answer of a failed attempt that another replaces.
func (r *hedgeResult) discard() {
	if r.res != nil {
		_ = r.res.Body.Close()
	}
	r.cancel()
}

// drainLosers cancels nothing itself (the winner's caller did) but waits
// for the n attempts still in flight, closes their answers and ends them
// as ignored: a loser is not blamed on its endpoint.
func drainLosers(results <-chan hedgeResult, n int) {
	for range n {
		r := <-results
		if r.res != nil {
			_ = r.res.Body.Close()
		}
		r.a.finish(outcomeIgnored)
		r.cancel()
	}
}

// retryableResponse reports whether an answer is a failure that another
// attempt may fix: HTTP 503 (the Connect protocol's UNAVAILABLE), or a
// gRPC answer without a message whose status, in its headers or (when
// ended, the body read to its end) its trailers, is UNAVAILABLE.
func retryableResponse(res *http.Response, ended bool) bool {
	if res.StatusCode == http.StatusServiceUnavailable {
		return true
	}
	unavailable := strconv.Itoa(int(connect.CodeUnavailable))
	return res.Header.Get("Grpc-Status") == unavailable || ended && res.Trailer.Get("Grpc-Status") == unavailable
}

// peekEnd reads the first byte of a gRPC response's body, and reports
// whether there was none: a gRPC error without a message, whose status
// is in the trailers, now read. Either way the body reads as before. It
// waits for the first byte of the message or the end of the answer,
// which a unary call waits for anyway.
func peekEnd(res *http.Response) bool {
	if res.Header.Get("Grpc-Status") != "" {
		return false // a trailers-only answer
	}
	var b [1]byte
	n, err := io.ReadFull(res.Body, b[:])
	res.Body = &prefixed{Reader: io.MultiReader(bytes.NewReader(b[:n]), errAfter(err, res.Body)), Closer: res.Body}
	return n == 0 && err == io.EOF
}

// errAfter returns r, or, when the peek failed with an error other than
// the end of the body, a reader that fails with it.
func errAfter(err error, r io.Reader) io.Reader {
	switch err {
	case nil:
		return r
	case io.EOF, io.ErrUnexpectedEOF:
		return bytes.NewReader(nil)
	}
	return errReader{err}
}

// prefixed is a body whose first bytes were read ahead.
type prefixed struct {
	io.Reader
	io.Closer
}

// cancelBody cancels the context of the winning attempt when its body is
// closed.
type cancelBody struct {
	io.ReadCloser
	cancel context.CancelFunc
}

// Close closes the body and cancels the attempt's context.
func (b *cancelBody) Close() error {
	err := b.ReadCloser.Close()
	b.cancel()
	return err
}

// HedgingStats is a snapshot of an upstream's hedging (upstreams.<name>.hedging).
type HedgingStats struct {
	// Hedges counts the attempts sent after the first of a hedged call;
	// Wins the hedged calls answered by one of them rather than the first.
	// The retries the budget refused count in [Stats.BudgetExhausted].
	Hedges int64 `json:"hedges"`
	Wins   int64 `json:"wins"`
}
