package graphql

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"

	lru "github.com/hashicorp/golang-lru/v2"

	"github.com/bffgen/bffgen/runtime/errcode"
)

// Modes of persisted operations.
const (
	// PersistedOff runs the document of every request; a request that
	// names an operation by hash only is refused with
	// PERSISTED_QUERY_NOT_SUPPORTED.
	PersistedOff = "off"
	// PersistedAPQ is automatic persisted queries: a request may name its
	// document by hash once the server knows it (from the manifest, or
	// registered by an earlier request that sent both when registration is
	// on). Documents sent in full still run.
	PersistedAPQ = "apq"
	// PersistedAllowList runs only the operations of the manifest (trusted
	// documents), named by hash or sent in full.
	PersistedAllowList = "allow_list"
)

// Codes of persisted operations.
const (
	// CodePersistedNotFound: the hash names no known operation.
	CodePersistedNotFound = errcode.PersistedQueryNotFound
	// CodePersistedNotSupported: a request named an operation by hash
	// while persisted operations are off.
	CodePersistedNotSupported = errcode.PersistedQueryNotSupported
	// CodePersistedRequired: in allow-list mode, a document that is not in
	// the manifest.
	CodePersistedRequired = errcode.PersistedQueryRequired
	// CodePersistedHashMismatch: the hash is not the SHA-256 of the
	// document sent with it.
	CodePersistedHashMismatch = errcode.PersistedQueryHashMismatch
	// CodePersistedQueryVersion: extensions.persistedQuery.version is not 1.
	CodePersistedQueryVersion = errcode.PersistedQueryVersionNotSupported
)

// apqStoreSize bounds the documents registered by APQ requests.
const apqStoreSize = 1000

// Persisted configures persisted operations.
type Persisted struct {
	// Mode is PersistedOff (or ""), PersistedAPQ or PersistedAllowList.
	Mode string
	// Manifest is the path of the manifest of known operations; required
	// in allow-list mode, optional with APQ (its operations are known from
	// the start). See [LoadManifest] for the formats.
	Manifest string
	// APQRegister lets an APQ request that sends a hash and its document
	// register the document for later requests by hash. Without it only the
	// manifest's operations are known by hash.
	APQRegister bool
}

// persisted resolves persisted operations. A nil *persisted is mode off.
type persisted struct {
	mode        string
	canRegister bool
	byHash      map[string]*Prepared // the manifest's operations, prepared
	byText      map[string]*Prepared
	apq         *lru.Cache[string, *Prepared]
}

func newPersisted(c Persisted, prepare func(body, name string) (*Prepared, error), known []*Prepared) (*persisted, error) {
	switch c.Mode {
	case "", PersistedOff:
		p := &persisted{mode: PersistedOff}
		if len(known) > 0 {
			// Compiled operations are known by hash in every mode.
			p.byHash = map[string]*Prepared{}
			for _, k := range known {
				p.byHash[k.Hash] = k
			}
		}
		return p, nil
	case PersistedAPQ, PersistedAllowList:
	default:
		return nil, fmt.Errorf("persisted operations: unknown mode %q: use %q, %q or %q", c.Mode, PersistedOff, PersistedAPQ, PersistedAllowList)
	}
	p := &persisted{mode: c.Mode, canRegister: c.APQRegister && c.Mode == PersistedAPQ,
		byHash: map[string]*Prepared{}, byText: map[string]*Prepared{}}
	if c.Mode == PersistedAllowList && c.Manifest == "" && len(known) == 0 {
		return nil, errors.New("persisted operations: mode \"allow_list\" needs a manifest: set its path")
	}
	// The compiled operations are trusted documents too.
	for _, k := range known {
		p.byHash[k.Hash] = k
		p.byText[k.Query] = k
	}
	if c.Mode == PersistedAPQ {
		var err error
		if p.apq, err = lru.New[string, *Prepared](apqStoreSize); err != nil {
			return nil, err
		}
	}
	if c.Manifest == "" {
		return p, nil
	}
	entries, err := LoadManifest(c.Manifest)
	if err != nil {
		return nil, err
	}
	var errs []error
	for _, e := range entries {
		prep, err := prepare(e.Body, e.Name)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s:%d:%d: operation %q (%s): %w", c.Manifest, e.Line, e.Col, e.Name, e.ID, err))
			continue
		}
		p.byHash[prep.Hash] = prep
		p.byText[prep.Query] = prep
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return p, nil
}

// prepareManifestEntry prepares an operation of the manifest at startup.
func (d *Dispatcher) prepareManifestEntry(body, name string) (*Prepared, error) {
	p, _, f := d.prepare(body, "", nil)
	if f != nil {
		msgs := make([]string, len(f.Errors))
		for i, e := range f.Errors {
			msgs[i] = e.Message
			if len(e.Locations) > 0 {
				msgs[i] = fmt.Sprintf("document %d:%d: %s", e.Locations[0].Line, e.Locations[0].Column, e.Message)
			}
		}
		return nil, errors.New(strings.Join(msgs, "; "))
	}
	return p, nil
}

