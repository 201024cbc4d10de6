package e2e_test

import (
	"bufio"
	"errors"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// block is a fenced code block of the README.
type block struct {
	lang, text string
}

// readmeSteps splits the tutorial of README.md into its "### N." sections:
// the prose and the code blocks of each.
func readmeSteps(t *testing.T, path string) map[string]struct {
	prose  string
	blocks []block
} {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	steps := map[string]struct {
		prose  string
		blocks []block
	}{}
	step := ""
	var prose, code strings.Builder
	var blocks []block
	lang, inCode := "", false
	flush := func() {
		if step != "" {
			steps[step] = struct {
				prose  string
				blocks []block
			}{prose.String(), blocks}
		}
		prose.Reset()
		blocks = nil
	}
	sc := bufio.NewScanner(strings.NewReader(string(data)))
	heading := regexp.MustCompile(`^#{2,3} (\d+)?`)
	for sc.Scan() {
		line := sc.Text()
		switch {
		case strings.HasPrefix(line, "```") && !inCode:
			inCode, lang = true, strings.TrimPrefix(line, "```")
			code.Reset()
		case strings.HasPrefix(line, "```"):
			inCode = false
			blocks = append(blocks, block{lang, code.String()})
		case inCode:
			code.WriteString(line + "\n")
		case heading.MatchString(line):
			flush()
			step = heading.FindStringSubmatch(line)[1]
		default:
			prose.WriteString(line + "\n")
		}
	}
	flush()
	return steps
}

// commands joins the backslash-continued lines of a shell block and drops
// comments and blank lines.
func commands(sh string) []string {
	var out []string
	cur := ""
	for _, line := range strings.Split(sh, "\n") {
		if strings.HasSuffix(line, "\\") {
			cur += strings.TrimSuffix(line, "\\") + " "
			continue
		}
		cur += line
		if c := strings.TrimSpace(cur); c != "" && !strings.HasPrefix(c, "#") {
			out = append(out, c)
		}
		cur = ""
	}
	return out
}

// TestReadmeTutorial runs steps 2 to 5 of the README's tutorial as written,
// with the bffgen built from this checkout on PATH. Its only liberties: the
// checkout's path replaces /path/to/bffgen, and the BFF and the example
// backend listen on free loopback ports instead of 8080 and 9001 (the curl
// line is rewritten to match), so that the test can run beside anything.
// It also checks that Ctrl-C on `make run` stops the example backend.
func TestReadmeTutorial(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs real processes")
	}
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	steps := readmeSteps(t, filepath.Join(root, "README.md"))
	work := t.TempDir()
	bin := filepath.Join(work, "bin")
	run(t, root, nil, "go", "build", "-o", filepath.Join(bin, "bffgen"), "./cmd/bffgen")
	pathEnv := []string{"PATH=" + bin + string(os.PathListSeparator) + os.Getenv("PATH")}
	cwd := work

	// sh runs one command of the README in cwd with bash, following cd.
	sh := func(cmd string, env ...string) (string, error) {
		t.Helper()
		state := filepath.Join(work, ".cwd")
		c := exec.Command("bash", "-c", cmd+"\nstatus=$?; pwd > "+state+"; exit $status")
		c.Dir = cwd
		c.Env = append(append(os.Environ(), pathEnv...), env...)
		out, err := c.CombinedOutput()
		if dir, rerr := os.ReadFile(state); rerr == nil {
			cwd = strings.TrimSpace(string(dir))
		}
		return string(out), err
	}

	// Step 2: scaffold.
	for _, cmd := range commands(steps["2"].blocks[0].text) {
		cmd = strings.ReplaceAll(cmd, "/path/to/bffgen", root)
		if out, err := sh(cmd); err != nil {
			t.Fatalf("step 2: %s: %v\n%s", cmd, err, out)
		}
	}
	if filepath.Base(cwd) != "hello" {
		t.Fatalf("step 2 should leave us in hello/, we are in %s", cwd)
	}

	// Step 3: the schema the README shows is the one init wrote (comments
	// aside; the scaffold may add descriptions).
	scaffold, err := os.ReadFile(filepath.Join(cwd, "schema/schema.graphql"))
	if err != nil {
		t.Fatal(err)
	}
	var have []string
	for _, l := range strings.Split(string(scaffold), "\n") {
		have = append(have, strings.TrimSpace(l))
	}
	next := 0
	for _, l := range strings.Split(steps["3"].blocks[0].text, "\n") {
		code, _, _ := strings.Cut(l, "#")
		if code = strings.TrimSpace(code); code == "" {
			continue
		}
		for next < len(have) && have[next] != code {
			next++
		}
		if next == len(have) {
			t.Errorf("step 3 shows %q, which the scaffolded schema/schema.graphql lacks (in this order):\n%s", code, scaffold)
			break
		}
	}

	// Step 4: generate (nothing to change), make run, curl.
	listen, admin, backend := freeAddr(t), freeAddr(t), freeAddr(t)
	var makeRun *exec.Cmd
	var makeOut syncBuffer
	for _, cmd := range commands(steps["4"].blocks[0].text) {
		switch {
		case strings.HasPrefix(cmd, "make run"):
			makeRun = exec.Command("bash", "-c", cmd)
			makeRun.Dir = cwd
			makeRun.Env = append(append(os.Environ(), pathEnv...), "BFF_LISTEN="+listen, "BFF_ADMIN="+admin, "HELLO_ADDR="+backend)
			makeRun.Stdout, makeRun.Stderr = &makeOut, &makeOut
			// Its own process group, as a shell gives a foreground job:
			// Ctrl-C signals the whole group.
			makeRun.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
			if err := makeRun.Start(); err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() {
				if makeRun.ProcessState == nil {
					syscall.Kill(-makeRun.Process.Pid, syscall.SIGKILL)
					makeRun.Wait()
				}
			})
			waitReadyOr(t, "http://"+admin+"/readyz", &makeOut)
		case strings.HasPrefix(cmd, "curl"):
			cmd = strings.ReplaceAll(cmd, "127.0.0.1:8080", listen)
			out, err := sh(cmd)
			if err != nil {
				t.Fatalf("step 4: %s: %v\n%s", cmd, err, out)
			}
			for _, want := range []string{`"greeting":"Hello, Ada!"`, `"shout":"HELLO, ADA!"`, `"count":"1"`, `"greetedAt":"`} {
				if !strings.Contains(out, want) {
					t.Errorf("step 4: curl answered %s, want %s in it", out, want)
				}
			}
		default:
			out, err := sh(cmd)
			if err != nil {
				t.Fatalf("step 4: %s: %v\n%s", cmd, err, out)
			}
			if strings.HasPrefix(cmd, "go generate") && !strings.Contains(out, "no changes") {
				t.Errorf("step 4: %s right after init should change nothing, said:\n%s", cmd, out)
			}
		}
	}
	if makeRun == nil {
		t.Fatal("step 4 has no make run")
	}

	// Ctrl-C on make run stops the BFF and the example backend with it.
	if err := syscall.Kill(-makeRun.Process.Pid, syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- makeRun.Wait() }()
	select {
	case <-done:
	case <-time.After(30 * time.Second): // a hang, not a latency claim
		t.Fatalf("make run did not stop on Ctrl-C; output:\n%s", makeOut.String())
	}
	for i := 0; ; i++ {
		conn, err := net.Dial("tcp", backend)
		if err != nil {
			break // nothing listens: the backend is gone
		}
		conn.Close()
		if i == 100 {
			t.Fatalf("the example backend still listens on %s after Ctrl-C on make run; output:\n%s", backend, makeOut.String())
		}
		time.Sleep(50 * time.Millisecond)
	}

	// Step 5: the rename the prose describes, then check exits 1 with the
	// quoted diagnostic.
	prose := steps["5"].prose
	edit := regexp.MustCompile("in `([^`]+)`, change\\s+`([^`]+)` to `([^`]+)`").FindStringSubmatch(prose)
	if edit == nil {
		t.Fatalf("step 5 no longer says which line to change:\n%s", prose)
	}
	protoPath := filepath.Join(cwd, edit[1])
	src, err := os.ReadFile(protoPath)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(src), edit[2]) {
		t.Fatalf("step 5: %s has no %q", edit[1], edit[2])
	}
	if err := os.WriteFile(protoPath, []byte(strings.Replace(string(src), edit[2], edit[3], 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	blocks := steps["5"].blocks
	if len(blocks) < 2 {
		t.Fatalf("step 5 should show a command and its output, has %d blocks", len(blocks))
	}
	quoted := strings.TrimSpace(blocks[1].text)
	for _, cmd := range commands(blocks[0].text) {
		out, err := sh(cmd)
		var exit *exec.ExitError
		if !errors.As(err, &exit) || exit.ExitCode() != 1 {
			t.Fatalf("step 5: %s: err %v, want exit 1; output:\n%s", cmd, err, out)
		}
		if !strings.Contains(out, quoted) {
			t.Errorf("step 5: %s does not print the quoted\n  %s\nbut:\n%s", cmd, quoted, out)
		}
		if !strings.Contains(out, `did you mean "message"?`) {
			t.Errorf("step 5: the hint the README promises is missing:\n%s", out)
		}
	}
	// The prose promises the same place in GitHub's format, and a failing
	// go generate.
	loc := regexp.MustCompile(`^(\S+):(\d+):(\d+): error:`).FindStringSubmatch(quoted)
	if loc == nil {
		t.Fatalf("step 5 quotes no file:line:col: %q", quoted)
	}
	out, _ := sh("bffgen check --error-format github")
	if want := "::error file=" + loc[1] + ",line=" + loc[2] + ",col=" + loc[3]; !strings.Contains(out, want) {
		t.Errorf("bffgen check --error-format github lacks %q:\n%s", want, out)
	}
	out, err = sh("go generate ./...")
	if err == nil || !strings.Contains(out, quoted) {
		t.Errorf("go generate after the rename: err %v, want a failure quoting the error; output:\n%s", err, out)
	}
}

// syncBuffer collects a process's output while the test reads it.
type syncBuffer struct {
	mu  sync.Mutex
	buf strings.Builder
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// waitReadyOr polls url until it answers 200; make run builds first, so the
// bound is generous (a count of attempts, not a latency claim).
func waitReadyOr(t *testing.T, url string, logs *syncBuffer) {
	t.Helper()
	for i := 0; i < 1200; i++ {
		if resp, err := http.Get(url); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("%s never became ready; output:\n%s", url, logs.String())
}
