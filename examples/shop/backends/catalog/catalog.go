package catalog

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"connectrpc.com/connect"
	catalogv1 "github.com/bffgen/bffgen/examples/shop/gen/pb/catalog/v1"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// Server implements catalog.v1.CatalogService over a fixed product list.
type Server struct {
	products []*catalogv1.Product
	byID     map[string]*catalogv1.Product

	mu       sync.Mutex
	stock    map[string]int32
	watchers map[chan *catalogv1.StockLevel]string // channel -> product id
}

// New returns a catalog with the example products.
func New() *Server { return NewN(10) }

// NewN returns a catalog of count products: the ten examples, then copies
// of them with new ids (p-1011, ...) and a seller each (u-110, ...), for
// load and batching tests.
func NewN(count int) *Server {
	s := &Server{byID: map[string]*catalogv1.Product{}, stock: map[string]int32{}, watchers: map[chan *catalogv1.StockLevel]string{}}
	base := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	add := func(id, name, desc string, cents int64, cat catalogv1.Category, tags []string, stock *int32) {
		p := &catalogv1.Product{
			Id: id, Name: name, Description: desc, PriceCents: cents, Currency: "EUR",
			Category: cat, Tags: tags, Stock: stock,
			CreatedAt: timestamppb.New(base.Add(time.Duration(len(s.products)) * 36 * time.Hour)),
			SellerId:  fmt.Sprintf("u-%d", 11+len(s.products)%2),
		}
		s.products = append(s.products, p)
		s.byID[id] = p
		s.stock[id] = p.GetStock()
	}
	n := func(v int32) *int32 { return &v }
	add("p-1001", "Trail Running Shoes", "Lightweight shoes with a grippy outsole for muddy trails.", 12900, catalogv1.Category_CATEGORY_OUTDOOR, []string{"running", "shoes"}, n(14))
	add("p-1002", "Noise-Cancelling Headphones", "Over-ear headphones with 30 hours of battery.", 24900, catalogv1.Category_CATEGORY_ELECTRONICS, []string{"audio"}, n(3))
	add("p-1003", "The Pragmatic Gardener", "A field guide to growing vegetables on a balcony.", 2450, catalogv1.Category_CATEGORY_BOOKS, []string{"gardening"}, n(41))
	add("p-1004", "Cast Iron Skillet 28 cm", "Pre-seasoned, oven-safe, for a lifetime of pancakes.", 4590, catalogv1.Category_CATEGORY_HOME, []string{"kitchen"}, n(0))
	add("p-1005", "Ultralight Tent", "Two-person tent, 1.1 kg, for three seasons.", 38900, catalogv1.Category_CATEGORY_OUTDOOR, []string{"camping"}, nil)
	add("p-1006", "Mechanical Keyboard", "Tenkeyless board with hot-swappable switches.", 13900, catalogv1.Category_CATEGORY_ELECTRONICS, []string{"computing"}, n(22))
	add("p-1007", "Distributed Systems, 4th ed.", "Principles and paradigms, revised.", 5900, catalogv1.Category_CATEGORY_BOOKS, []string{"computing", "textbook"}, n(7))
	add("p-1008", "Linen Duvet Cover", "Stonewashed linen, 200 x 200 cm.", 11900, catalogv1.Category_CATEGORY_HOME, []string{"bedroom"}, n(9))
	add("p-1009", "Headlamp 400 lm", "Rechargeable headlamp with a red-light mode.", 3990, catalogv1.Category_CATEGORY_OUTDOOR, []string{"camping", "running"}, n(31))
	add("p-1010", "E-Reader", "Glare-free 7-inch screen, waterproof.", 16900, catalogv1.Category_CATEGORY_ELECTRONICS, []string{"reading"}, n(12))
	s.byID["p-1001"].Attributes = map[string]string{"color": "slate", "weight": "240 g", "drop": "6 mm"}
	s.byID["p-1001"].Discount = &catalogv1.Product_PercentOff{PercentOff: 15}
	s.byID["p-1005"].Attributes = map[string]string{"weight": "1.1 kg", "seasons": "3"}
	s.byID["p-1002"].Discount = &catalogv1.Product_AmountOffCents{AmountOffCents: 3000}
	for i := 10; i < count; i++ {
		c := proto.CloneOf(s.products[i%10])
		c.Id = fmt.Sprintf("p-%d", 1001+i)
		c.SellerId = fmt.Sprintf("u-%d", 100+i) // a seller of its own
		s.products = append(s.products, c)
		s.byID[c.Id] = c
	}
	s.products = s.products[:min(count, len(s.products))]
	return s
}

