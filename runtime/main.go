package runtime

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"

	"github.com/bffgen/bffgen/runtime/config"
	"github.com/bffgen/bffgen/runtime/internal/heapfloor"
)

// Main runs svc as a program and returns its exit code; call it as
// os.Exit(runtime.Main(svc)). Options go to New after the runtime's own
// logger (so a WithLogger among them replaces it); a BFF with global
// rate-limit rules passes WithRateLimitStore(redisstore.Open). It reads
// the flags of os.Args:
//
//	--config PATH   the runtime configuration (default "bff.yaml")
//	--dev           force development mode, whatever the file says
//
// then loads the configuration, keeps the GC's heap goal at or above
// server.min_heap_bytes (unless the GOGC environment variable is set),
// listens on its listen and admin addresses and serves until SIGINT or
// SIGTERM, which start a graceful shutdown (a
// second signal ends the process at once). It returns 0 after a clean
// shutdown (and for --help), 1 for a user error (bad flags, a configuration
// problem, an address in use), with the message on standard error, and 2
// for an internal error. Configuration problems are rendered by
// config.Render as `bffgen check` renders them: a first line such as
// "bff.yaml:3:5: error: unknown key ...", the source line, carets under the
// offending token and the hint.
func Main(svc Service, opts ...Option) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	go func() {
		<-ctx.Done()
		stop() // a second signal gets the default behaviour: exit
	}()
	return run(ctx, svc, os.Args, os.Stderr, opts...)
}

func run(ctx context.Context, svc Service, args []string, stderr io.Writer, opts ...Option) int {
	name := "bff"
	if len(args) > 0 {
		name = filepath.Base(args[0])
		args = args[1:]
	}
	flags := flag.NewFlagSet(name, flag.ContinueOnError)
	flags.SetOutput(stderr)
	configPath := flags.String("config", "bff.yaml", "path of the runtime configuration")
	dev := flags.Bool("dev", false, "force development mode (GraphiQL, introspection, error details)")
	flags.Usage = func() {
		fmt.Fprintf(stderr, "Usage: %s [--config PATH] [--dev]\n\nServes the %s GraphQL API (bffgen runtime %s).\n\nFlags:\n", name, svc.Name, Version)
		flags.PrintDefaults()
	}
	if err := flags.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 1
	}
	if flags.NArg() > 0 {
		fmt.Fprintf(stderr, "%s: unexpected argument %q\n", name, flags.Arg(0))
		flags.Usage()
		return 1
	}

	var loadOpts []config.Option
	if *dev {
		loadOpts = append(loadOpts, config.WithMode(config.ModeDevelopment))
	}
	cfg, err := config.Load(*configPath, loadOpts...)
	if err != nil {
		_ = config.Render(stderr, err) // the exit code says it failed
		return 1
	}
	// The heap floor (server.min_heap_bytes) is process-wide, so Main,
	// which owns the process, sets it; an explicit GOGC wins.
	if _, set := os.LookupEnv("GOGC"); !set && cfg.Server.MinHeapBytes > 0 {
		defer heapfloor.Start(uint64(cfg.Server.MinHeapBytes))()
	}
	service := cfg.Telemetry.ServiceName
	if service == "" {
		service = svc.Name
	}
	logger := newLogger(cfg, service, stderr)
	srv, err := New(svc, cfg, append([]Option{WithLogger(logger)}, opts...)...)
	if err != nil {
		// A configuration problem found while building the server (a
		// missing upstream, a key file that cannot be read, a global rate
		// limit without a store) names its setting; the file says where.
		if ce := (*configError)(nil); errors.As(err, &ce) {
			fmt.Fprintf(stderr, "%s: %v\n", *configPath, err)
			return 1
		}
		fmt.Fprintln(stderr, err)
		return 2
	}
	ln, err := net.Listen("tcp", cfg.Listen)
	if err != nil {
		fmt.Fprintf(stderr, "listen: %v\n", err)
		_ = srv.Close()
		return 1
	}
	adminLn, err := net.Listen("tcp", cfg.Admin)
	if err != nil {
		fmt.Fprintf(stderr, "listen: %v\n", err)
		_ = ln.Close()
		_ = srv.Close()
		return 1
	}
	logger.LogAttrs(ctx, slog.LevelInfo, "serving",
		slog.String("version", Version),
		slog.String("mode", cfg.Mode),
		slog.String("listen", ln.Addr().String()),
		slog.String("admin", adminLn.Addr().String()),
		slog.String("graphql", cfg.Gateway.GraphQL.Path),
	)
	if err := srv.Serve(ctx, ln, adminLn); err != nil {
		logger.LogAttrs(context.Background(), slog.LevelError, "server failed", slog.String("error", err.Error()))
		return 2
	}
	return 0
}
