package cli

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/bffgen/bffgen/schema"
	"github.com/bffgen/bffgen/schema/diag"
	"github.com/bffgen/bffgen/schema/importproto"
	"github.com/spf13/cobra"
)

func newImport(stdio Stdio) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "import",
		Short: "Write a starting GraphQL schema from another API description",
		Long: `import writes GraphQL SDL with bffgen bindings from an existing API
description, as a starting point you then edit. "bffgen import proto" reads
the project's .proto files.`,
		Example: `  bffgen import proto --services 'catalog.v1.*'`,
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) > 0 {
				return userErrorf("unknown command %q for \"bffgen import\"; the sources are: proto", args[0])
			}
			return cmd.Help()
		},
	}
	cmd.AddCommand(newImportProto(stdio))
	return cmd
}

type importProtoFlags struct {
	dir      string
	services []string
	methods  []string
	query    []string
	mutation []string
	out      string
	force    bool
}

func newImportProto(stdio Stdio) *cobra.Command {
	var f importProtoFlags
	cmd := &cobra.Command{
		Use:   "proto",
		Short: "Write GraphQL SDL with bindings for proto services (proto-first)",
		Long: `proto compiles the .proto files under proto.roots of bffgen.yaml, as
"bffgen check" does, and writes a GraphQL schema for the chosen services and
methods: a root field with @rpc per method, and a type bound with @proto per
message and enum the methods reach.

Methods go to Query when they are marked idempotency_level = NO_SIDE_EFFECTS
or start with Get, List, Search or Batch (BatchDelete... and other writes
excepted), to Subscription when they stream from the server, to Mutation
otherwise; --query and --mutation decide for the methods they match.
Client and bidirectional streaming methods are skipped with a note.

Patterns are globs (*, ?, [...]) matched against the fully-qualified name
(catalog.v1.CatalogService.GetProduct) and against the simple name
(GetProduct); * matches dots too. Each pattern must match something.

The file is yours: edit it freely. bffgen never overwrites it, and this
command refuses to replace an existing file unless --force is given. See
docs/import.md for the naming rules.`,
		Example: `  bffgen import proto
  bffgen import proto --services 'catalog.v1.*,reviews.v1.ReviewService' --methods 'Get*,List*'
  bffgen import proto --query 'catalog.v1.CatalogService.Recommend*' --out schema/catalog.graphql
  bffgen import proto --out - | less`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runImportProto(cmd, f, stdio)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.dir, "dir", ".", "project directory (where bffgen.yaml is)")
	fl.StringSliceVar(&f.services, "services", nil, "services to import, as comma-separated globs (default: every service outside google.*)")
	fl.StringSliceVar(&f.methods, "methods", nil, "methods of those services to import, as comma-separated globs (default: all)")
	fl.StringSliceVar(&f.query, "query", nil, "methods to place on Query, as comma-separated globs")
	fl.StringSliceVar(&f.mutation, "mutation", nil, "methods to place on Mutation, as comma-separated globs")
	fl.StringVar(&f.out, "out", "schema/imported.graphql", `file to write, relative to --dir; "-" writes to stdout`)
	fl.BoolVar(&f.force, "force", false, "replace --out if it exists")
	return cmd
}

func runImportProto(cmd *cobra.Command, f importProtoFlags, stdio Stdio) error {
	if f.out == "" {
		return userErrorf("--out is empty; name a file, or - for stdout")
	}
	toStdout := f.out == "-"
	var outPath, outRel string
	if !toStdout {
		outPath = f.out
		if !filepath.IsAbs(outPath) {
			outPath = filepath.Join(f.dir, outPath)
		}
		if st, err := os.Stat(outPath); err == nil && !f.force {
			if st.IsDir() {
				return userErrorf("--out %q is a directory; name a file", f.out)
			}
			return userErrorf("%q exists; bffgen import never overwrites a file: pass --force to replace it, or choose another --out", f.out)
		}
	}
	set, res, err := schema.CompileProtos(cmd.Context(), f.dir)
	if err != nil {
		return err
	}
	if err := diag.Render(stdio.Err, diag.Text, res.Diagnostics, res.Source); err != nil {
		return err
	}
	if set == nil {
		n := len(res.Diagnostics.Errors())
		plural := "s"
		if n == 1 {
			plural = ""
		}
		fmt.Fprintf(stdio.Err, "bffgen: %d error%s\n", n, plural)
		return reported{ExitUser}
	}
	if !toStdout {
		abs, err := filepath.Abs(outPath)
		if err != nil {
			return err
		}
		if rel, err := filepath.Rel(set.Dir, abs); err == nil && !strings.HasPrefix(rel, "..") {
			outRel = filepath.ToSlash(rel)
		}
	}
	existing, err := set.SchemaSources(outRel)
	if err != nil {
		return fmt.Errorf("reading the schema: %w", err)
	}
	imp, err := runImport(set, importproto.Options{
		Services: f.services,
		Methods:  f.methods,
		Query:    f.query,
		Mutation: f.mutation,
		Existing: existing,
	}, stdio.Err)
	if err != nil {
		return err
	}
	summary := importSummary(imp)
	if toStdout {
		_, err := stdio.Out.Write(imp.SDL)
		return err
	}
	if err := writeNew(outPath, f.out, imp.SDL, f.force); err != nil {
		return err
	}
	fmt.Fprintf(stdio.Err, "bffgen: wrote %s (%s)\n", f.out, summary)
	if outRel == "" || !set.Covers(outRel) {
		fmt.Fprintf(stdio.Err, "bffgen: note: %s is not matched by `schema:` in bffgen.yaml (%s); add it there so bffgen reads it\n", f.out, strings.Join(set.Config.Schema, ", "))
	}
	return nil
}

// writeNew writes a file, creating its directory; without force it fails
// when the file exists, even if it appeared since it was checked. name is
// the path as the user gave it.
func writeNew(path, name string, data []byte, force bool) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	flags := os.O_WRONLY | os.O_CREATE | os.O_TRUNC
	if !force {
		flags = os.O_WRONLY | os.O_CREATE | os.O_EXCL
	}
	file, err := os.OpenFile(path, flags, 0o644)
	if errors.Is(err, fs.ErrExist) {
		return userErrorf("%q exists; bffgen import never overwrites a file: pass --force to replace it, or choose another --out", name)
	} else if err != nil {
		return err
	}
	if _, err := file.Write(data); err != nil {
		file.Close()
		return err
	}
	return file.Close()
}

// runImport imports the services opts selects from set, prints the notes
// of what it left out to stderr, and turns an import error into a user
// error; import proto and init --from-proto share it.
func runImport(set *schema.ProtoSet, opts importproto.Options, stderr io.Writer) (*importproto.Imported, error) {
	imp, err := importproto.Import(set, opts)
	var ierr *importproto.Error
	if errors.As(err, &ierr) {
		return nil, userError{ierr}
	} else if err != nil {
		return nil, err
	}
	for _, n := range imp.Notes {
		fmt.Fprintf(stderr, "bffgen: note: %s\n", n)
	}
	return imp, nil
}

// importSummary counts what an import wrote: "2 queries, 1 mutation, 0
// subscriptions, 7 types".
func importSummary(imp *importproto.Imported) string {
	return fmt.Sprintf("%s, %s, %s, %s", count(imp.Queries, "query", "queries"), count(imp.Mutations, "mutation", "mutations"),
		count(imp.Subscriptions, "subscription", "subscriptions"), count(imp.Types, "type", "types"))
}

func count(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}
