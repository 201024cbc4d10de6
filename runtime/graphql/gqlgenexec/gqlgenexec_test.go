package gqlgenexec_test

import (
	"context"
	"strings"
	"testing"

	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/ast"

	rgraphql "github.com/bffgen/bffgen/runtime/graphql"
	"github.com/bffgen/bffgen/runtime/graphql/gqlgenexec"
	"github.com/bffgen/bffgen/runtime/internal/testschema"
)

// TestThePreparedDocumentRunsWithoutParsingItAgain hands the executor a
// prepared document that differs from the text it came with: the answer
// is the prepared document's, so gqlgen did not parse the text.
func TestThePreparedDocumentRunsWithoutParsingItAgain(t *testing.T) {
	t.Parallel()
	es := testschema.New(nil)
	doc := prepared(t, es.Schema(), `{ hello(name: "prepared") }`)
	e := gqlgenexec.New(es)
	resp := e.Execute(context.Background(), &rgraphql.Request{
		Operation: &rgraphql.Operation{Document: `{ hello }`},
		Prepared:  &rgraphql.Prepared{Query: `{ hello }`, Doc: doc},
	})
	if resp == nil || string(resp.Data) != `{"hello":"hello, prepared"}` {
		t.Fatalf("got %+v, want the answer of the prepared document", resp)
	}
}

func TestVariableErrorsSuggestNothingInProduction(t *testing.T) {
	t.Parallel()
	es := testschema.New(nil)
	doc := prepared(t, es.Schema(), `query($n: String!) { hello(name: $n) }`)
	e := gqlgenexec.New(es)
	resp := e.Execute(context.Background(), &rgraphql.Request{
		Operation: &rgraphql.Operation{Variables: map[string]any{"n": map[string]any{"a": 1}}},
		Prepared:  &rgraphql.Prepared{Query: "q", Doc: doc},
	})
	if resp == nil || resp.Data != nil || len(resp.Errors) != 1 || strings.Contains(resp.Errors[0].Message, "Did you mean") {
		t.Fatalf("got %+v, want one request error without a suggestion", resp)
	}
}

// prepared parses and validates query, as the dispatcher does.
func prepared(t *testing.T, schema *ast.Schema, query string) *ast.QueryDocument {
	t.Helper()
	doc, errs := gqlparser.LoadQuery(schema, query)
	if errs != nil {
		t.Fatal(errs)
	}
	return doc
}
