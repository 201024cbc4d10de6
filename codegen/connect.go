package codegen

import (
	"path"
	"strings"

	"google.golang.org/protobuf/compiler/protogen"
	"google.golang.org/protobuf/types/descriptorpb"
)

var (
	connectPkg  = protogen.GoImportPath("connectrpc.com/connect")
	contextPkg  = protogen.GoImportPath("context")
	httpPkg     = protogen.GoImportPath("net/http")
	stringsPkg  = protogen.GoImportPath("strings")
	connectName = func(f *protogen.File) string { return string(f.GoPackageName) + "connect" }
)

// genConnect writes the connect-go client and handler code of the services
// of one proto file, with the same API as protoc-gen-connect-go output, so
// backends written against either work unchanged.
func genConnect(plugin *protogen.Plugin, f *protogen.File, ip protogen.GoImportPath, services []*protogen.Service) {
	base := strings.TrimSuffix(path.Base(f.Desc.Path()), ".proto")
	g := plugin.NewGeneratedFile(string(ip)+"/"+base+".connect.go", ip)
	g.P(GeneratedHeader)
	g.P("// source: ", f.Desc.Path())
	g.P()
	g.P("// Package ", connectName(f), " has the connect-go clients and handlers of the services in ", f.Desc.Path(), ".")
	g.P("package ", connectName(f))
	g.P()
	g.P("// This is a compile-time assertion that this generated file and the connect package are compatible.")
	g.P("const _ = ", connectPkg.Ident("IsAtLeastVersion1_13_0"))
	for _, s := range services {
		genConnectService(g, f, s)
	}
}

func idempotency(m *protogen.Method) string {
	opts, _ := m.Desc.Options().(*descriptorpb.MethodOptions)
	switch opts.GetIdempotencyLevel() {
	case descriptorpb.MethodOptions_NO_SIDE_EFFECTS:
		return "IdempotencyNoSideEffects"
	case descriptorpb.MethodOptions_IDEMPOTENT:
		return "IdempotencyIdempotent"
	}
	return ""
}

func lowerFirst(s string) string { return strings.ToLower(s[:1]) + s[1:] }

