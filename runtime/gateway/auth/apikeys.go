package auth

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"sync/atomic"
	"time"

	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/parser"

	"github.com/bffgen/bffgen/runtime/request"
)

// maxAPIKeyBytes bounds a presented API key: longer is refused unhashed.
const maxAPIKeyBytes = 1024

// maxKeyFileBytes bounds the API key file.
const maxKeyFileBytes = 4 << 20

// apiKey is one entry of the key file.
type apiKey struct {
	name   string
	hash   [sha256.Size]byte
	scopes []string
}

// apiKeys verifies API keys against the hashes of a key file, which a
// goroutine reads again every interval.
type apiKeys struct {
	path   string
	logger *slog.Logger
	keys   atomic.Pointer[[]apiKey]
	digest [sha256.Size]byte // of the file content last loaded; only run touches it
}

// newAPIKeys reads the key file; an unreadable or invalid file is an error.
func newAPIKeys(path string, logger *slog.Logger) (*apiKeys, error) {
	k := &apiKeys{path: path, logger: logger}
	data, err := readKeyFile(path)
	if err != nil {
		return nil, err
	}
	keys, err := parseKeyFile(path, data)
	if err != nil {
		return nil, err
	}
	k.keys.Store(&keys)
	k.digest = sha256.Sum256(data)
	return k, nil
}

func readKeyFile(path string) ([]byte, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("gateway.auth.api_keys.file: %w", err)
	}
	if st.Size() > maxKeyFileBytes {
		return nil, fmt.Errorf("%s: the API key file is larger than %d bytes", path, maxKeyFileBytes)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("gateway.auth.api_keys.file: %w", err)
	}
	return data, nil
}

// keyFile is the format of the API key file.
type keyFile struct {
	Keys []struct {
		Name   string   `yaml:"name"`
		SHA256 string   `yaml:"sha256"`
		Scopes []string `yaml:"scopes"`
	} `yaml:"keys"`
}

// parseKeyFile decodes and checks a key file; every problem names the file,
// the line and the column.
func parseKeyFile(path string, data []byte) ([]apiKey, error) {
	file, err := parser.ParseBytes(data, 0)
	if err != nil {
		return nil, yamlError(path, err)
	}
	var f keyFile
	if err := yaml.UnmarshalWithOptions(data, &f, yaml.Strict()); err != nil {
		return nil, yamlError(path, err)
	}
	at := func(p string) string {
		yp, err := yaml.PathString(p)
		if err != nil {
			return path
		}
		n, err := yp.FilterFile(file)
		if err != nil || n == nil {
			return path
		}
		return position(path, n)
	}
	var errs []error
	names := map[string]int{}
	hashes := map[string]int{}
	keys := make([]apiKey, 0, len(f.Keys))
	for i, e := range f.Keys {
		entry := fmt.Sprintf("$.keys[%d]", i)
		if e.Name == "" {
			errs = append(errs, fmt.Errorf("%s: key %d has no name: add name: <who holds the key>", at(entry), i+1))
		} else if j, dup := names[e.Name]; dup {
			errs = append(errs, fmt.Errorf("%s: the name %q is taken by key %d: give each key its own name", at(entry+".name"), e.Name, j+1))
		}
		names[e.Name] = i
		sum := strings.ToLower(e.SHA256)
		raw, err := hex.DecodeString(sum)
		if err != nil || len(raw) != sha256.Size {
			errs = append(errs, fmt.Errorf("%s: key %q: sha256 must be the 64 hexadecimal digits of the key's SHA-256 (printf %%s \"$KEY\" | sha256sum), got %d characters", at(entry+".sha256"), e.Name, len(e.SHA256)))
			continue
		}
		if j, dup := hashes[sum]; dup {
			errs = append(errs, fmt.Errorf("%s: key %q has the same hash as key %d", at(entry+".sha256"), e.Name, j+1))
		}
		hashes[sum] = i
		for s, scope := range e.Scopes {
			if scope == "" || strings.ContainsAny(scope, " \t\r\n") {
				errs = append(errs, fmt.Errorf("%s: key %q: scope %q must be one word", at(fmt.Sprintf("%s.scopes[%d]", entry, s)), e.Name, scope))
			}
		}
		k := apiKey{name: e.Name, scopes: e.Scopes}
		copy(k.hash[:], raw)
		keys = append(keys, k)
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return keys, nil
}

func position(path string, n ast.Node) string {
	if tk := n.GetToken(); tk != nil && tk.Position != nil {
		return fmt.Sprintf("%s:%d:%d", path, tk.Position.Line, tk.Position.Column)
	}
	return path
}

// yamlError names the file and the position of a YAML error.
func yamlError(path string, err error) error {
	var yerr yaml.Error
	if errors.As(err, &yerr) {
		if tk := yerr.GetToken(); tk != nil && tk.Position != nil {
			return fmt.Errorf("%s:%d:%d: %s", path, tk.Position.Line, tk.Position.Column, yerr.GetMessage())
		}
	}
	return fmt.Errorf("%s: %v", path, err)
}

// verify returns the principal of key: its name as Subject, its scopes, and
// the claims "sub" and "scope" (the scopes space-separated). Every stored
// hash is compared, in constant time, whatever matches: the time taken
// does not depend on which key, if any, matches.
func (k *apiKeys) verify(key string) (request.Principal, string) {
	if key == "" || len(key) > maxAPIKeyBytes {
		return request.Principal{}, ReasonUnknownAPIKey
	}
	sum := sha256.Sum256([]byte(key))
	keys := *k.keys.Load()
	found := -1
	for i := range keys {
		if subtle.ConstantTimeCompare(sum[:], keys[i].hash[:]) == 1 {
			found = i
		}
	}
	if found < 0 {
		return request.Principal{}, ReasonUnknownAPIKey
	}
	e := keys[found]
	return request.Principal{
		Subject: e.name,
		Scopes:  e.scopes,
		Claims:  map[string]any{"sub": e.name, "scope": strings.Join(e.scopes, " ")},
	}, ""
}

// run reads the key file again every interval until ctx ends: a changed
// file that parses replaces the keys; an unreadable or invalid one is
// logged and the keys already loaded stay.
func (k *apiKeys) run(ctx context.Context, every time.Duration) {
	ticker := time.NewTicker(every)
	defer ticker.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-ticker.C:
		}
		k.reload(ctx)
	}
}

// reload reads the key file once; see run.
func (k *apiKeys) reload(ctx context.Context) {
	data, err := readKeyFile(k.path)
	if err != nil {
		k.logger.LogAttrs(ctx, slog.LevelError, "API keys: the key file cannot be read; the keys already loaded stay", slog.String("error", err.Error()))
		return
	}
	digest := sha256.Sum256(data)
	if digest == k.digest {
		return
	}
	keys, err := parseKeyFile(k.path, data)
	if err != nil {
		k.logger.LogAttrs(ctx, slog.LevelError, "API keys: the key file is invalid; the keys already loaded stay", slog.String("error", err.Error()))
		return
	}
	k.keys.Store(&keys)
	k.digest = digest
	k.logger.LogAttrs(ctx, slog.LevelInfo, "API keys: the key file changed", slog.Int("keys", len(keys)))
}
