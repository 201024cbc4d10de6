// Package certfile reads PEM certificates, private keys and CA bundles from
// files and reads them again when the files change, for the TLS of the
// runtime: the client certificates and trusted CAs of upstreams
// (runtime/sidecar) and the certificate of the public listener
// (runtime.Server).
//
// There is no goroutine and no interval: every getter stats its files (a
// few microseconds, against a millisecond or more for the TLS handshake
// that calls it) and reads them again only when one changed, judged by
// modification time, size and file identity (so that a Kubernetes secret
// update, which swaps a symlink, counts as a change). Modification times
// come from a coarse clock, so for two seconds after a file changed it is
// read at every get and compared by content (a SHA-256 digest); after
// that, a stat is all a get costs. A file that cannot be
// read or parsed, or a certificate that does not match its key (the
// certificate written, the key not yet), leaves the last good value in use
// and is reported once per change of the files through the Reporter, so a
// rotation that writes its files one after the other never fails a
// handshake. Connections already established keep the certificates they
// were set up with.
package certfile
