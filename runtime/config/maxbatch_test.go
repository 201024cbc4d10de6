package config_test

import (
	"strings"
	"testing"

	"github.com/bffgen/bffgen/runtime/config"
)

func TestMaxBatchSize(t *testing.T) {
	cfg, err := config.Parse([]byte("upstreams:\n  users: {endpoints: [\"http://127.0.0.1:1\"], max_batch_size: 20}\n"), "bff.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if got := cfg.Upstreams["users"].MaxBatchSize; got != 20 {
		t.Errorf("max_batch_size = %d, want 20", got)
	}
	_, err = config.Parse([]byte("upstreams:\n  users:\n    endpoints: [\"http://127.0.0.1:1\"]\n    max_batch_size: -1\n"), "bff.yaml")
	if err == nil || !strings.Contains(err.Error(), "bff.yaml:4:") || !strings.Contains(err.Error(), "must not be negative") {
		t.Errorf("negative max_batch_size: %v", err)
	}
}

func TestForwardHeadersRejectsWhatCannotBeForwarded(t *testing.T) {
	for _, h := range []string{"Connection", "Host", "Content-Type", "Grpc-Timeout", "Proxy-Authorization", "Connect-Timeout-Ms"} {
		_, err := config.Parse([]byte("upstreams:\n  users:\n    endpoints: [\"http://127.0.0.1:1\"]\n    forward_headers: [Accept-Language, "+h+"]\n"), "bff.yaml")
		if err == nil || !strings.Contains(err.Error(), "bff.yaml:4:") || !strings.Contains(err.Error(), "cannot be forwarded") {
			t.Errorf("%s: %v", h, err)
		}
	}
}
