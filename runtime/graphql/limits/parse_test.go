package limits_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/bffgen/bffgen/runtime/graphql/limits"
)

func TestParse(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		query     string
		maxTokens int
		code      string // limits code, "syntax" for a parse error, "" for success
	}{
		{"within the limit", `{ a }`, 3, ""},
		{"one token over the limit", `{ a }`, 2, limits.CodeMaxTokens},
		{"no limit", strings.Repeat("{ a }", 1) + " query { " + strings.Repeat("a ", 20000) + "}", 0, ""},
		{"a negative limit is no limit", `{ a b c }`, -1, ""},
		{"10 000 duplicate fields over 15 000 tokens", "{ " + strings.Repeat("a(x: 1) ", 10000) + "}", 15000, limits.CodeMaxTokens},
		{"a syntax error keeps its location", `{ a `, 100, "syntax"},
		{"a syntax error within a limit that the message could mimic", `exceeded token limit of 5`, 5, "syntax"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			doc, err := limits.Parse(tt.query, tt.maxTokens)
			switch tt.code {
			case "":
				if err != nil || doc == nil {
					t.Fatalf("Parse: %v", err)
				}
			case "syntax":
				var ge *gqlerror.Error
				if !errors.As(err, &ge) || len(ge.Locations) == 0 {
					t.Fatalf("error = %#v, want a *gqlerror.Error with a location", err)
				}
			default:
				var le *limits.Error
				if !errors.As(err, &le) || le.Code != tt.code || le.Limit != tt.maxTokens || le.Actual != tt.maxTokens+1 {
					t.Fatalf("error = %#v, want %s with limit %d", err, tt.code, tt.maxTokens)
				}
			}
		})
	}
}

func TestParseStopsEarlyOnHugeDocuments(t *testing.T) {
	t.Parallel()
	// 10 MB of fields: lexing stops after 15 001 tokens, so the document
	// never becomes an AST of a million fields (see BenchmarkParseAndCheck
	// for the time this takes).
	huge := "{ " + strings.Repeat("field ", 10<<20/6) + "}"
	_, err := limits.Parse(huge, 15000)
	var le *limits.Error
	if !errors.As(err, &le) || le.Code != limits.CodeMaxTokens {
		t.Fatalf("error = %v, want %s", err, limits.CodeMaxTokens)
	}
}
