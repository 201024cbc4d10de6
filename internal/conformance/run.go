package conformance

import (
	"bufio"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"sync"

	"google.golang.org/protobuf/proto"

	v1 "github.com/bffgen/bffgen/internal/conformance/conformancev1"
)

// The stacks [Run] can send RPCs through.
const (
	// StackSidecar sends every RPC through a sidecar.Upstream with every
	// policy on.
	StackSidecar = "sidecar"
	// StackPlain sends every RPC with connect-go's client on a plain
	// net/http transport.
	StackPlain = "plain"
)

// Options configure [Run].
type Options struct {
	// Stack is [StackSidecar] or [StackPlain]; "" means [StackSidecar].
	Stack string
	// Parallel is the number of RPCs in flight at once; 0 means 8.
	Parallel int
	// Share makes the sidecar stack build one upstream per server and
	// configuration, shared by the cases that call it, instead of one per
	// case.
	Share bool
	// NoBreaker leaves the sidecar stack's circuit breaker off (its
	// default in bff.yaml); it is on otherwise.
	NoBreaker bool
	// TimeoutOff gives the sidecar stack's upstreams timeout: off
	// (config.Upstream.TimeoutOff) instead of [SidecarTimeout]: a call's
	// deadline is then the case's own, or none.
	TimeoutOff bool
	// Stats, when not nil, receives the counters of the run once it
	// ends.
	Stats *Stats
}

// Stats are what a run saw besides the results it wrote.
type Stats struct {
	// Cases is the number of requests read.
	Cases int
	// Forwarded is the number of sidecar calls whose server echoed the
	// header the upstream forwarded from the inbound request (only calls
	// whose result carries the server's request info can show it).
	Forwarded int
	// Retries, TransparentRetries and BreakerRejections add up the
	// sidecar.Stats counters of the run's upstreams; 0 on the plain stack.
	Retries, TransparentRetries, BreakerRejections int64
}

// maxMessage bounds one framed message from the runner.
const maxMessage = 64 << 20

// Run reads size-delimited ClientCompatRequest messages (a 4-byte
// big-endian length, then the message) from in until EOF, sends each RPC
// and writes a size-delimited ClientCompatResponse per request to out, in
// the order the RPCs finish. It returns when every RPC has finished, with
// an error only when in or out fails or opts are invalid: a failed RPC is
// a result, and a case the client cannot run is a ClientErrorResult.
func Run(ctx context.Context, in io.Reader, out io.Writer, opts Options) error {
	var st stack
	switch opts.Stack {
	case "", StackSidecar:
		s, err := newSidecarStack(opts.Share, !opts.NoBreaker, opts.TimeoutOff)
		if err != nil {
			return err
		}
		defer func() {
			s.close()
			if opts.Stats != nil {
				s.stats(opts.Stats)
			}
		}()
		st = s
	case StackPlain:
		st = newPlainStack()
	default:
		return fmt.Errorf("stack %q is unknown: want %q or %q", opts.Stack, StackSidecar, StackPlain)
	}
	parallel := opts.Parallel
	if parallel <= 0 {
		parallel = 8
	}
	r := bufio.NewReader(in)
	var (
		mu       sync.Mutex // guards out, writeErr and stats
		writeErr error
		stats    Stats
		wg       sync.WaitGroup
		sem      = make(chan struct{}, parallel)
	)
	defer func() {
		if opts.Stats != nil {
			opts.Stats.Cases, opts.Stats.Forwarded = stats.Cases, stats.Forwarded
		}
	}()
	for {
		req, err := readRequest(r)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			wg.Wait()
			return err
		}
		stats.Cases++
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			res := &v1.ClientCompatResponse{TestName: req.GetTestName()}
			result, forwarded, err := invoke(ctx, st, req)
			if err != nil {
				res.Result = &v1.ClientCompatResponse_Error{Error: &v1.ClientErrorResult{Message: err.Error()}}
			} else {
				res.Result = &v1.ClientCompatResponse_Response{Response: result}
			}
			mu.Lock()
			defer mu.Unlock()
			if forwarded {
				stats.Forwarded++
			}
			if writeErr == nil {
				writeErr = writeResponse(out, res)
			}
		})
	}
	wg.Wait()
	return writeErr
}

// readRequest reads one size-delimited request; io.EOF at a message
// boundary ends the input.
func readRequest(r io.Reader) (*v1.ClientCompatRequest, error) {
	var size [4]byte
	if _, err := io.ReadFull(r, size[:]); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, io.EOF
		}
		return nil, fmt.Errorf("reading the size of a request: %w", err)
	}
	n := binary.BigEndian.Uint32(size[:])
	if n > maxMessage {
		return nil, fmt.Errorf("a request of %d bytes is over the %d-byte limit", n, maxMessage)
	}
	buf := make([]byte, n)
	if _, err := io.ReadFull(r, buf); err != nil {
		return nil, fmt.Errorf("reading a request of %d bytes: %w", n, err)
	}
	req := &v1.ClientCompatRequest{}
	if err := proto.Unmarshal(buf, req); err != nil {
		return nil, fmt.Errorf("decoding a request: %w", err)
	}
	return req, nil
}

// writeResponse writes one size-delimited response.
func writeResponse(w io.Writer, res *v1.ClientCompatResponse) error {
	b, err := proto.Marshal(res)
	if err != nil {
		return err
	}
	buf := binary.BigEndian.AppendUint32(make([]byte, 0, 4+len(b)), uint32(len(b)))
	buf = append(buf, b...)
	if _, err := w.Write(buf); err != nil {
		return fmt.Errorf("writing the result of %s: %w", res.GetTestName(), err)
	}
	return nil
}
