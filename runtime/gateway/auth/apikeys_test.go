package auth_test

import (
	"crypto/sha256"
	"encoding/hex"
	"reflect"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/bffgen/bffgen/runtime/gateway/auth"
)

func hashOf(key string) string {
	sum := sha256.Sum256([]byte(key))
	return hex.EncodeToString(sum[:])
}

func keyFile(entries ...[3]string) []byte {
	var b strings.Builder
	b.WriteString("keys:\n")
	for _, e := range entries {
		b.WriteString("  - name: " + e[0] + "\n    sha256: " + e[1] + "\n    scopes: [" + e[2] + "]\n")
	}
	return []byte(b.String())
}

func TestAPIKeys(t *testing.T) {
	t.Parallel()
	path := writeFile(t, t.TempDir(), "keys.yaml", keyFile(
		[3]string{"mobile-app", hashOf("key-mobile"), "products:read"},
		[3]string{"partner", strings.ToUpper(hashOf("key-partner")), "products:read, reviews:write"},
	))
	a := newAuth(t, authConfig(t, "api_keys: {file: "+path+"}\n"))
	for _, tt := range []struct {
		name, key, subject string
		scopes             []string
		reason             string
	}{
		{"valid", "key-mobile", "mobile-app", []string{"products:read"}, ""},
		{"valid, hash in upper case in the file", "key-partner", "partner", []string{"products:read", "reviews:write"}, ""},
		{"unknown", "key-unknown", "", nil, auth.ReasonUnknownAPIKey},
		{"the hash itself is not the key", hashOf("key-mobile"), "", nil, auth.ReasonUnknownAPIKey},
		{"over 1 KiB", strings.Repeat("k", 2000), "", nil, auth.ReasonUnknownAPIKey},
	} {
		t.Run(tt.name, func(t *testing.T) {
			p, err := a.Authenticate(requestWith("X-Api-Key", tt.key))
			if got := reason(err); got != tt.reason {
				t.Fatalf("reason = %q, want %q", got, tt.reason)
			}
			if p.Subject != tt.subject || !reflect.DeepEqual(p.Scopes, tt.scopes) {
				t.Errorf("principal = %+v, want %q %q", p, tt.subject, tt.scopes)
			}
		})
	}
}

// TestRevokedKeyIsRefusedAfterTheFileChanges is AU-3's revocation, on
// synctest's clock: a key removed from the file is refused from the next
// read (reload_interval), an invalid file keeps the keys already loaded.
func TestRevokedKeyIsRefusedAfterTheFileChanges(t *testing.T) {
	dir := t.TempDir()
	synctest.Test(t, func(t *testing.T) {
		path := writeFile(t, dir, "keys.yaml", keyFile(
			[3]string{"a", hashOf("key-a"), "x"},
			[3]string{"b", hashOf("key-b"), "x"},
		))
		a := newAuth(t, authConfig(t, "api_keys: {file: "+path+", reload_interval: 5s}\n"))
		check := func(when, key, want string) {
			t.Helper()
			_, err := a.Authenticate(requestWith("X-Api-Key", key))
			if got := reason(err); got != want {
				t.Errorf("%s: key %s: reason %q, want %q", when, key, got, want)
			}
		}
		writeFile(t, dir, "keys.yaml", keyFile([3]string{"a", hashOf("key-a"), "x"}))
		check("before the next read", "key-b", "")
		time.Sleep(5 * time.Second)
		synctest.Wait()
		check("after the next read", "key-b", auth.ReasonUnknownAPIKey)
		check("after the next read", "key-a", "")

		writeFile(t, dir, "keys.yaml", []byte("keys:\n  - name: a\n    sha256: nothex\n"))
		time.Sleep(5 * time.Second)
		synctest.Wait()
		check("after an invalid file", "key-a", "")
	})
}

func TestKeyFileProblemsArePositioned(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	for _, tt := range []struct{ name, file, want string }{
		{"short hash", "keys:\n  - name: a\n    sha256: abc\n", "keys.yaml:3:13: key \"a\": sha256 must be the 64 hexadecimal digits"},
		{"no name", "keys:\n  - sha256: " + hashOf("k") + "\n", "keys.yaml:2:11: key 1 has no name"},
		{"duplicate name", "keys:\n  - {name: a, sha256: " + hashOf("1") + "}\n  - {name: a, sha256: " + hashOf("2") + "}\n", "keys.yaml:3:12: the name \"a\" is taken by key 1"},
		{"duplicate hash", "keys:\n  - {name: a, sha256: " + hashOf("1") + "}\n  - {name: b, sha256: " + hashOf("1") + "}\n", "keys.yaml:3:23: key \"b\" has the same hash as key 1"},
		{"unknown field", "keys:\n  - {name: a, sha256: " + hashOf("1") + ", scope: [x]}\n", "keys.yaml:2:"},
		{"scope with a space", "keys:\n  - {name: a, sha256: " + hashOf("1") + ", scopes: [\"a b\"]}\n", "keys.yaml:2:"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			path := writeFile(t, dir, "keys.yaml", []byte(tt.file))
			_, err := auth.New(authConfig(t, "api_keys: {file: "+path+"}\n"))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v, want it to contain %q", err, tt.want)
			}
		})
	}
}
