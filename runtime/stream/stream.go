package stream

import (
	"context"
	"errors"
	"log/slog"

	"connectrpc.com/connect"
	"github.com/bffgen/bffgen/runtime/errcode"
)

// Forward reads s until it ends or ctx is done and sends pick of every
// message on the returned channel, which is closed at the end; s is closed
// when Forward's goroutine returns. A stream error other than the client
// leaving is logged with slog's default logger.
func Forward[M, T any](ctx context.Context, s *connect.ServerStreamForClient[M], pick func(*M) T) <-chan T {
	out := make(chan T)
	go func() {
		defer close(out)
		defer s.Close()
		for s.Receive() {
			select {
			case out <- pick(s.Msg()):
			case <-ctx.Done():
				return
			}
		}
		if err := s.Err(); err != nil && ctx.Err() == nil && !errors.Is(err, context.Canceled) {
			attrs := []any{slog.String("code", errcode.Code(err)), slog.String("error", err.Error())}
			var up *errcode.UpstreamError
			if errors.As(err, &up) {
				attrs = append(attrs, slog.String("upstream", up.Upstream), slog.String("procedure", up.Procedure))
			}
			slog.ErrorContext(ctx, "subscription stream ended with an error", attrs...)
		}
	}()
	return out
}