// GetProduct returns one product, or NotFound; a malformed id is
// InvalidArgument with google.rpc details (BadRequest and ErrorInfo for the
// client, DebugInfo that a gateway must not show).
func (s *Server) GetProduct(_ context.Context, req *connect.Request[catalogv1.GetProductRequest]) (*connect.Response[catalogv1.GetProductResponse], error) {
	if id := req.Msg.GetId(); !strings.HasPrefix(id, "p-") {
		err := connect.NewError(connect.CodeInvalidArgument, fmt.Errorf("malformed product id %q", id))
		for _, d := range []proto.Message{
			&errdetails.BadRequest{FieldViolations: []*errdetails.BadRequest_FieldViolation{{Field: "id", Description: "a product id starts with \"p-\""}}},
			&errdetails.ErrorInfo{Reason: "MALFORMED_ID", Domain: "catalog.example.com", Metadata: map[string]string{"id": id}},
			&errdetails.DebugInfo{Detail: "catalog-7f9c at 10.0.3.17: strconv failure"},
		} {
			if detail, derr := connect.NewErrorDetail(d); derr == nil {
				err.AddDetail(detail)
			}
		}
		return nil, err
	}
	p, ok := s.byID[req.Msg.GetId()]
	if !ok {
		return nil, connect.NewError(connect.CodeNotFound, fmt.Errorf("product %q not found", req.Msg.GetId()))
	}
	res := connect.NewResponse(&catalogv1.GetProductResponse{Product: p})
	// A cookie for the frontend, and a header that is only for the BFF.
	res.Header().Set("Set-Cookie", "recently_viewed="+p.GetId()+"; Path=/; HttpOnly")
	res.Header().Set("X-Catalog-Version", "7")
	return res, nil
}

// BatchGetProducts returns the products that exist among ids, in a map by
// id; unknown ids are left out.
func (s *Server) BatchGetProducts(_ context.Context, req *connect.Request[catalogv1.BatchGetProductsRequest]) (*connect.Response[catalogv1.BatchGetProductsResponse], error) {
	res := &catalogv1.BatchGetProductsResponse{Products: map[string]*catalogv1.Product{}}
	for _, id := range req.Msg.GetIds() {
		if p, ok := s.byID[id]; ok {
			res.Products[id] = p
		}
	}
	return connect.NewResponse(res), nil
}

// ListProducts pages through the products, optionally of one category. The
// page token is the offset of the next page; page_size defaults to 20 and
// is capped at 100.
func (s *Server) ListProducts(_ context.Context, req *connect.Request[catalogv1.ListProductsRequest]) (*connect.Response[catalogv1.ListProductsResponse], error) {
	size := int(req.Msg.GetPageSize())
	switch {
	case size < 0:
		return nil, connect.NewError(connect.CodeInvalidArgument, fmt.Errorf("page_size must not be negative"))
	case size == 0:
		size = 20
	case size > 100:
		size = 100
	}
	offset := 0
	if tok := req.Msg.GetPageToken(); tok != "" {
		n, err := strconv.Atoi(tok)
		if err != nil || n < 0 {
			return nil, connect.NewError(connect.CodeInvalidArgument, fmt.Errorf("invalid page_token"))
		}
		offset = n
	}
	var matching []*catalogv1.Product
	for _, p := range s.products {
		if c := req.Msg.GetCategory(); c == catalogv1.Category_CATEGORY_UNSPECIFIED || p.GetCategory() == c {
			matching = append(matching, p)
		}
	}
	res := &catalogv1.ListProductsResponse{TotalSize: int32(len(matching))}
	if offset < len(matching) {
		end := min(offset+size, len(matching))
		res.Products = matching[offset:end]
		if end < len(matching) {
			res.NextPageToken = strconv.Itoa(end)
		}
	}
	return connect.NewResponse(res), nil
}

