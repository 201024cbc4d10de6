package reviews

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"connectrpc.com/connect"
	reviewsv1 "github.com/bffgen/bffgen/examples/shop/gen/pb/reviews/v1"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// Server implements reviews.v1.ReviewService.
type Server struct {
	mu      sync.Mutex
	reviews []*reviewsv1.Review // in creation order
	next    int
}

// New returns a review store with the example reviews.
func New() *Server {
	s := &Server{}
	base := time.Date(2026, 4, 2, 18, 30, 0, 0, time.UTC)
	seed := []struct {
		product, author, authorID, title, body string
		rating                                 int32
	}{
		{"p-1001", "amira", "u-1", "Grippy and light", "Took them up a wet ridge trail: no slipping at all.", 5},
		{"p-1001", "jonas", "u-2", "Run small", "Great shoes, but order half a size up.", 4},
		{"p-1002", "li", "u-3", "Quiet at last", "The noise cancelling makes my commute bearable.", 5},
		{"p-1002", "sam", "u-4", "Clamps a bit", "Sound is superb; they press on my glasses after an hour.", 3},
		{"p-1002", "noor", "u-5", "Battery for days", "Charged it once in a week of travel.", 5},
		{"p-1003", "ines", "u-6", "Tomatoes on the 4th floor", "Practical, and the pest chapter saved my basil.", 4},
		{"p-1004", "tomas", "u-7", "Heavy and perfect", "Heats evenly; the seasoning held from day one.", 5},
		{"p-1006", "yuki", "u-8", "Lovely switches", "Hot-swap sockets are a joy; the keycaps feel cheap.", 4},
		{"p-1007", "ola", "u-9", "Dense but worth it", "Chapter 7 on consistency is the best I have read.", 5},
		{"p-1009", "amira", "u-1", "Bright enough", "Lit the whole campsite; red mode is handy at night.", 4},
		{"p-1010", "li", "u-3", "Reads in the sun", "No glare at the beach, and it survived a dunk.", 5},
		{"p-1008", "former customer", "u-210", "Where is my order?", "Came back after a month: still no answer.", 1},
	}
	for i, r := range seed {
		s.add(&reviewsv1.Review{ProductId: r.product, Author: r.author, AuthorId: r.authorID, Title: r.title, Body: r.body, Rating: r.rating,
			CreatedAt: timestamppb.New(base.Add(time.Duration(i) * 7 * time.Hour))})
	}
	return s
}

// NewFor returns the example reviews plus generated ones, so that each of
// productIDs has at least perProduct reviews, written by the example users
// u-1 to u-12 in turn. perProduct <= 0 adds none. It serves load tests that
// want every product of a list to have reviews.
func NewFor(productIDs []string, perProduct int) *Server {
	s := New()
	have := map[string]int{}
	for _, r := range s.reviews {
		have[r.GetProductId()]++
	}
	base := time.Date(2026, 5, 1, 8, 0, 0, 0, time.UTC)
	for _, id := range productIDs {
		for n := have[id]; n < perProduct; n++ {
			author := len(s.reviews)%12 + 1
			s.add(&reviewsv1.Review{ProductId: id, Author: fmt.Sprintf("user %d", author), AuthorId: fmt.Sprintf("u-%d", author),
				Title: fmt.Sprintf("Review %d of %s", n+1, id), Body: "Does what it says; would buy again.", Rating: int32(len(s.reviews)%5 + 1),
				CreatedAt: timestamppb.New(base.Add(time.Duration(len(s.reviews)) * time.Hour))})
		}
	}
	return s
}

func (s *Server) add(r *reviewsv1.Review) {
	s.next++
	r.Id = fmt.Sprintf("r-%04d", s.next)
	s.reviews = append(s.reviews, r)
}

