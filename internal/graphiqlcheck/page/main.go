package main

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"

	"github.com/bffgen/bffgen/runtime/gateway"
)

func main() {
	w := httptest.NewRecorder()
	gateway.GraphiQL("/graphql").ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/", nil))
	if w.Code != http.StatusOK {
		fmt.Fprintf(os.Stderr, "page: status %d\n", w.Code)
		os.Exit(1)
	}
	_, _ = os.Stdout.Write(w.Body.Bytes())
}
