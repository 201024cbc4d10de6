package auth

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/MicahParks/jwkset"
)

// maxKeySetBytes bounds a key set, fetched or read: a real one is a few
// kilobytes.
const maxKeySetBytes = 1 << 20

// retryAfterFailure is the longest wait before the next fetch after a failed
// one: a key set that could not be fetched at start is tried again soon, not
// after a whole refresh interval.
const retryAfterFailure = 10 * time.Second

// errUnknownKey is the error of a token whose key id the set does not hold.
var errUnknownKey = errors.New("no key of the key set has the token's key id")

// keySet holds the verification keys of a JSON Web Key Set (from a URL or a
// file) for keyfunc: the keys of the last successful load, replaced whole
// by each successful refresh and kept when a refresh fails. A key id it does
// not hold causes one refresh at most once per unknownEvery, which a token
// that finds that budget spent does not wait for.
type keySet struct {
	*jwkset.MemoryJWKSet

	source       string // the URL or the path, for logs
	load         func(ctx context.Context) ([]byte, error)
	timeout      time.Duration
	unknownEvery time.Duration
	logger       *slog.Logger

	fetchMu sync.Mutex // one load at a time

	mu          sync.Mutex // guards lastUnknown
	lastUnknown time.Time

	loaded atomic.Bool // a load has succeeded once
	failed atomic.Bool // the last load failed
	// generation counts the successful loads that changed the keys.
	generation atomic.Uint64
	last       []byte // the raw set of the last successful load; under fetchMu
}

// refresh loads the key set and, when it parses and holds a usable key,
// replaces the keys with it.
func (s *keySet) refresh(ctx context.Context) error {
	s.fetchMu.Lock()
	defer s.fetchMu.Unlock()
	err := s.refreshLocked(ctx)
	s.failed.Store(err != nil)
	return err
}

func (s *keySet) refreshLocked(ctx context.Context) error {
	raw, err := s.load(ctx)
	if err != nil {
		return err
	}
	keys, skipped, err := parseKeySet(raw)
	if err != nil {
		return err
	}
	for _, reason := range skipped {
		s.logger.LogAttrs(ctx, slog.LevelWarn, "key set: a key is skipped", slog.String("source", s.source), slog.String("reason", reason))
	}
	if len(keys) == 0 {
		return errors.New("the key set holds no usable public signing key")
	}
	if !s.loaded.Load() || string(raw) != string(s.last) {
		if err := s.KeyReplaceAll(ctx, keys); err != nil {
			return err
		}
		s.last = raw
		s.generation.Add(1)
	}
	s.loaded.Store(true)
	return nil
}

// parseKeySet decodes a JSON Web Key Set and keeps its public signing keys:
// symmetric keys ("kty": "oct") and encryption keys ("use": "enc") are
// skipped, and so is the private part of a key, as are the keys jwkset
// cannot read (each with the reason in skipped).
func parseKeySet(raw []byte) (keys []jwkset.JWK, skipped []string, err error) {
	var set jwkset.JWKSMarshal
	if err := json.Unmarshal(raw, &set); err != nil {
		return nil, nil, fmt.Errorf("the key set is not a JSON Web Key Set: %w", err)
	}
	for i, m := range set.Keys {
		switch {
		case m.KTY == jwkset.KtyOct:
			skipped = append(skipped, fmt.Sprintf("key %d (kid %q) is symmetric: shared secrets are never read from a key set", i, m.KID))
			continue
		case m.USE == jwkset.UseEnc:
			skipped = append(skipped, fmt.Sprintf("key %d (kid %q) is an encryption key", i, m.KID))
			continue
		}
		jwk, err := jwkset.NewJWKFromMarshal(m, jwkset.JWKMarshalOptions{Private: false}, jwkset.JWKValidateOptions{})
		if err != nil {
			skipped = append(skipped, fmt.Sprintf("key %d (kid %q) cannot be read: %v", i, m.KID, err))
			continue
		}
		keys = append(keys, jwk)
	}
	return keys, skipped, nil
}

// KeyRead returns the key called keyID. When the set does not hold it and
// the unknown-kid budget allows, the set is loaded again first (bounded by
// the fetch timeout, whatever the caller's context).
func (s *keySet) KeyRead(ctx context.Context, keyID string) (jwkset.JWK, error) {
	jwk, err := s.MemoryJWKSet.KeyRead(ctx, keyID)
	if err == nil || !errors.Is(err, jwkset.ErrKeyNotFound) {
		return jwk, err
	}
	if !s.allowUnknown() {
		return jwkset.JWK{}, errUnknownKey
	}
	fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), s.timeout)
	defer cancel()
	if err := s.refresh(fctx); err != nil {
		s.logger.LogAttrs(ctx, slog.LevelWarn, "key set: refresh for an unknown key id failed; the keys already loaded stay",
			slog.String("source", s.source), slog.String("error", err.Error()))
		return jwkset.JWK{}, errUnknownKey
	}
	jwk, err = s.MemoryJWKSet.KeyRead(ctx, keyID)
	if err != nil {
		return jwkset.JWK{}, errUnknownKey
	}
	return jwk, nil
}

// allowUnknown reports whether a token with an unknown key id may cause a
// refresh now, and spends the budget when it may.
func (s *keySet) allowUnknown() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := time.Now()
	if !s.lastUnknown.IsZero() && now.Sub(s.lastUnknown) < s.unknownEvery {
		return false
	}
	s.lastUnknown = now
	return true
}

// run refreshes the set every interval (sooner after a failure) until ctx
// ends.
func (s *keySet) run(ctx context.Context, every time.Duration) {
	for {
		wait := every
		if s.failed.Load() {
			wait = min(every, retryAfterFailure)
		}
		timer := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			timer.Stop()
			return
		case <-timer.C:
		}
		fctx, cancel := context.WithTimeout(ctx, s.timeout)
		err := s.refresh(fctx)
		cancel()
		if err != nil && ctx.Err() == nil {
			s.logger.LogAttrs(ctx, slog.LevelWarn, "key set: refresh failed; the keys already loaded stay",
				slog.String("source", s.source), slog.String("error", err.Error()))
		}
	}
}

// httpLoad returns the loader of a key set URL: a GET that must answer 200
// with at most maxKeySetBytes.
func httpLoad(client *http.Client, url string) func(ctx context.Context) ([]byte, error) {
	return func(ctx context.Context) ([]byte, error) {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		if err != nil {
			return nil, err
		}
		req.Header.Set("Accept", "application/jwk-set+json, application/json")
		res, err := client.Do(req)
		if err != nil {
			return nil, fmt.Errorf("fetch the key set: %w", err)
		}
		defer res.Body.Close()
		if res.StatusCode != http.StatusOK {
			_, _ = io.Copy(io.Discard, io.LimitReader(res.Body, 4096))
			return nil, fmt.Errorf("fetch the key set: status %d, want 200", res.StatusCode)
		}
		return readCapped(res.Body)
	}
}

// fileLoad returns the loader of a key set file.
func fileLoad(path string) func(ctx context.Context) ([]byte, error) {
	return func(context.Context) ([]byte, error) {
		f, err := os.Open(path)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		return readCapped(f)
	}
}

func readCapped(r io.Reader) ([]byte, error) {
	raw, err := io.ReadAll(io.LimitReader(r, maxKeySetBytes+1))
	if err != nil {
		return nil, fmt.Errorf("read the key set: %w", err)
	}
	if len(raw) > maxKeySetBytes {
		return nil, fmt.Errorf("the key set is larger than %d bytes", maxKeySetBytes)
	}
	return raw, nil
}
