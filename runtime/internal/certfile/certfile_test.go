package certfile_test

import (
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/bffgen/bffgen/runtime/internal/certfile"
	"github.com/bffgen/bffgen/runtime/internal/certtest"
)

// reports records what a Reporter is told.
type reports struct {
	mu   sync.Mutex
	errs []error
}

func (r *reports) report(err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.errs = append(r.errs, err)
}

func (r *reports) list() []error {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]error(nil), r.errs...)
}

func TestKeyPairFollowsItsFilesAndKeepsTheLastGoodPair(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	ca := certtest.NewCA(t, "ca")
	first, second := ca.Issue(t, certtest.Options{}), ca.Issue(t, certtest.Options{})
	certPath, keyPath := filepath.Join(dir, "tls.crt"), filepath.Join(dir, "tls.key")
	certtest.Write(t, certPath, first.CertPEM)
	certtest.Write(t, keyPath, first.KeyPEM)
	var r reports
	kp, err := certfile.LoadKeyPair(certPath, keyPath, r.report)
	if err != nil {
		t.Fatal(err)
	}
	serial := func() int64 { return kp.Certificate().Leaf.SerialNumber.Int64() }
	if serial() != first.Cert.SerialNumber.Int64() {
		t.Fatal("the first certificate is not the one in the files")
	}
	if len(r.list()) != 0 {
		t.Errorf("unchanged files reported %v", r.list())
	}

	// The certificate changes before its key: the pair does not match,
	// the first one stays, and the problem is reported once.
	certtest.Write(t, certPath, second.CertPEM)
	for range 3 {
		if serial() != first.Cert.SerialNumber.Int64() {
			t.Fatal("a certificate without its key was taken")
		}
	}
	if got := r.list(); len(got) != 1 || got[0] == nil {
		t.Fatalf("reports = %v, want one error", got)
	}
	certtest.Write(t, keyPath, second.KeyPEM)
	if serial() != second.Cert.SerialNumber.Int64() {
		t.Fatal("the new pair was not taken")
	}
	if got := r.list(); len(got) != 2 || got[1] != nil {
		t.Fatalf("reports = %v, want an error then a success", got)
	}

	// A file missing for a moment keeps the pair without a report.
	if err := os.Remove(keyPath); err != nil {
		t.Fatal(err)
	}
	if serial() != second.Cert.SerialNumber.Int64() || len(r.list()) != 2 {
		t.Fatal("a missing file changed the pair or was reported")
	}
}

func TestLoadFailsOnUnusableFiles(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	notPEM := filepath.Join(dir, "x.pem")
	certtest.Write(t, notPEM, []byte("hello\n"))
	if _, err := certfile.LoadPool(notPEM, nil); err == nil || err.Error() != notPEM+" holds no PEM certificate" {
		t.Errorf("LoadPool error = %v", err)
	}
	if _, err := certfile.LoadKeyPair(notPEM, notPEM, nil); err == nil {
		t.Error("LoadKeyPair took a file without PEM")
	}
	if _, err := certfile.LoadPool(filepath.Join(dir, "missing"), nil); !os.IsNotExist(err) {
		t.Errorf("LoadPool error = %v, want not exist", err)
	}
}

func TestPoolFollowsItsFile(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	a, b := certtest.NewCA(t, "a"), certtest.NewCA(t, "b")
	path := filepath.Join(dir, "ca.pem")
	certtest.Write(t, path, a.PEM)
	p, err := certfile.LoadPool(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !p.CertPool().Equal(certtest.Pool(a)) {
		t.Fatal("the pool is not the file's")
	}
	certtest.Write(t, path, a.PEM, b.PEM)
	if !p.CertPool().Equal(certtest.Pool(a, b)) {
		t.Fatal("the pool did not follow the file")
	}
}
