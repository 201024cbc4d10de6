package schema

import (
	"bytes"
	"errors"
	"fmt"
	"maps"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/bffgen/bffgen/schema/diag"
	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/parser"
)

// ConfigFile is the name of the codegen config in a project root.
const ConfigFile = "bffgen.yaml"

// Config is bffgen.yaml, the codegen config. Decoding is strict: an unknown
// key is an error at its line and column.
type Config struct {
	// Version of the config format; only 1 exists. Required.
	Version int `yaml:"version"`
	// Name of the BFF, used for telemetry and in generated docs. Defaults to
	// the base name of the project directory.
	Name string `yaml:"name"`
	// Schema lists globs of GraphQL SDL files, relative to the project root.
	// Defaults to ["schema/*.graphql"].
	Schema []string `yaml:"schema"`
	// Proto configures the backends' .proto files.
	Proto ProtoConfig `yaml:"proto"`
	// Go configures the generated Go code.
	Go GoConfig `yaml:"go"`
	// Upstreams maps an upstream name (a key of `upstreams:` in the runtime
	// config bff.yaml) to the fully-qualified proto services it serves. A
	// service that is not listed is served by the upstream named after the
	// first element of its proto package ("catalog.v1.CatalogService" ->
	// "catalog").
	Upstreams map[string][]string `yaml:"upstreams"`
	// Claims declares the type of each JWT claim that $claims.<name>
	// sources of request mappings read, by claim name: one of string, bool,
	// int32, int64, uint32, uint64, float, double, or a list of one of them
	// written in brackets ("[string]"). The claim "sub" is a string unless
	// declared otherwise; any other claim a mapping reads must be declared.
	Claims map[string]string `yaml:"claims"`
	// Operations names the frontend's GraphQL operations and where the
	// files generated for the frontend go. Without documents, no operation
	// is read and no frontend file is written.
	Operations OperationsConfig `yaml:"operations"`

	// claimTypes are Claims parsed, with sub's default.
	claimTypes map[string]ClaimType
}

// ClaimType is the declared type of a claim (bffgen.yaml `claims:`).
type ClaimType struct {
	// Scalar is string, bool, int32, int64, uint32, uint64, float or double.
	Scalar string
	// List is set for a list of Scalar ("[string]"): a JSON array claim.
	List bool
}

// String renders the type as bffgen.yaml spells it.
func (t ClaimType) String() string {
	if t.List {
		return "[" + t.Scalar + "]"
	}
	return t.Scalar
}

// claimScalars are the scalar claim types, in the order messages list them.
var claimScalars = []string{"string", "bool", "int32", "int64", "uint32", "uint64", "float", "double"}

// parseClaimType parses a claim type of bffgen.yaml.
func parseClaimType(s string) (ClaimType, bool) {
	t := ClaimType{Scalar: strings.TrimSpace(s)}
	if inner, ok := strings.CutPrefix(t.Scalar, "["); ok {
		if inner, ok = strings.CutSuffix(inner, "]"); !ok {
			return t, false
		}
		t.Scalar, t.List = strings.TrimSpace(inner), true
	}
	return t, slices.Contains(claimScalars, t.Scalar)
}

// ClaimType returns the declared type of the claim name; "sub" is a string
// unless declared otherwise. ok is false for an undeclared claim.
func (c *Config) ClaimType(name string) (t ClaimType, ok bool) {
	if t, ok := c.claimTypes[name]; ok {
		return t, true
	}
	if name == "sub" {
		return ClaimType{Scalar: "string"}, true
	}
	return ClaimType{}, false
}

// DeclaredClaims lists the claims of bffgen.yaml and sub, sorted.
func (c *Config) DeclaredClaims() []string {
	names := slices.Collect(maps.Keys(c.claimTypes))
	if !slices.Contains(names, "sub") {
		names = append(names, "sub")
	}
	slices.Sort(names)
	return names
}

// ProtoConfig is the `proto:` section of bffgen.yaml.
type ProtoConfig struct {
	// Roots are the import roots, relative to the project root; every .proto
	// file under them is compiled. Defaults to ["proto"].
	Roots []string `yaml:"roots"`
}

