package schema_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"testing"

	"github.com/bffgen/bffgen/schema"
	"github.com/vektah/gqlparser/v2/ast"
)

// TestOperationDocumentIsTheTextAsWritten checks the document and hash of
// an operation whose fragments come from another file: the operation's
// text as written, then its fragments (used directly or through another
// fragment) in name order, each after a blank line; the unused fragment is
// left out.
func TestOperationDocumentIsTheTextAsWritten(t *testing.T) {
	res, err := schema.Load(context.Background(), extract(t, "testdata/diag/operations-ok.txtar"))
	if err != nil {
		t.Fatal(err)
	}
	if res.Model == nil || len(res.Model.Operations) != 1 {
		t.Fatalf("model %v, diagnostics %v", res.Model != nil, res.Diagnostics)
	}
	op := res.Model.Operations[0]
	const want = "query ProductPage($id: ID!) {\n  product(id: $id) { ...ProductFields }\n}" +
		"\n\nfragment Name on Product { name }" +
		"\n\nfragment ProductFields on Product { id ...Name }"
	if op.Document != want {
		t.Errorf("document:\n%q\nwant\n%q", op.Document, want)
	}
	sum := sha256.Sum256([]byte(want))
	if op.Hash != hex.EncodeToString(sum[:]) {
		t.Errorf("hash %s, want the SHA-256 of the document", op.Hash)
	}
	if op.Name != "ProductPage" || op.Type != "query" || op.Span.String() != "operations/page.graphql:1:7" {
		t.Errorf("got %s %s at %s", op.Type, op.Name, op.Span)
	}
	if len(op.Doc.Fragments) != 2 {
		t.Errorf("doc has %d fragments, want 2", len(op.Doc.Fragments))
	}
	// The validator resolved the fields, for the code generated from them.
	if f, ok := op.Op().SelectionSet[0].(*ast.Field); !ok || f.Definition == nil || f.Definition.Type.NamedType != "Product" {
		t.Errorf("the root field is not resolved against the schema: %#v", op.Op().SelectionSet[0])
	}
}