// resolve finds the document of op. It returns the prepared form when the
// document is a known persisted one, nil when op carries its own document
// that has to be prepared; register reports whether the document should
// be registered for APQ once prepared.
func (p *persisted) resolve(op *Operation) (prep *Prepared, register bool, f *Failure) {
	if op.PersistedHash == "" {
		if p.mode != PersistedAllowList {
			return nil, false, nil
		}
		if prep, ok := p.byText[op.Document]; ok {
			return prep, false, nil
		}
		return nil, false, fail(http.StatusBadRequest, CodePersistedRequired,
			"this server runs trusted documents only: send the hash of an operation of its manifest in extensions.persistedQuery")
	}
	if p.mode == PersistedOff {
		if op.Document == "" {
			if prep, ok := p.byHash[op.PersistedHash]; ok {
				// A compiled operation, named by its hash.
				op.Document = prep.Query
				return prep, false, nil
			}
			return nil, false, fail(http.StatusBadRequest, CodePersistedNotSupported,
				"persisted operations are not supported by this server: send the document in \"query\"")
		}
		return nil, false, nil
	}
	if op.Document != "" {
		sum := sha256.Sum256([]byte(op.Document))
		if hex.EncodeToString(sum[:]) != op.PersistedHash {
			return nil, false, fail(http.StatusBadRequest, CodePersistedHashMismatch,
				"extensions.persistedQuery.sha256Hash is not the SHA-256 of the document in \"query\"")
		}
	}
	prep, ok := p.byHash[op.PersistedHash]
	if !ok && p.apq != nil {
		prep, ok = p.apq.Get(op.PersistedHash)
	}
	switch {
	case ok:
		op.Document = prep.Query
		return prep, false, nil
	case op.Document != "" && p.mode == PersistedAPQ:
		return nil, p.canRegister, nil
	case op.Document != "":
		return nil, false, fail(http.StatusBadRequest, CodePersistedRequired,
			"this server runs trusted documents only, and this document is not in its manifest")
	default:
		return nil, false, fail(http.StatusBadRequest, CodePersistedNotFound, "PersistedQueryNotFound")
	}
}

// register keeps a document registered by an APQ request.
func (p *persisted) register(prep *Prepared) { p.apq.Add(prep.Hash, prep) }

// ManifestEntry is one operation of a persisted-operations manifest.
type ManifestEntry struct {
	// ID is the SHA-256 of Body, 64 lowercase hex digits.
	ID string
	// Name is the operation's name, when the manifest gives one.
	Name string
	// Body is the GraphQL document.
	Body string
	// Line and Col locate the entry in the manifest file (1-based).
	Line, Col int
}

// LoadManifest reads a persisted-operations manifest, in one of two
// formats:
//
//   - the Apollo persisted-query manifest:
//     {"format":"apollo-persisted-query-manifest","version":1,
//     "operations":[{"id","name","type","body"}]};
//   - a JSON object mapping each hash to its document,
//     {"<sha256>":"<document>"}, which is also the query map that
//     relay-compiler writes with persistConfig algorithm SHA256.
//
// The id of each entry must be the SHA-256 of its body (lowercase hex).
// Every problem is reported as file:line:col, all of them at once.
func LoadManifest(path string) ([]ManifestEntry, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("persisted operations: %w", err)
	}
	return ParseManifest(path, data)
}

// ParseManifest parses the manifest data read from file (used in
// messages); see [LoadManifest].
func ParseManifest(file string, data []byte) ([]ManifestEntry, error) {
	m := manifestParser{file: file, data: data, dec: json.NewDecoder(bytes.NewReader(data))}
	entries := m.parse()
	if len(m.errs) > 0 {
		return nil, errors.Join(m.errs...)
	}
	if len(entries) == 0 {
		return nil, fmt.Errorf("%s: the manifest has no operations", file)
	}
	return entries, nil
}

type manifestParser struct {
	file string
	data []byte
	dec  *json.Decoder
	errs []error
}

// pos returns the line and column of the first byte of the next value
// after offset.
func (m *manifestParser) pos(offset int64) (line, col int) {
	i := int(offset)
	for i < len(m.data) && strings.IndexByte(" \t\r\n,:", m.data[i]) >= 0 {
		i++
	}
	line, col = 1, 1
	for _, c := range m.data[:min(i, len(m.data))] {
		if c == '\n' {
			line, col = line+1, 1
		} else {
			col++
		}
	}
	return line, col
}