// GoConfig is the `go:` section of bffgen.yaml.
type GoConfig struct {
	// Out is the directory of generated code, relative to the project root;
	// it is regenerated whole and must not be edited. Defaults to "gen".
	Out string `yaml:"out"`
	// Resolvers is the directory of user-owned resolvers: files are
	// scaffolded there once and never overwritten. Defaults to "resolvers".
	Resolvers string `yaml:"resolvers"`
}

// OperationsConfig is the `operations:` section of bffgen.yaml. Paths are
// relative to the project root (the directory of bffgen.yaml) and may
// leave it with ".." (a frontend beside the BFF in a monorepo); absolute
// paths are errors.
type OperationsConfig struct {
	// Documents lists globs of .graphql files holding the frontend's named
	// operations and their fragments (path/filepath.Glob: * does not cross
	// directories). A fragment defined in one file may be used in any
	// other. Empty (the default): no operations.
	Documents []string `yaml:"documents"`
	// Manifest is the persisted-operation manifest in Apollo's format
	// (apollo-persisted-query-manifest, version 1), the file the runtime's
	// gateway.graphql.persisted.manifest reads. Defaults to
	// "<go.out>/frontend/persisted-operations.json".
	Manifest string `yaml:"manifest"`
	// Relay is the same operations as a JSON object mapping each hash to
	// its document (relay-compiler's persisted query map; graphql-codegen's
	// persisted-documents.json); the runtime reads it too. Defaults to
	// "<go.out>/frontend/persisted-documents.json".
	Relay string `yaml:"relay"`
	// TypeScript is the TypeScript module with the types of each
	// operation's variables and result, and its document and hash.
	// Defaults to "<go.out>/frontend/operations.ts".
	TypeScript string `yaml:"typescript"`
}

// parseConfig decodes bffgen.yaml. Problems are added to diags with their
// positions; the returned config has defaults applied and is nil only when
// the file cannot be decoded at all.
func parseConfig(data []byte, file, dirName string, diags *diag.List) *Config {
	var cfg Config
	if len(bytes.TrimSpace(data)) == 0 {
		data = []byte("{}")
	}
	if err := yaml.NewDecoder(bytes.NewReader(data), yaml.DisallowUnknownField()).Decode(&cfg); err != nil {
		span := diag.Span{File: file, Line: 1, Col: 1}
		msg := err.Error()
		var yerr yaml.Error
		if errors.As(err, &yerr) {
			if tok := yerr.GetToken(); tok != nil && tok.Position != nil {
				span.Line, span.Col = tok.Position.Line, tok.Position.Column
				span = diag.TokenAt(string(data), span)
			}
			msg = yerr.GetMessage()
		}
		hint := "see docs/spec.md for the keys of bffgen.yaml"
		var unknown *yaml.UnknownFieldError
		if errors.As(err, &unknown) {
			hint = "known keys are version, name, schema, proto.roots, go.out, go.resolvers, upstreams, claims, operations.documents, operations.manifest, operations.relay, operations.typescript; remove or rename this one"
		}
		diags.Errorf(span, "config", hint, "%s", lowerFirst(msg))
		return nil
	}
	pos := positions(data)
	if cfg.Version != 1 {
		diags.Errorf(pos.of(file, "$.version"), "config", "add `version: 1` at the top of bffgen.yaml", "unsupported config version %d", cfg.Version)
	}
	if cfg.Name == "" {
		cfg.Name = dirName
	}
	if len(cfg.Schema) == 0 {
		cfg.Schema = []string{"schema/*.graphql"}
	}
	if len(cfg.Proto.Roots) == 0 {
		cfg.Proto.Roots = []string{"proto"}
	}
	if cfg.Go.Out == "" {
		cfg.Go.Out = "gen"
	}
	if cfg.Go.Resolvers == "" {
		cfg.Go.Resolvers = "resolvers"
	}
	for _, p := range []struct{ path, val string }{{"$.go.out", cfg.Go.Out}, {"$.go.resolvers", cfg.Go.Resolvers}} {
		if strings.HasPrefix(p.val, "/") || strings.Contains(p.val, "..") {
			diags.Errorf(pos.of(file, p.path), "config", "use a directory inside the project, such as \"gen\"", "%s must be a relative path inside the project, got %q", strings.TrimPrefix(p.path, "$."), p.val)
		}
	}
	frontend := strings.TrimSuffix(cfg.Go.Out, "/") + "/frontend/"
	for _, p := range []struct {
		path string
		val  *string
		def  string
	}{
		{"$.operations.manifest", &cfg.Operations.Manifest, frontend + "persisted-operations.json"},
		{"$.operations.relay", &cfg.Operations.Relay, frontend + "persisted-documents.json"},
		{"$.operations.typescript", &cfg.Operations.TypeScript, frontend + "operations.ts"},
	} {
		if *p.val == "" {
			*p.val = p.def
			continue
		}
		if filepath.IsAbs(*p.val) || strings.HasPrefix(*p.val, "/") {
			diags.Errorf(pos.of(file, p.path), "config", "give a path relative to bffgen.yaml, such as "+strconv.Quote(p.def), "%s must be a relative path, got %q", strings.TrimPrefix(p.path, "$."), *p.val)
		}
	}
	outs := map[string]string{}
	for _, p := range [][2]string{{"$.operations.manifest", cfg.Operations.Manifest}, {"$.operations.relay", cfg.Operations.Relay}, {"$.operations.typescript", cfg.Operations.TypeScript}} {
		clean := filepath.ToSlash(filepath.Clean(p[1]))
		if other, dup := outs[clean]; dup {
			diags.Errorf(pos.of(file, p[0]), "config", "give each generated file its own path", "%s and %s are the same file %q", strings.TrimPrefix(other, "$."), strings.TrimPrefix(p[0], "$."), p[1])
		}
		outs[clean] = p[0]
	}
	for i, g := range cfg.Operations.Documents {
		if filepath.IsAbs(g) || strings.HasPrefix(g, "/") {
			diags.Errorf(pos.of(file, fmt.Sprintf("$.operations.documents[%d]", i)), "config", "give a glob relative to bffgen.yaml, such as \"operations/*.graphql\"", "operations.documents must be relative globs, got %q", g)
		}
	}
	cfg.claimTypes = map[string]ClaimType{}
	for _, name := range slices.Sorted(maps.Keys(cfg.Claims)) {
		t, ok := parseClaimType(cfg.Claims[name])
		if !ok || name == "" {
			at := pos.of(file, "$.claims."+yamlKey(name))
			diags.Errorf(at, "config", "a claim type is one of "+strings.Join(claimScalars, ", ")+", or a list of one in brackets such as \"[string]\" (quoted in YAML)", "claim %q has an unknown type %q", name, cfg.Claims[name])
			continue
		}
		cfg.claimTypes[name] = t
	}
	if cfg.Go.Out == cfg.Go.Resolvers {
		diags.Errorf(pos.of(file, "$.go.resolvers"), "config", "generated code is replaced whole on every run; keep user code in its own directory", "go.resolvers must differ from go.out (%q)", cfg.Go.Out)
	}
	return &cfg
}

