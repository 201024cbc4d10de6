package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/bffgen/bffgen/examples/shop/backends"
	"github.com/bffgen/bffgen/runtime/config"
)

// auditDir holds the graphql-http audit harness: package.json, the
// committed package-lock.json and audit.mjs.
const auditDir = "../../internal/audit"

// auditTotal is the number of server audits of the pinned graphql-http
// (1.23.1).
const auditTotal = 61

// knownAuditFailures are the audits each profile fails today, by id, with
// the reason. The test fails on any other failure that its profile must
// not have (development: any; production: a MUST), and on a known failure
// that now passes, so that this list only shrinks: delete the entry then.
// The goal is an empty list.
var knownAuditFailures = map[string]map[string]string{
	"development":                  {},
	"production":                   {},
	"production, introspection on": {},
}

// auditResult is one line of the harness's output.
type auditResult struct {
	ID         string `json:"id"`
	Name       string `json:"name"`
	Status     string `json:"status"` // ok, notice (MAY failed), warn (SHOULD failed), error (MUST failed)
	Reason     string `json:"reason"`
	HTTPStatus int    `json:"httpStatus"`
}

// level is MUST, SHOULD or MAY, the first word of the audit's name.
func (r auditResult) level() string { return strings.Fields(r.Name + " ?")[0] }

// TestGraphQLHTTPAudit runs the graphql-http server audit suite (CS-5: the
// GraphQL over HTTP spec, 61 audits) against the shop BFF served from
// bff.yaml and from bff.production.yaml: development must pass all of
// them, production every MUST. The audit sends ad-hoc documents, which the
// production profile's trusted documents refuse by design, so production is
// audited with BFF_PERSISTED_MODE=off and every other setting as the file
// has it; and once more with introspection on. The audit's variables
// requests query __type, which answers null without introspection. It
// needs Node.js 18 or later and npm;
// `make audit` runs it alone.
func TestGraphQLHTTPAudit(t *testing.T) {
	node := auditPrerequisites(t)
	adHoc := withEnv("BFF_PERSISTED_MODE", "off")
	for _, tt := range []struct {
		profile, file string
		opts          []profileOption
	}{
		{"development", "bff.yaml", nil},
		{"production", "bff.production.yaml", []profileOption{adHoc}},
		{"production, introspection on", "bff.production.yaml", []profileOption{adHoc,
			withConfig(func(c *config.Config) { c.Gateway.GraphQL.Introspection = true })}},
	} {
		t.Run(tt.profile, func(t *testing.T) {
			p := serveProfile(t, tt.file, backends.Options{}, tt.opts...)
			results := runAudit(t, node, p.GraphQL)
			if len(results) != auditTotal {
				t.Errorf("the audit ran %d audits, want %d (graphql-http 1.23.1)", len(results), auditTotal)
			}
			known := knownAuditFailures[tt.profile]
			counts := map[string][2]int{} // level -> {ok, total}
			ok := 0
			for _, r := range results {
				c := counts[r.level()]
				c[1]++
				if r.Status == "ok" {
					c[0]++
					ok++
				}
				counts[r.level()] = c
			}
			t.Logf("%s (%s): %d/%d ok; MUST %d/%d, SHOULD %d/%d, MAY %d/%d", tt.profile, tt.file, ok, len(results),
				counts["MUST"][0], counts["MUST"][1], counts["SHOULD"][0], counts["SHOULD"][1], counts["MAY"][0], counts["MAY"][1])
			for _, r := range results {
				_, isKnown := known[r.ID]
				mustPass := tt.profile == "development" || r.level() == "MUST"
				switch {
				case r.Status != "ok" && isKnown:
					t.Logf("known failure %s %q: %s (HTTP %d)", r.ID, r.Name, r.Reason, r.HTTPStatus)
				case r.Status != "ok" && mustPass:
					t.Errorf("%s %q failed: %s (HTTP %d)", r.ID, r.Name, r.Reason, r.HTTPStatus)
				case r.Status != "ok":
					t.Logf("%s %s %q failed (allowed in %s): %s (HTTP %d)", r.level(), r.ID, r.Name, tt.profile, r.Reason, r.HTTPStatus)
				case isKnown:
					t.Errorf("%s %q now passes: delete it from knownAuditFailures[%q]", r.ID, r.Name, tt.profile)
				}
			}
			for id := range known {
				if !slices.ContainsFunc(results, func(r auditResult) bool { return r.ID == id }) {
					t.Errorf("knownAuditFailures[%q] lists %s, which the audit no longer has", tt.profile, id)
				}
			}
		})
	}
}

// auditPrerequisites returns the path of node, skipping the test when node
// or npm is missing or node is older than 18, and installs the harness's
// pinned packages with `npm ci --prefer-offline` when they are missing.
func auditPrerequisites(t *testing.T) string {
	t.Helper()
	node, err := exec.LookPath("node")
	if err != nil {
		t.Skip("graphql-http audit skipped: node is not on PATH (install Node.js 18 or later and npm to run it)")
	}
	npm, err := exec.LookPath("npm")
	if err != nil {
		t.Skip("graphql-http audit skipped: npm is not on PATH (install Node.js 18 or later and npm to run it)")
	}
	out, err := exec.Command(node, "--version").Output()
	if err != nil {
		t.Skipf("graphql-http audit skipped: %s --version: %v", node, err)
	}
	m := regexp.MustCompile(`^v(\d+)\.`).FindSubmatch(out)
	if m == nil {
		t.Skipf("graphql-http audit skipped: cannot read the version of node from %q", bytes.TrimSpace(out))
	}
	if major, _ := strconv.Atoi(string(m[1])); major < 18 {
		t.Skipf("graphql-http audit skipped: node %s is older than 18 (the audit needs fetch)", bytes.TrimSpace(out))
	}
	if _, err := os.Stat(filepath.Join(auditDir, "node_modules", "graphql-http", "package.json")); err != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
		defer cancel()
		cmd := exec.CommandContext(ctx, npm, "ci", "--prefer-offline", "--no-audit", "--no-fund")
		cmd.Dir = auditDir
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("npm ci --prefer-offline in %s: %v\n%s\nthe audit needs graphql-http and graphql from the npm registry (or npm's cache)", auditDir, err, out)
		}
	}
	return node
}

// runAudit runs the harness against url and decodes its results.
func runAudit(t *testing.T, node, url string) []auditResult {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, "audit.mjs", url)
	cmd.Dir = auditDir
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("node audit.mjs %s: %v\n%s", url, err, stderr.Bytes())
	}
	var results []auditResult
	if err := json.Unmarshal(out, &results); err != nil {
		t.Fatalf("the audit's output is not its JSON results: %v\n%s", err, out)
	}
	return results
}