// ListReviews returns the newest reviews of one product; page_size
// defaults to 10.
func (s *Server) ListReviews(_ context.Context, req *connect.Request[reviewsv1.ListReviewsRequest]) (*connect.Response[reviewsv1.ListReviewsResponse], error) {
	if req.Msg.GetProductId() == "" {
		return nil, connect.NewError(connect.CodeInvalidArgument, fmt.Errorf("product_id is required"))
	}
	size := int(req.Msg.GetPageSize())
	if size <= 0 {
		size = 10
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []*reviewsv1.Review
	for _, r := range slices.Backward(s.reviews) {
		if r.GetProductId() == req.Msg.GetProductId() && len(out) < size {
			out = append(out, r)
		}
	}
	return connect.NewResponse(&reviewsv1.ListReviewsResponse{Reviews: out}), nil
}

// ListReviewsByProducts returns the newest reviews of each of the products,
// one entry per product that has reviews, in no particular order;
// per_product defaults to 10.
func (s *Server) ListReviewsByProducts(_ context.Context, req *connect.Request[reviewsv1.ListReviewsByProductsRequest]) (*connect.Response[reviewsv1.ListReviewsByProductsResponse], error) {
	per := int(req.Msg.GetPerProduct())
	if per <= 0 {
		per = 10
	}
	wanted := map[string]*reviewsv1.ProductReviews{}
	res := &reviewsv1.ListReviewsByProductsResponse{}
	for _, id := range req.Msg.GetProductIds() {
		if _, dup := wanted[id]; !dup {
			wanted[id] = &reviewsv1.ProductReviews{ProductId: id}
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, r := range slices.Backward(s.reviews) {
		if pr, ok := wanted[r.GetProductId()]; ok && len(pr.Reviews) < per {
			if len(pr.Reviews) == 0 {
				res.Results = append(res.Results, pr)
			}
			pr.Reviews = append(pr.Reviews, r)
		}
	}
	return connect.NewResponse(res), nil
}

// ListReviewsByProductIds returns the newest reviews of each of the
// products in one flat list, newest first, each carrying its product_id;
// per_product defaults to 10.
func (s *Server) ListReviewsByProductIds(_ context.Context, req *connect.Request[reviewsv1.ListReviewsByProductIdsRequest]) (*connect.Response[reviewsv1.ListReviewsByProductIdsResponse], error) {
	per := int(req.Msg.GetPerProduct())
	if per <= 0 {
		per = 10
	}
	count := map[string]int{}
	for _, id := range req.Msg.GetProductIds() {
		count[id] = 0
	}
	res := &reviewsv1.ListReviewsByProductIdsResponse{}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, r := range slices.Backward(s.reviews) {
		if n, ok := count[r.GetProductId()]; ok && n < per {
			count[r.GetProductId()] = n + 1
			res.Reviews = append(res.Reviews, r)
		}
	}
	return connect.NewResponse(res), nil
}

// CreateReview validates and stores a review.
func (s *Server) CreateReview(_ context.Context, req *connect.Request[reviewsv1.CreateReviewRequest]) (*connect.Response[reviewsv1.CreateReviewResponse], error) {
	m := req.Msg
	switch {
	case m.GetProductId() == "":
		return nil, connect.NewError(connect.CodeInvalidArgument, fmt.Errorf("product_id is required"))
	case m.GetRating() < 1 || m.GetRating() > 5:
		return nil, connect.NewError(connect.CodeInvalidArgument, fmt.Errorf("rating must be between 1 and 5, got %d", m.GetRating()))
	case strings.TrimSpace(m.GetBody()) == "":
		return nil, connect.NewError(connect.CodeInvalidArgument, fmt.Errorf("body is required"))
	}
	r := &reviewsv1.Review{ProductId: m.GetProductId(), Rating: m.GetRating(), Title: m.GetTitle(), Body: m.GetBody(), Author: m.GetAuthor(), CreatedAt: timestamppb.Now()}
	s.mu.Lock()
	s.add(r)
	s.mu.Unlock()
	return connect.NewResponse(&reviewsv1.CreateReviewResponse{Review: r}), nil
}
