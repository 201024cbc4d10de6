package sidecar_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"

	"connectrpc.com/connect"
	"google.golang.org/protobuf/types/known/wrapperspb"

	"github.com/bffgen/bffgen/runtime/config"
	"github.com/bffgen/bffgen/runtime/sidecar"
)

func Example() {
	// A backend: a connect handler on 127.0.0.1.
	mux := http.NewServeMux()
	mux.Handle(echoProcedure, connect.NewUnaryHandler(echoProcedure,
		func(_ context.Context, req *connect.Request[wrapperspb.StringValue]) (*connect.Response[wrapperspb.StringValue], error) {
			return connect.NewResponse(wrapperspb.String("hello, " + req.Msg.GetValue())), nil
		}))
	backend := httptest.NewServer(mux)
	defer backend.Close()

	// The upstreams: section of bff.yaml.
	set, err := sidecar.NewSet(map[string]config.Upstream{
		"greeter": {Endpoints: []string{backend.URL}},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer set.Close()
	fmt.Println(set.Require("greeter", "catalog"))

	// Generated code binds its clients to the upstreams.
	client := sidecar.Client(set, "greeter", newEchoClient)
	got, err := client.Echo(context.Background(), "world")
	fmt.Println(got, err)
	// Output:
	// upstream "catalog" is not configured: add it under `upstreams:` in bff.yaml, e.g. `catalog: {endpoints: ["http://127.0.0.1:9001"]}`
	// hello, world <nil>
}
