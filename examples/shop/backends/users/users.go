package users

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"connectrpc.com/connect"
	usersv1 "github.com/bffgen/bffgen/examples/shop/gen/pb/users/v1"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// DeletedSeller is the number of a seller whose account is gone: u-210,
// the seller of NewN's 111th product, is unknown here.
const DeletedSeller = 210

// MaxBatch is the most ids one BatchGetUsers call may carry.
const MaxBatch = 100

// Server implements users.v1.UserService.
type Server struct {
	byID map[string]*usersv1.User
}

// New returns the example users u-1 to u-12, with e-mail addresses such as
// amira@u-1.example.
func New() *Server {
	s := &Server{byID: map[string]*usersv1.User{}}
	names := []struct{ name, country string }{
		{"Amira K.", "MA"}, {"Jonas B.", "DE"}, {"Li Wei", "CN"}, {"Sam O.", "NG"}, {"Noor H.", "AE"}, {"Inès D.", "FR"},
		{"Tomás R.", "AR"}, {"Yuki T.", "JP"}, {"Ola N.", "NO"}, {"Kim S.", "KR"}, {"Outdoor Depot", "NL"}, {"Readers' Corner", "GB"},
	}
	base := time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)
	for i, n := range names {
		id := fmt.Sprintf("u-%d", i+1)
		email := strings.ToLower(strings.Fields(n.name)[0]) + "@" + id + ".example"
		s.byID[id] = &usersv1.User{Id: id, DisplayName: n.name, Country: n.country, Email: email, JoinedAt: timestamppb.New(base.Add(time.Duration(i) * 240 * time.Hour))}
	}
	return s
}

// lookup finds a user: the twelve examples, and a generated seller profile
// for any other id "u-<n>" with 100 <= n < 100000 (the sellers of NewN's
// extra products).
func (s *Server) lookup(id string) (*usersv1.User, bool) {
	if u, ok := s.byID[id]; ok {
		return u, true
	}
	n, err := strconv.Atoi(strings.TrimPrefix(id, "u-"))
	if !strings.HasPrefix(id, "u-") || err != nil || n < 100 || n >= 100000 || n == DeletedSeller {
		return nil, false
	}
	return &usersv1.User{Id: id, DisplayName: fmt.Sprintf("Seller %d", n), Country: "NL", JoinedAt: timestamppb.New(time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC))}, true
}

// GetUser returns one user, or NOT_FOUND.
func (s *Server) GetUser(_ context.Context, req *connect.Request[usersv1.GetUserRequest]) (*connect.Response[usersv1.GetUserResponse], error) {
	u, ok := s.lookup(req.Msg.GetId())
	if !ok {
		return nil, connect.NewError(connect.CodeNotFound, fmt.Errorf("no user %q", req.Msg.GetId()))
	}
	return connect.NewResponse(&usersv1.GetUserResponse{User: u}), nil
}

// BatchGetUsers returns the users that exist among ids, in no particular
// order; unknown ids are left out.
func (s *Server) BatchGetUsers(_ context.Context, req *connect.Request[usersv1.BatchGetUsersRequest]) (*connect.Response[usersv1.BatchGetUsersResponse], error) {
	if n := len(req.Msg.GetIds()); n > MaxBatch {
		return nil, connect.NewError(connect.CodeInvalidArgument, fmt.Errorf("at most %d ids per call, got %d", MaxBatch, n))
	}
	res := &usersv1.BatchGetUsersResponse{}
	ids := req.Msg.GetIds()
	for i := len(ids) - 1; i >= 0; i-- { // reversed: callers must match by id
		if u, ok := s.lookup(ids[i]); ok {
			res.Users = append(res.Users, u)
		}
	}
	return connect.NewResponse(res), nil
}

// LookupUserById returns one user per key, in the order of the keys (the
// convention of Cosmo's gRPC lookups); an unknown id has an empty user.
func (s *Server) LookupUserById(_ context.Context, req *connect.Request[usersv1.LookupUserByIdRequest]) (*connect.Response[usersv1.LookupUserByIdResponse], error) {
	if n := len(req.Msg.GetKeys()); n > MaxBatch {
		return nil, connect.NewError(connect.CodeInvalidArgument, fmt.Errorf("at most %d keys per call, got %d", MaxBatch, n))
	}
	res := &usersv1.LookupUserByIdResponse{}
	for _, k := range req.Msg.GetKeys() {
		u, ok := s.lookup(k.GetId())
		if !ok {
			u = &usersv1.User{}
		}
		res.Result = append(res.Result, u)
	}
	return connect.NewResponse(res), nil
}