// yamlKey quotes a map key for a goccy YAML path when it is not a plain
// identifier (a namespaced claim such as "https://example.com/roles").
func yamlKey(k string) string {
	for _, r := range k {
		if !(r == '_' || r == '-' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9') {
			return "'" + strings.ReplaceAll(k, "'", "''") + "'"
		}
	}
	return k
}

// yamlPositions finds the position of a value in a YAML document by path.
type yamlPositions struct{ file *ast.File }

func positions(data []byte) yamlPositions {
	f, err := parser.ParseBytes(data, 0)
	if err != nil {
		return yamlPositions{}
	}
	return yamlPositions{file: f}
}

// of returns the span of the node at path (goccy path syntax, "$.a.b[0]"),
// or the start of the file when it is absent.
func (p yamlPositions) of(file, path string) diag.Span {
	span := diag.Span{File: file, Line: 1, Col: 1}
	if p.file == nil {
		return span
	}
	yp, err := yaml.PathString(path)
	if err != nil {
		return span
	}
	node, err := yp.FilterFile(p.file)
	if err != nil || node == nil || node.GetToken() == nil {
		return span
	}
	tok := node.GetToken()
	span.Line, span.Col = tok.Position.Line, tok.Position.Column
	if origin := strings.TrimSpace(tok.Origin); origin != "" && !strings.Contains(origin, "\n") {
		span.Len = len(origin)
	}
	return span
}

func lowerFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToLower(s[:1]) + s[1:]
}

// String renders a config back as YAML, for debugging and tests.
func (c *Config) String() string {
	out, err := yaml.Marshal(c)
	if err != nil {
		return fmt.Sprintf("%+v", *c)
	}
	return string(out)
}