func (m *manifestParser) errorf(offset int64, format string, args ...any) {
	line, col := m.pos(offset)
	m.errs = append(m.errs, fmt.Errorf("%s:%d:%d: %s", m.file, line, col, fmt.Sprintf(format, args...)))
}

// jsonError reports a decoding error at its position and ends parsing.
func (m *manifestParser) jsonError(err error) {
	offset := m.dec.InputOffset()
	if se, ok := errors.AsType[*json.SyntaxError](err); ok {
		offset = se.Offset - 1
	}
	if te, ok := errors.AsType[*json.UnmarshalTypeError](err); ok {
		offset = te.Offset
		m.errorf(offset, "%q must be %s, found %s", te.Field, te.Type, te.Value)
		return
	}
	if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
		m.errorf(int64(len(m.data)), "unexpected end of the manifest")
		return
	}
	m.errorf(offset, "the manifest is not valid JSON: %v", err)
}

func (m *manifestParser) parse() []ManifestEntry {
	tok, err := m.dec.Token()
	if err != nil {
		m.jsonError(err)
		return nil
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		m.errorf(0, "a manifest is a JSON object: the Apollo persisted-query manifest or {\"<sha256>\": \"<document>\"}")
		return nil
	}
	// Look ahead: the Apollo format has a "format" member.
	var probe map[string]json.RawMessage
	if json.Unmarshal(m.data, &probe) == nil {
		if _, apollo := probe["format"]; apollo {
			return m.apollo()
		}
	}
	var entries []ManifestEntry
	for m.dec.More() {
		off := m.dec.InputOffset()
		tok, err := m.dec.Token()
		if err != nil {
			m.jsonError(err)
			return nil
		}
		id := tok.(string)
		valOff := m.dec.InputOffset()
		var body string
		if err := m.dec.Decode(&body); err != nil {
			if _, ok := errors.AsType[*json.UnmarshalTypeError](err); ok {
				m.errorf(valOff, "the document of %q must be a string", id)
				continue
			}
			m.jsonError(err)
			return nil
		}
		if e, ok := m.entry(off, id, "", body); ok {
			entries = append(entries, e)
		}
	}
	if _, err := m.dec.Token(); err != nil {
		m.jsonError(err)
	}
	return entries
}

func (m *manifestParser) entry(off int64, id, name, body string) (ManifestEntry, bool) {
	line, col := m.pos(off)
	sum := sha256.Sum256([]byte(body))
	want := hex.EncodeToString(sum[:])
	switch {
	case strings.TrimSpace(body) == "":
		m.errorf(off, "operation %q has an empty document", id)
		return ManifestEntry{}, false
	case id != want:
		m.errorf(off, "the id %q is not the SHA-256 of its document, which is %q: regenerate the manifest, or use the SHA-256 as the id", id, want)
		return ManifestEntry{}, false
	}
	return ManifestEntry{ID: id, Name: name, Body: body, Line: line, Col: col}, true
}

func (m *manifestParser) apollo() []ManifestEntry {
	var entries []ManifestEntry
	seenOps := false
	for m.dec.More() {
		keyOff := m.dec.InputOffset()
		tok, err := m.dec.Token()
		if err != nil {
			m.jsonError(err)
			return nil
		}
		switch key := tok.(string); key {
		case "format":
			var f string
			if err := m.dec.Decode(&f); err != nil || f != "apollo-persisted-query-manifest" {
				m.errorf(keyOff, "unknown manifest format: %q must be \"apollo-persisted-query-manifest\"", "format")
				return nil
			}
		case "version":
			var v json.Number
			if err := m.dec.Decode(&v); err != nil || v.String() != "1" {
				m.errorf(keyOff, "unsupported manifest version: %q must be 1", "version")
				return nil
			}
		case "operations":
			seenOps = true
			if tok, err := m.dec.Token(); err != nil || tok != json.Delim('[') {
				m.errorf(keyOff, "%q must be an array", "operations")
				return nil
			}
			for m.dec.More() {
				off := m.dec.InputOffset()
				var op struct {
					ID   *string `json:"id"`
					Name string  `json:"name"`
					Type string  `json:"type"`
					Body *string `json:"body"`
				}
				if err := m.dec.Decode(&op); err != nil {
					m.jsonError(err)
					return nil
				}
				if op.ID == nil || op.Body == nil {
					m.errorf(off, "an operation needs an %q and a %q", "id", "body")
					continue
				}
				if e, ok := m.entry(off, *op.ID, op.Name, *op.Body); ok {
					entries = append(entries, e)
				}
			}
			if _, err := m.dec.Token(); err != nil {
				m.jsonError(err)
				return nil
			}
		default:
			var skip json.RawMessage
			if err := m.dec.Decode(&skip); err != nil {
				m.jsonError(err)
				return nil
			}
		}
	}
	if !seenOps {
		m.errorf(0, "the manifest has no %q array", "operations")
	}
	return entries
}
