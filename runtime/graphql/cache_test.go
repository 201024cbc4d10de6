package graphql

import (
	"context"
	"strings"
	"testing"

	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/ast"
)

// TestThePreparedCacheIsBoundedByTextSize fills the cache with distinct
// documents of 100 KiB (a long comment each): the cached text stays within
// preparedCacheBytes, and a document over a tenth of it is not cached.
func TestThePreparedCacheIsBoundedByTextSize(t *testing.T) {
	t.Parallel()
	schema := gqlparser.MustLoadSchema(&ast.Source{Input: `type Query { a: Int }`})
	d, err := New(schema, nil)
	if err != nil {
		t.Fatal(err)
	}
	comment := "# " + strings.Repeat("x", 100<<10) + "\n"
	for i := range 100 {
		doc := comment + "{ a } # " + strings.Repeat("y", i)
		if _, f := d.Prepare(context.Background(), &Operation{Document: doc}); f != nil {
			t.Fatal(f.Errors)
		}
		if d.cachedBytes > preparedCacheBytes {
			t.Fatalf("after %d documents: %d bytes of text cached, over %d", i+1, d.cachedBytes, preparedCacheBytes)
		}
	}
	if n := d.prepared.Len(); n == 0 || n > preparedCacheBytes/(100<<10) {
		t.Errorf("%d documents cached", n)
	}
	huge := "# " + strings.Repeat("z", preparedCacheBytes/10) + "\n{ a }"
	if _, f := d.Prepare(context.Background(), &Operation{Document: huge}); f != nil {
		t.Fatal(f.Errors)
	}
	if d.prepared.Contains(huge) {
		t.Error("a document over a tenth of the cache is cached")
	}
}
