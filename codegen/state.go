package codegen

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"

	"github.com/bffgen/bffgen/schema"
)

// StateFile is the name, inside the generated-code directory, of the file
// that records what the last run read and wrote, so that a run with the same
// inputs can skip generation (see [Fresh]). It is not source: the generated
// .gitignore beside it keeps it out of version control, and deleting it only
// forces the next run to generate everything again.
const StateFile = ".bffgen-state"

// stateVersion changes when the state file's format or meaning does.
const stateVersion = "bffgen-state 1"

// Fingerprint is the content hash of everything [Generate] reads for m:
// the bffgen binary itself (its path, size and modification time: a
// rebuilt generator may generate differently), every spec file the loader
// read (bffgen.yaml, the SDL, every .proto and the frontend's operation
// files, whose texts are in sources),
// go.mod and go.sum, the names of the methods already in the resolvers
// directory (scaffolds are written for the missing ones), and each proto's
// Go package decision (a go_package reused from the module or generated).
// Two runs with the same fingerprint generate the same files.
func Fingerprint(m *schema.Model, sources map[string]string) (string, error) {
	h := sha256.New()
	field := func(parts ...string) {
		for _, p := range parts {
			fmt.Fprintf(h, "%d:%s;", len(p), p)
		}
		h.Write([]byte{'\n'})
	}
	field(stateVersion)
	if exe, err := os.Executable(); err == nil {
		if st, err := os.Stat(exe); err == nil {
			field("exe", exe, fmt.Sprint(st.Size()), st.ModTime().UTC().String())
		}
	}
	for _, name := range sortedKeys(sources) {
		field("source", name, sources[name])
	}
	field("module", m.ModulePath, m.ModuleDir, m.Dir)
	for _, name := range []string{"go.mod", "go.sum"} {
		data, err := os.ReadFile(filepath.Join(m.ModuleDir, name))
		if err != nil && !os.IsNotExist(err) {
			return "", err
		}
		field(name, string(data))
	}
	methods, err := userMethods(filepath.Join(m.Dir, filepath.FromSlash(m.Config.Go.Resolvers)))
	if err != nil {
		return "", err
	}
	field(append([]string{"methods"}, sortedKeys(methods)...)...)
	for _, fd := range m.Protos {
		ip, name, reuse := goPackageFor(m, fd)
		connect := false
		if rel, ok := strings.CutPrefix(path.Join(ip, name+"connect"), m.ModulePath+"/"); ok && reuse {
			connect = hasGoFiles(filepath.Join(m.ModuleDir, filepath.FromSlash(rel)))
		}
		field("gopackage", fd.Path(), ip, name, fmt.Sprint(reuse, connect))
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// State returns the files that record a run of s: the state file, with
// fingerprint fp and the hash of every file of s, and the .gitignore that
// keeps it out of version control. Write s first, then compute fp (the
// write may add scaffolds whose methods the fingerprint counts), then write
// the state. The returned set removes nothing.
func (s *FileSet) State(fp string) *FileSet {
	st := &FileSet{}
	if s.Out == "" {
		return st
	}
	var b strings.Builder
	b.WriteString("# " + stateVersion + ": what the last bffgen generate read and wrote.\n# Delete it to force a full run.\n")
	b.WriteString("inputs " + fp + "\n")
	files := slices.Clone(s.Files)
	slices.SortFunc(files, func(a, b File) int { return strings.Compare(a.Path, b.Path) })
	for _, f := range files {
		kind := "file"
		if f.Scaffold {
			kind = "scaffold" // user-owned: only its presence counts
		}
		sum := sha256.Sum256(f.Data)
		fmt.Fprintf(&b, "%s %s %s\n", kind, hex.EncodeToString(sum[:]), f.Path)
	}
	st.Add(File{Path: path.Join(s.Out, ".gitignore"), Data: []byte("# " + strings.TrimPrefix(GeneratedHeader, "// ") + "\n# " + StateFile + " is bffgen's record of its last run, not source.\n/" + StateFile + "\n")})
	st.Add(File{Path: path.Join(s.Out, StateFile), Data: []byte(b.String())})
	return st
}

// Fresh reports whether the generated code of the project at dir is what a
// run with fingerprint fp would write: the state file in out records fp,
// every generated file it lists has the recorded content, and every
// scaffold it lists exists. Any doubt (no state file, an unreadable one, a
// file edited or deleted by hand) answers false.
func Fresh(dir, out, fp string) bool {
	data, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(out), StateFile))
	if err != nil {
		return false
	}
	sc := bufio.NewScanner(bytes.NewReader(data))
	sawInputs := false
	for sc.Scan() {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		fields := strings.SplitN(line, " ", 3)
		switch {
		case len(fields) == 2 && fields[0] == "inputs":
			if fields[1] != fp {
				return false
			}
			sawInputs = true
		case len(fields) == 3 && fields[0] == "file":
			got, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(fields[2])))
			if err != nil {
				return false
			}
			if sum := sha256.Sum256(got); hex.EncodeToString(sum[:]) != fields[1] {
				return false
			}
		case len(fields) == 3 && fields[0] == "scaffold":
			if _, err := os.Stat(filepath.Join(dir, filepath.FromSlash(fields[2]))); err != nil {
				return false
			}
		default:
			return false
		}
	}
	return sawInputs && sc.Err() == nil
}
