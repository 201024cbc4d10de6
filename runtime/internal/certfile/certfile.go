package certfile

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"os"
	"sync"
	"sync/atomic"
	"time"
)

// Reporter is told about every reload: err is nil after a successful one,
// else the reason the files were not taken (the last good value stays in
// use). It may be nil, and must be safe for concurrent use.
type Reporter func(err error)

// stamp identifies the version of a file on disk.
type stamp struct {
	info os.FileInfo
}

// same reports whether a and b describe the same version of a file.
func (a stamp) same(b stamp) bool {
	return a.info != nil && b.info != nil && os.SameFile(a.info, b.info) &&
		a.info.ModTime().Equal(b.info.ModTime()) && a.info.Size() == b.info.Size()
}

// stampAll stats paths.
func stampAll(paths []string) ([]stamp, error) {
	out := make([]stamp, len(paths))
	for i, p := range paths {
		fi, err := os.Stat(p)
		if err != nil {
			return nil, err
		}
		out[i] = stamp{fi}
	}
	return out, nil
}

// sameAll reports whether a and b are the same versions of the same files.
func sameAll(a, b []stamp) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if !a[i].same(b[i]) {
			return false
		}
	}
	return true
}

// version is one loaded value with the versions of the files it was read
// from, and the versions that last failed to load, so that a broken file
// is read once, not at every handshake.
type version[T any] struct {
	stamps []stamp
	failed []stamp
	value  T
}

// watched is a value loaded from files and loaded again when they change.
type watched[T any] struct {
	paths  []string
	load   func() (T, error)
	report Reporter
	cur    atomic.Pointer[version[T]]
	mu     sync.Mutex // serializes reloads
}

// init loads the value for the first time; it must succeed.
func (w *watched[T]) init() error {
	stamps, err := stampAll(w.paths)
	if err != nil {
		return err
	}
	v, err := w.load()
	if err != nil {
		return err
	}
	w.cur.Store(&version[T]{stamps: stamps, value: v})
	return nil
}

// get returns the current value, loading it again first when its files
// changed since it was loaded.
func (w *watched[T]) get() T {
	cur := w.cur.Load()
	stamps, err := stampAll(w.paths)
	if err != nil || sameAll(stamps, cur.stamps) || sameAll(stamps, cur.failed) {
		// A file missing for a moment (a swap in progress) keeps the
		// current value; it is reported when the files settle broken.
		return cur.value
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	cur = w.cur.Load()
	if sameAll(stamps, cur.stamps) || sameAll(stamps, cur.failed) {
		return cur.value
	}
	v, err := w.load()
	if err != nil {
		w.cur.Store(&version[T]{stamps: cur.stamps, failed: stamps, value: cur.value})
		if w.report != nil {
			w.report(err)
		}
		return cur.value
	}
	w.cur.Store(&version[T]{stamps: stamps, value: v})
	if w.report != nil {
		w.report(nil)
	}
	return v
}

// KeyPair is a certificate chain and its private key, read from two PEM
// files. It is safe for concurrent use.
type KeyPair struct {
	w watched[*tls.Certificate]
}

// LoadKeyPair reads the PEM certificate chain at certPath (leaf first) and
// the PEM private key at keyPath. The first read must succeed: an error
// names the file and the problem. report is told about later reloads.
func LoadKeyPair(certPath, keyPath string, report Reporter) (*KeyPair, error) {
	k := &KeyPair{w: watched[*tls.Certificate]{
		paths:  []string{certPath, keyPath},
		report: report,
		load: func() (*tls.Certificate, error) {
			return readKeyPair(certPath, keyPath)
		},
	}}
	if err := k.w.init(); err != nil {
		return nil, err
	}
	return k, nil
}

// readKeyPair reads and checks a key pair.
func readKeyPair(certPath, keyPath string) (*tls.Certificate, error) {
	certPEM, err := os.ReadFile(certPath)
	if err != nil {
		return nil, err
	}
	keyPEM, err := os.ReadFile(keyPath)
	if err != nil {
		return nil, err
	}
	cert, err := tls.X509KeyPair(certPEM, keyPEM)
	if err != nil {
		return nil, fmt.Errorf("certificate %s and key %s: %w", certPath, keyPath, err)
	}
	return &cert, nil
}

// Certificate returns the current certificate, read again first when a
// file changed; its Leaf is set. It never returns nil.
func (k *KeyPair) Certificate() *tls.Certificate { return k.w.get() }

// Pool is a set of trusted CA certificates read from one PEM file. It is
// safe for concurrent use.
type Pool struct {
	w watched[*x509.CertPool]
}

// LoadPool reads the PEM CA certificates at path; the file must hold at
// least one. The first read must succeed. report is told about later
// reloads.
func LoadPool(path string, report Reporter) (*Pool, error) {
	p := &Pool{w: watched[*x509.CertPool]{
		paths:  []string{path},
		report: report,
		load: func() (*x509.CertPool, error) {
			data, err := os.ReadFile(path)
			if err != nil {
				return nil, err
			}
			pool := x509.NewCertPool()
			if !pool.AppendCertsFromPEM(data) {
				return nil, fmt.Errorf("%s holds no PEM certificate", path)
			}
			return pool, nil
		},
	}}
	if err := p.w.init(); err != nil {
		return nil, err
	}
	return p, nil
}

// CertPool returns the current pool, read again first when the file
// changed. It never returns nil. The pool must not be modified.
func (p *Pool) CertPool() *x509.CertPool { return p.w.get() }

// Expiry says whether cert is expired or not yet valid at now; nil when it
// is valid.
func Expiry(cert *tls.Certificate, now time.Time) error {
	if cert == nil || cert.Leaf == nil {
		return errors.New("no certificate")
	}
	switch leaf := cert.Leaf; {
	case now.After(leaf.NotAfter):
		return fmt.Errorf("the certificate expired at %s", leaf.NotAfter.UTC().Format(time.RFC3339))
	case now.Before(leaf.NotBefore):
		return fmt.Errorf("the certificate is not valid before %s", leaf.NotBefore.UTC().Format(time.RFC3339))
	}
	return nil
}