func genConnectService(g *protogen.GeneratedFile, f *protogen.File, s *protogen.Service) {
	name := s.GoName
	lname := lowerFirst(name)
	ctx := g.QualifiedGoIdent(contextPkg.Ident("Context"))
	cn := func(id string) string { return g.QualifiedGoIdent(connectPkg.Ident(id)) }
	in := func(m *protogen.Method) string { return g.QualifiedGoIdent(m.Input.GoIdent) }
	out := func(m *protogen.Method) string { return g.QualifiedGoIdent(m.Output.GoIdent) }

	g.P()
	g.P("// ", name, "Name is the fully-qualified name of the ", s.Desc.Name(), " service.")
	g.P("const ", name, "Name = ", `"`, s.Desc.FullName(), `"`)
	g.P()
	g.P("// Procedures of ", s.Desc.FullName(), ", as HTTP paths.")
	g.P("const (")
	for _, m := range s.Methods {
		g.P(name, m.GoName, "Procedure = ", `"/`, s.Desc.FullName(), "/", m.Desc.Name(), `"`)
	}
	g.P(")")
	g.P()

	clientSig := func(m *protogen.Method) string {
		switch {
		case m.Desc.IsStreamingClient() && m.Desc.IsStreamingServer():
			return m.GoName + "(ctx " + ctx + ") *" + cn("BidiStreamForClient") + "[" + in(m) + ", " + out(m) + "]"
		case m.Desc.IsStreamingClient():
			return m.GoName + "(ctx " + ctx + ") *" + cn("ClientStreamForClient") + "[" + in(m) + ", " + out(m) + "]"
		case m.Desc.IsStreamingServer():
			return m.GoName + "(ctx " + ctx + ", req *" + cn("Request") + "[" + in(m) + "]) (*" + cn("ServerStreamForClient") + "[" + out(m) + "], error)"
		}
		return m.GoName + "(ctx " + ctx + ", req *" + cn("Request") + "[" + in(m) + "]) (*" + cn("Response") + "[" + out(m) + "], error)"
	}
	handlerSig := func(m *protogen.Method) string {
		switch {
		case m.Desc.IsStreamingClient() && m.Desc.IsStreamingServer():
			return m.GoName + "(" + ctx + ", *" + cn("BidiStream") + "[" + in(m) + ", " + out(m) + "]) error"
		case m.Desc.IsStreamingClient():
			return m.GoName + "(" + ctx + ", *" + cn("ClientStream") + "[" + in(m) + "]) (*" + cn("Response") + "[" + out(m) + "], error)"
		case m.Desc.IsStreamingServer():
			return m.GoName + "(" + ctx + ", *" + cn("Request") + "[" + in(m) + "], *" + cn("ServerStream") + "[" + out(m) + "]) error"
		}
		return m.GoName + "(" + ctx + ", *" + cn("Request") + "[" + in(m) + "]) (*" + cn("Response") + "[" + out(m) + "], error)"
	}
	options := func(m *protogen.Method, kind string) string {
		opts := cn("WithSchema") + "(methods.ByName(\"" + string(m.Desc.Name()) + "\"))"
		if id := idempotency(m); id != "" {
			opts += ", " + cn("WithIdempotency") + "(" + cn(id) + ")"
		}
		return opts + ", " + cn("With"+kind+"Options") + "(opts...)"
	}
	methods := g.QualifiedGoIdent(f.GoDescriptorIdent) + ".Services().ByName(\"" + string(s.Desc.Name()) + "\").Methods()"

	g.P("// ", name, "Client is a client for the ", s.Desc.FullName(), " service.")
	g.P("type ", name, "Client interface {")
	for _, m := range s.Methods {
		g.P(m.Comments.Leading, clientSig(m))
	}
	g.P("}")
	g.P()
	g.P("// New", name, "Client returns a client for the ", s.Desc.FullName(), " service. baseURL is")
	g.P("// the server's URL without the procedure path, e.g. \"http://catalog\"; by default")
	g.P("// the client speaks the Connect protocol (connect.WithGRPC or connect.WithGRPCWeb")
	g.P("// switch it).")
	g.P("func New", name, "Client(httpClient ", cn("HTTPClient"), ", baseURL string, opts ...", cn("ClientOption"), ") ", name, "Client {")
	g.P("baseURL = ", g.QualifiedGoIdent(stringsPkg.Ident("TrimRight")), "(baseURL, \"/\")")
	g.P("methods := ", methods)
	g.P("return &", lname, "Client{")
	for _, m := range s.Methods {
		g.P(lowerFirst(m.GoName), ": ", cn("NewClient"), "[", in(m), ", ", out(m), "](httpClient, baseURL+", name, m.GoName, "Procedure, ", options(m, "Client"), "),")
	}
	g.P("}")
	g.P("}")
	g.P()
	g.P("type ", lname, "Client struct {")
	for _, m := range s.Methods {
		g.P(lowerFirst(m.GoName), " *", cn("Client"), "[", in(m), ", ", out(m), "]")
	}
	g.P("}")
	for _, m := range s.Methods {
		g.P()
		g.P("// ", m.GoName, " calls ", m.Desc.FullName(), ".")
		g.P("func (c *", lname, "Client) ", clientSig(m), " {")
		switch {
		case m.Desc.IsStreamingClient() && m.Desc.IsStreamingServer():
			g.P("return c.", lowerFirst(m.GoName), ".CallBidiStream(ctx)")
		case m.Desc.IsStreamingClient():
			g.P("return c.", lowerFirst(m.GoName), ".CallClientStream(ctx)")
		case m.Desc.IsStreamingServer():
			g.P("return c.", lowerFirst(m.GoName), ".CallServerStream(ctx, req)")
		default:
			g.P("return c.", lowerFirst(m.GoName), ".CallUnary(ctx, req)")
		}
		g.P("}")
	}
	g.P()
	g.P("// ", name, "Handler is what a server of the ", s.Desc.FullName(), " service implements.")
	g.P("type ", name, "Handler interface {")
	for _, m := range s.Methods {
		g.P(m.Comments.Leading, handlerSig(m))
	}
	g.P("}")
	g.P()
	g.P("// New", name, "Handler builds an HTTP handler from the service implementation. It")
	g.P("// returns the path on which to mount the handler and the handler itself; it")
	g.P("// serves the Connect, gRPC and gRPC-Web protocols.")
	g.P("func New", name, "Handler(svc ", name, "Handler, opts ...", cn("HandlerOption"), ") (string, ", g.QualifiedGoIdent(httpPkg.Ident("Handler")), ") {")
	g.P("methods := ", methods)
	for _, m := range s.Methods {
		ctor := "NewUnaryHandler"
		switch {
		case m.Desc.IsStreamingClient() && m.Desc.IsStreamingServer():
			ctor = "NewBidiStreamHandler"
		case m.Desc.IsStreamingClient():
			ctor = "NewClientStreamHandler"
		case m.Desc.IsStreamingServer():
			ctor = "NewServerStreamHandler"
		}
		g.P(lowerFirst(m.GoName), "Handler := ", cn(ctor), "(", name, m.GoName, "Procedure, svc.", m.GoName, ", ", options(m, "Handler"), ")")
	}
	g.P("return \"/", s.Desc.FullName(), "/\", ", g.QualifiedGoIdent(httpPkg.Ident("HandlerFunc")), "(func(w ", g.QualifiedGoIdent(httpPkg.Ident("ResponseWriter")), ", r *", g.QualifiedGoIdent(httpPkg.Ident("Request")), ") {")
	g.P("switch r.URL.Path {")
	for _, m := range s.Methods {
		g.P("case ", name, m.GoName, "Procedure:")
		g.P(lowerFirst(m.GoName), "Handler.ServeHTTP(w, r)")
	}
	g.P("default:")
	g.P(g.QualifiedGoIdent(httpPkg.Ident("NotFound")), "(w, r)")
	g.P("}")
	g.P("})")
	g.P("}")
}
