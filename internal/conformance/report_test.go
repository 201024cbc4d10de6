package conformance_test

import (
	"strings"
	"testing"

	"github.com/bffgen/bffgen/internal/conformance"
)

// TestReportPassesOnlyWhenKnownFailuresAreTheSidecarsDeadline reads
// runner outputs in the shape connectconformance v1.0.7 prints them.
func TestReportPassesOnlyWhenKnownFailuresAreTheSidecarsDeadline(t *testing.T) {
	const deadlineOnly = "INFO: Errors/TLS:false/unary/internal failed (as expected):\n" +
		"\tserver echoed back a timeout (29999 ms) but none was expected\n"
	tests := []struct {
		name    string
		out     string
		wantErr string // "" when the run passes
		want    string // the one-line summary
	}{
		{
			name: "all passed",
			out:  "Total cases: 10\n10 passed, 0 failed\nrunner exit status: 0\n",
			want: "10/10 passed",
		},
		{
			name: "known failures only for the sidecar's deadline",
			out:  deadlineOnly + "\nTotal cases: 10\n9 passed, 0 failed\n(Another 1 failed as expected due to being known failures/flakes.)\nrunner exit status: 0\n",
			want: "9/10 passed, 1 failed as expected",
		},
		{
			name: "a known failure with another reason as well",
			out: "INFO: Errors/unary/internal failed (as expected):\n" +
				"\tserver echoed back a timeout (29999 ms) but none was expected\n" +
				"\tactual error contain 0 details; expecting 1\n" +
				"\nTotal cases: 10\n9 passed, 0 failed\n(Another 1 failed as expected due to being known failures/flakes.)\nrunner exit status: 0\n",
			wantErr: "actual error contain 0 details",
		},
		{
			name: "a known failure whose echoed timeout is not the sidecar's",
			out: "INFO: Timeouts/unary failed (as expected):\n" +
				"\tserver echoed back a timeout (200 ms) but none was expected\n" +
				"\nTotal cases: 1\n0 passed, 0 failed\n(Another 1 failed as expected due to being known failures/flakes.)\nrunner exit status: 0\n",
			wantErr: "(200 ms)",
		},
		{
			name:    "a failed case",
			out:     "FAILED: Basic/unary/success:\n\tactual response headers missing \"x-custom-header\"\n\nTotal cases: 10\n9 passed, 1 failed\nrunner exit status: 1\n",
			wantErr: "1 of 10 cases failed",
		},
		{
			name:    "cases the client never answered",
			out:     "Total cases: 10\n2 passed, 0 failed\nAnother 8 could not be run due to client timing out or exiting prematurely.\nrunner exit status: 1\n",
			wantErr: "8 cases could not be run",
		},
		{
			name:    "the runner failed without totals",
			out:     "invalid config\nrunner exit status: 1\n",
			wantErr: "no totals",
		},
		{
			name:    "the runner exited with an error",
			out:     "Total cases: 1\n1 passed, 0 failed\nrunner exit status: 2\n",
			wantErr: "status 2",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rep, err := conformance.ParseReport(strings.NewReader(tt.out))
			if err == nil {
				err = rep.Err()
			}
			switch {
			case tt.wantErr == "" && err != nil:
				t.Fatalf("got %v, want a pass", err)
			case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
				t.Fatalf("got %v, want an error with %q", err, tt.wantErr)
			}
			if tt.want != "" && !strings.HasPrefix(rep.String(), tt.want) {
				t.Errorf("summary %q, want it to start with %q", rep.String(), tt.want)
			}
		})
	}
}
