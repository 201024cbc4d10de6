package config

// UpstreamTLS configures the TLS of the https:// endpoints of an upstream
// (upstreams.<name>.tls). With any of its fields set, every endpoint of
// the upstream must be https://. The files are PEM; a relative path is
// relative to the directory of the configuration file. They are read at
// start (an unreadable or invalid file stops the service) and read again
// at the next TLS handshake after they change: new connections use the
// new files, established ones keep theirs, and a file that is broken
// after a change is logged and leaves the last good one in use.
type UpstreamTLS struct {
	// CAFile is a bundle of the CA certificates trusted to sign the
	// backend's certificate. Default "": the system's trusted CAs.
	CAFile string `yaml:"ca_file"`
	// CertFile is the client certificate presented to the backend (mTLS),
	// leaf first, then its intermediates. Set it with KeyFile, or neither.
	// Default "": no client certificate.
	CertFile string `yaml:"cert_file"`
	// KeyFile is the private key of CertFile (PKCS #1, PKCS #8 or SEC 1).
	// Default "".
	KeyFile string `yaml:"key_file"`
	// ServerName is the name the backend's certificate must hold in its
	// subject alternative names, also sent as SNI. Default "": the host of
	// each endpoint (an IP address is checked against the IP SANs).
	ServerName string `yaml:"server_name"`
	// InsecureSkipVerify accepts any certificate from the backend, so that
	// anyone on the path can read and change the calls. It is refused in
	// production mode. Default false.
	InsecureSkipVerify bool `yaml:"insecure_skip_verify"`
}

// Enabled reports whether any field is set.
func (t UpstreamTLS) Enabled() bool {
	return t.CAFile != "" || t.CertFile != "" || t.KeyFile != "" || t.ServerName != "" || t.InsecureSkipVerify
}

// ServerTLS configures TLS on the public listener (server.tls). The admin
// listener stays plain HTTP, for probes and scrapers on the pod network.
// The files are PEM; a relative path is relative to the directory of the
// configuration file. They are read at start (an unreadable or invalid
// file stops the service) and read again at the next TLS handshake after
// they change: new connections get the new certificate, established ones
// keep theirs, and a file that is broken after a change is logged and
// leaves the last good one in use. The listener offers TLS 1.2 and 1.3 and
// HTTP/1.1 only, as the plain listener does (docs/security.md, IN-14):
// ALPN never selects h2.
type ServerTLS struct {
	// CertFile is the server certificate, leaf first, then its
	// intermediates. Setting it turns TLS on; KeyFile is then required.
	// Default "": plain HTTP.
	CertFile string `yaml:"cert_file"`
	// KeyFile is the private key of CertFile. Default "".
	KeyFile string `yaml:"key_file"`
	// ClientCAFile is a bundle of the CAs that sign client certificates:
	// when set, every client must present a certificate they sign (mTLS),
	// and a handshake without one fails. Default "": no client certificate
	// is asked for.
	ClientCAFile string `yaml:"client_ca_file"`
}

// Enabled reports whether the public listener serves TLS.
func (t ServerTLS) Enabled() bool { return t.CertFile != "" }
