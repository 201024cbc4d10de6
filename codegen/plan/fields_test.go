package plan_test

import (
	"context"
	"testing"

	"golang.org/x/tools/txtar"

	"github.com/bffgen/bffgen/codegen/plan"
	"github.com/bffgen/bffgen/internal/testkit"
	"github.com/bffgen/bffgen/schema"
)

// kitchensink loads the golden spec that has a field of every read and a
// request of every fill.
func kitchensink(t *testing.T) *schema.Model {
	t.Helper()
	dir := testkit.WriteArchive(t, "../testdata/golden/kitchensink.txtar", t.TempDir(), txtar.File{Name: "go.mod", Data: []byte("module example.com/kitchensink\n\ngo 1.26\n")})
	res, err := schema.Load(context.Background(), dir)
	if err != nil {
		t.Fatal(err)
	}
	if res.Model == nil {
		t.Fatalf("spec does not load: %v", res.Diagnostics)
	}
	return res.Model
}

func TestSchemaDecidesHowEveryFieldIsRead(t *testing.T) {
	s := plan.NewSchema(kitchensink(t))
	tests := []struct {
		object, field string
		want          plan.Read
		resolver      bool
		inMemory      bool
	}{
		{"Scalars", "s", plan.ReadGoField, false, true},
		{"Scalars", "tags", plan.ReadGoField, false, true},
		{"Scalars", "by", plan.ReadBytes, true, true},
		{"Scalars", "totals", plan.ReadMap, true, true},
		{"Scalars", "mask", plan.ReadFieldMask, true, true},
		{"Scalars", "cents", plan.ReadOneofMember, true, true},
		{"Scalars", "bundle", plan.ReadOneofMember, true, true},
		{"Scalars", "contact", plan.ReadUnion, true, true},
		{"Scalars", "summary", plan.ReadUser, true, false},
		{"Scalars", "again", plan.ReadRPC, true, false},
		{"Query", "item", plan.ReadRPC, true, false},
	}
	for _, tt := range tests {
		fr := s.Field(tt.object, tt.field)
		if fr == nil {
			t.Errorf("%s.%s has no plan", tt.object, tt.field)
			continue
		}
		if fr.Read != tt.want || fr.Read.Resolver() != tt.resolver || fr.Read.InMemory() != tt.inMemory {
			t.Errorf("%s.%s: read %v (resolver %t, in memory %t), want %v (%t, %t)", tt.object, tt.field, fr.Read, fr.Read.Resolver(), fr.Read.InMemory(), tt.want, tt.resolver, tt.inMemory)
		}
		if (fr.Call != nil) != (fr.Read == plan.ReadRPC) || fr.Batch != nil {
			t.Errorf("%s.%s: a %v read with call %v and batch %v", tt.object, tt.field, fr.Read, fr.Call, fr.Batch)
		}
	}
	if s.Field("Scalars", "nope") != nil || s.Field("Nope", "s") != nil {
		t.Error("a field without a binding has a plan")
	}
}

func TestSchemaDecidesHowEveryRequestIsFilled(t *testing.T) {
	s := plan.NewSchema(kitchensink(t))
	kinds := func(c *plan.Call) map[string]plan.FillKind {
		out := map[string]plan.FillKind{}
		for _, f := range c.Fill {
			switch {
			case f.Kind == plan.FillWhole || f.Kind == plan.FillOneof:
				out["$"+f.Source.Arg.Name] = f.Kind
			default:
				out[string(f.Path[len(f.Path)-1].Name())] = f.Kind
			}
		}
		return out
	}
	t.Run("arguments, literals, context and headers fill fields", func(t *testing.T) {
		c := s.Field("Query", "item").Call
		got := kinds(c)
		for _, name := range []string{"id", "version", "level", "filter", "ids", "verbose"} {
			if k, ok := got[name]; !ok || k != plan.FillField {
				t.Errorf("request field %s: fill %v (present %t), want a field fill", name, k, ok)
			}
		}
		if c.Result != plan.ResultValue {
			t.Errorf("result %v, want a value", c.Result)
		}
	})
	t.Run("an input object argument converts the whole request", func(t *testing.T) {
		c := s.Field("Mutation", "put").Call
		if len(c.Fill) != 1 || c.Fill[0].Kind != plan.FillWhole || c.Fill[0].Input != "PutInput" {
			t.Fatalf("fills %+v, want one whole-request fill from PutInput", c.Fill)
		}
	})
	t.Run("an argument for a oneof member sets the member", func(t *testing.T) {
		got := kinds(s.Field("Mutation", "putPrice").Call)
		if got["cents"] != plan.FillMember || got["on_request"] != plan.FillMember {
			t.Errorf("oneof members filled as %v, %v; want member fills", got["cents"], got["on_request"])
		}
		if got["id"] != plan.FillField || got["quotas"] != plan.FillField {
			t.Errorf("plain fields filled as %v, %v; want field fills", got["id"], got["quotas"])
		}
	})
	t.Run("a call that returns Empty reads as true", func(t *testing.T) {
		if r := s.Field("Mutation", "touch").Call.Result; r != plan.ResultEmpty {
			t.Errorf("result %v, want Empty", r)
		}
	})
}

func TestSchemaPlansBatches(t *testing.T) {
	s := plan.NewSchema(load(t, `query A { item(id: "1") { id } }`))
	fr := s.Field("Item", "owner")
	if fr == nil || fr.Read != plan.ReadBatch || fr.Batch == nil {
		t.Fatalf("Item.owner: %+v, want a batch read", fr)
	}
	if !fr.Batch.Shared || len(fr.Batch.Fill) != 0 {
		t.Errorf("a batch without request fills: shared %t, fills %d; want shared, none", fr.Batch.Shared, len(fr.Batch.Fill))
	}
	if !s.Prefetch["Item"] || s.Prefetch["User"] {
		t.Errorf("prefetch %v, want Item (it has a batched field) and not User", s.Prefetch)
	}
}

func TestSchemaPlansInputConverters(t *testing.T) {
	s := plan.NewSchema(kitchensink(t))
	c := s.Converters["PutInput"]
	if c == nil {
		t.Fatal("PutInput has no converter")
	}
	got := map[string]plan.FillKind{}
	for _, f := range c.Fill {
		if f.From == nil || f.Source != nil {
			t.Fatalf("a converter fill without its input field: %+v", f)
		}
		got[f.From.Def.Name] = f.Kind
		if f.Kind == plan.FillOneof && (f.Input != "PriceInput" || f.Oneof == nil || len(f.Members) != 3) {
			t.Errorf("price fills from %q, oneof %v, %d members; want PriceInput, price, 3", f.Input, f.Oneof, len(f.Members))
		}
	}
	if got["price"] != plan.FillOneof || got["id"] != plan.FillField || got["nested"] != plan.FillField || len(got) != len(c.Input.Fields) {
		t.Errorf("fills %v, want price from a oneof input and one field fill per other field", got)
	}
}
