package config

import (
	"bytes"
	"errors"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/parser"
)

// Option changes how Load and Parse read a configuration.
type Option func(*options)

type options struct {
	mode      string
	lookupEnv func(string) (string, bool)
}

// WithMode overrides the mode of the file ("production" or "development")
// before the mode-dependent defaults are applied; the --dev flag uses it.
// An empty mode keeps the mode of the file.
func WithMode(mode string) Option {
	return func(o *options) { o.mode = mode }
}

// WithLookupEnv sets the function that resolves ${VAR} references. Default
// os.LookupEnv. A nil function keeps the default.
func WithLookupEnv(lookup func(name string) (value string, ok bool)) Option {
	return func(o *options) {
		if lookup != nil {
			o.lookupEnv = lookup
		}
	}
}

// Load reads the file at path and parses it with Parse, naming the file by
// path in errors. Relative paths in the file (gateway.graphql.persisted.manifest,
// gateway.auth.jwt.jwks_file, gateway.auth.api_keys.file, server.tls.*_file,
// upstreams.<name>.tls.*_file)
// are resolved against the directory of path, so a configuration works
// from any working directory. An unreadable file is an *Error without
// position that unwraps to the fs.PathError.
func Load(path string, opts ...Option) (*Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		msg := "cannot read the configuration file"
		if errors.Is(err, fs.ErrNotExist) {
			msg = "configuration file not found; pass its path with --config"
		} else if pe := (*fs.PathError)(nil); errors.As(err, &pe) {
			msg += ": " + pe.Err.Error()
		}
		e := &Error{File: path, Msg: msg, cause: err}
		finish([]*Error{e}, nil)
		return nil, e
	}
	c, err := Parse(data, path, opts...)
	if err != nil {
		return nil, err
	}
	for name, u := range c.Upstreams {
		for _, p := range []*string{&u.TLS.CAFile, &u.TLS.CertFile, &u.TLS.KeyFile} {
			if *p != "" && !filepath.IsAbs(*p) {
				*p = filepath.Join(filepath.Dir(path), *p)
			}
		}
		c.Upstreams[name] = u
	}
	for _, p := range []*string{
		&c.Gateway.GraphQL.Persisted.Manifest,
		&c.Gateway.Auth.JWT.JWKSFile,
		&c.Gateway.Auth.APIKeys.File,
		&c.Server.TLS.CertFile,
		&c.Server.TLS.KeyFile,
		&c.Server.TLS.ClientCAFile,
	} {
		if *p != "" && !filepath.IsAbs(*p) {
			*p = filepath.Join(filepath.Dir(path), *p)
		}
	}
	return c, nil
}

// Parse expands environment variables in data, decodes it strictly, applies
// the defaults and validates the result; see the package documentation for
// the phases. filename names the source in errors. Empty data is a valid
// configuration: all defaults, no upstreams. On failure the error holds
// every problem of the first phase that failed, each an *Error.
func Parse(data []byte, filename string, opts ...Option) (*Config, error) {
	o := options{lookupEnv: os.LookupEnv}
	for _, opt := range opts {
		if opt != nil {
			opt(&o)
		}
	}
	data = normalizeLineBreaks(data)
	expanded, errs := expandEnv(data, filename, o.lookupEnv)
	if len(errs) > 0 {
		finish(errs, data)
		return nil, join(errs)
	}
	file, err := parser.ParseBytes(expanded, 0)
	if err != nil {
		e := syntaxError(filename, err)
		finish([]*Error{e}, data)
		return nil, e
	}
	d := newDecoder(filename)
	cfg := d.decodeFile(file)
	if len(d.errs) > 0 {
		finish(d.errs, data)
		return nil, join(d.errs)
	}
	if o.mode != "" {
		cfg.Mode = o.mode
		d.overridden["mode"] = true
	}
	applyDefaults(cfg, d.isSet)
	if errs := validate(cfg, d); len(errs) > 0 {
		finish(errs, data)
		return nil, join(errs)
	}
	return cfg, nil
}

// normalizeLineBreaks turns every lone carriage return, a line break for
// YAML, into a line feed, so that lines are counted the same way in every
// phase. YAML normalizes line breaks in scalars to line feeds anyway.
func normalizeLineBreaks(data []byte) []byte {
	if !bytes.ContainsRune(data, '\r') {
		return data
	}
	out := bytes.Clone(data)
	for i, c := range out {
		if c == '\r' && (i+1 == len(out) || out[i+1] != '\n') {
			out[i] = '\n'
		}
	}
	return out
}

// syntaxError converts an error of the YAML parser.
func syntaxError(filename string, err error) *Error {
	var yerr yaml.Error
	if errors.As(err, &yerr) {
		e := errorAt(filename, yerr.GetToken(), "%s", "invalid YAML: "+yerr.GetMessage())
		e.cause = err
		return e
	}
	return &Error{File: filename, Msg: "invalid YAML: " + err.Error(), cause: err}
}