// ListRelatedProducts returns, for each known product id of the request
// (duplicates answered once, unknown ids skipped), up to per_product
// related products: the other products of its category in catalog order
// starting after it (wrapping around), then the other products in the same
// order. per_product defaults to 5 and is capped at 20; a negative value is
// InvalidArgument. The answer depends only on the request and the catalog.
func (s *Server) ListRelatedProducts(_ context.Context, req *connect.Request[catalogv1.ListRelatedProductsRequest]) (*connect.Response[catalogv1.ListRelatedProductsResponse], error) {
	per := int(req.Msg.GetPerProduct())
	switch {
	case per < 0:
		return nil, connect.NewError(connect.CodeInvalidArgument, fmt.Errorf("per_product must not be negative"))
	case per == 0:
		per = 5
	case per > 20:
		per = 20
	}
	res := &catalogv1.ListRelatedProductsResponse{}
	seen := map[string]bool{}
	for _, id := range req.Msg.GetProductIds() {
		if seen[id] {
			continue
		}
		seen[id] = true
		if p, ok := s.byID[id]; ok {
			res.Results = append(res.Results, &catalogv1.RelatedProducts{ProductId: id, Products: s.related(p, per)})
		}
	}
	return connect.NewResponse(res), nil
}

// related lists up to n products related to p (see ListRelatedProducts).
func (s *Server) related(p *catalogv1.Product, n int) []*catalogv1.Product {
	at := slices.Index(s.products, p)
	var same, other []*catalogv1.Product
	for i := 1; i < len(s.products) && len(same) < n; i++ {
		q := s.products[(at+i)%len(s.products)]
		if q.GetCategory() == p.GetCategory() {
			same = append(same, q)
		} else if len(other) < n {
			other = append(other, q)
		}
	}
	out := append(same, other...)
	return out[:min(n, len(out))]
}

// WatchStock streams a product's stock: the current level, then every
// change made with SetStock, until the caller leaves.
func (s *Server) WatchStock(ctx context.Context, req *connect.Request[catalogv1.WatchStockRequest], out *connect.ServerStream[catalogv1.StockLevel]) error {
	id := req.Msg.GetProductId()
	if _, ok := s.byID[id]; !ok {
		return connect.NewError(connect.CodeNotFound, fmt.Errorf("product %q not found", id))
	}
	ch := make(chan *catalogv1.StockLevel, 16)
	s.mu.Lock()
	s.watchers[ch] = id
	current := &catalogv1.StockLevel{ProductId: id, Units: s.stock[id], At: timestamppb.Now()}
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		delete(s.watchers, ch)
		s.mu.Unlock()
	}()
	if err := out.Send(current); err != nil {
		return err
	}
	for {
		select {
		case <-ctx.Done():
			return nil
		case lvl := <-ch:
			if err := out.Send(lvl); err != nil {
				return err
			}
		}
	}
}

// IDs lists the ids of the catalog's products, in catalog order.
func (s *Server) IDs() []string {
	ids := make([]string, len(s.products))
	for i, p := range s.products {
		ids[i] = p.GetId()
	}
	return ids
}

// SetStock changes a product's stock and tells its watchers.
func (s *Server) SetStock(id string, units int32) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.stock[id] = units
	lvl := &catalogv1.StockLevel{ProductId: id, Units: units, At: timestamppb.Now()}
	for ch, pid := range s.watchers {
		if pid == id {
			select {
			case ch <- lvl:
			default: // a watcher that does not keep up misses an intermediate level
			}
		}
	}
}

// Watchers returns the number of open WatchStock streams.
func (s *Server) Watchers() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.watchers)
}
