package certfile

import (
	"crypto/sha256"
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

// settle is how long after its last modification a file is read again at
// every get even when its stamp has not changed: modification times come
// from a coarse clock (a few milliseconds on Linux), so two writes of the
// same size within one tick leave the same stamp.
const settle = 2 * time.Second

// version is one loaded value with the versions of the files it was read
// from and a digest of their contents, and the versions that last failed
// to load, so that a broken file is read once, not at every handshake.
type version[T any] struct {
	stamps    []stamp
	sum       [sha256.Size]byte
	failed    []stamp
	failedSum [sha256.Size]byte
	value     T
}

// settling reports whether one of stamps was modified less than settle
// before now.
func settling(stamps []stamp, now time.Time) bool {
	for _, s := range stamps {
		if now.Sub(s.info.ModTime()) < settle {
			return true
		}
	}
	return false
}

// watched is a value loaded from files and loaded again when they change.
type watched[T any] struct {
	paths  []string
	parse  func(contents [][]byte) (T, error)
	report Reporter
	cur    atomic.Pointer[version[T]]
	mu     sync.Mutex // serializes reloads
}

// read reads the files and digests their contents.
func (w *watched[T]) read() ([][]byte, [sha256.Size]byte, error) {
	h := sha256.New()
	contents := make([][]byte, len(w.paths))
	for i, p := range w.paths {
		data, err := os.ReadFile(p)
		if err != nil {
			return nil, [sha256.Size]byte{}, err
		}
		contents[i] = data
		fmt.Fprintf(h, "%d:", len(data))
		h.Write(data)
	}
	var sum [sha256.Size]byte
	h.Sum(sum[:0])
	return contents, sum, nil
}

// init loads the value for the first time; it must succeed.
func (w *watched[T]) init() error {
	stamps, err := stampAll(w.paths)
	if err != nil {
		return err
	}
	contents, sum, err := w.read()
	if err != nil {
		return err
	}
	v, err := w.parse(contents)
	if err != nil {
		return err
	}
	w.cur.Store(&version[T]{stamps: stamps, sum: sum, value: v})
	return nil
}

// get returns the current value, loading it again first when its files
// changed since it was loaded.
func (w *watched[T]) get() T {
	cur := w.cur.Load()
	stamps, err := stampAll(w.paths)
	if err != nil {
		// A file missing for a moment (a swap in progress) keeps the
		// current value; it is reported when the files settle broken.
		return cur.value
	}
	fresh := settling(stamps, time.Now())
	if !fresh && (sameAll(stamps, cur.stamps) || sameAll(stamps, cur.failed)) {
		return cur.value
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	cur = w.cur.Load()
	if !fresh && (sameAll(stamps, cur.stamps) || sameAll(stamps, cur.failed)) {
		return cur.value
	}
	contents, sum, err := w.read()
	switch {
	case err != nil:
		return cur.value // missing for a moment, as above
	case sum == cur.sum:
		if !sameAll(stamps, cur.stamps) {
			w.cur.Store(&version[T]{stamps: stamps, sum: sum, value: cur.value})
		}
		return cur.value
	case cur.failed != nil && sum == cur.failedSum:
		return cur.value
	}
	v, err := w.parse(contents)
	if err != nil {
		w.cur.Store(&version[T]{stamps: cur.stamps, sum: cur.sum, failed: stamps, failedSum: sum, value: cur.value})
		if w.report != nil {
			w.report(err)
		}
		return cur.value
	}
	w.cur.Store(&version[T]{stamps: stamps, sum: sum, value: v})
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
		parse: func(contents [][]byte) (*tls.Certificate, error) {
			cert, err := tls.X509KeyPair(contents[0], contents[1])
			if err != nil {
				return nil, fmt.Errorf("certificate %s and key %s: %w", certPath, keyPath, err)
			}
			return &cert, nil
		},
	}}
	if err := k.w.init(); err != nil {
		return nil, err
	}
	return k, nil
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
		parse: func(contents [][]byte) (*x509.CertPool, error) {
			pool := x509.NewCertPool()
			if !pool.AppendCertsFromPEM(contents[0]) {
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
