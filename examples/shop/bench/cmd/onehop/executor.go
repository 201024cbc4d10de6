package main

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/bffgen/bffgen/examples/shop/bench"
)

// gqlgenQuery is bench.Query with a comment after it: the same operation,
// but not the text of the compiled Shop operation, whose hash is the
// SHA-256 of its exact text. The generated BFF runs it on gqlgen; the
// metrics check after the rounds proves it did.
const gqlgenQuery = bench.Query + "\n# not the compiled document's text: runs on gqlgen\n"

// persistedBody is the POST body that names query by its hash alone, as
// APQ does: {"extensions":{"persistedQuery":{"version":1,"sha256Hash":...}}}.
func persistedBody(query string) []byte {
	sum := sha256.Sum256([]byte(query))
	b, err := json.Marshal(map[string]any{"extensions": map[string]any{
		"persistedQuery": map[string]any{"version": 1, "sha256Hash": hex.EncodeToString(sum[:])}}})
	if err != nil {
		panic(err) // a map of strings and numbers always marshals
	}
	return b
}

// executorCount is how many requests each execution path of one generated
// BFF served over the whole benchmark (warm-up, data check and rounds), read
// from the label bffgen_graphql_executor of bffgen_graphql_requests_total.
type executorCount struct {
	Variant string           `json:"variant"`
	Counts  map[string]int64 `json:"requests_by_executor"`
}

// executorCounts reads the Prometheus page at url and sums
// bffgen_graphql_requests_total by its bffgen_graphql_executor label;
// requests without the label (refused before execution) are left out.
func executorCounts(ctx context.Context, url string) (map[string]int64, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, err
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET %s: %s", url, res.Status)
	}
	return parseExecutorCounts(res.Body)
}

// parseExecutorCounts is executorCounts' parser of the text exposition
// format.
func parseExecutorCounts(r io.Reader) (map[string]int64, error) {
	counts := map[string]int64{}
	sc := bufio.NewScanner(r)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		line := sc.Text()
		rest, ok := strings.CutPrefix(line, "bffgen_graphql_requests_total{")
		if !ok {
			continue
		}
		labels, value, ok := strings.Cut(rest, "} ")
		if !ok {
			return nil, fmt.Errorf("metrics line %q: no value", line)
		}
		_, after, ok := strings.Cut(labels, `bffgen_graphql_executor="`)
		if !ok {
			continue
		}
		path, _, _ := strings.Cut(after, `"`)
		n, err := strconv.ParseFloat(strings.Fields(value)[0], 64)
		if err != nil {
			return nil, fmt.Errorf("metrics line %q: %w", line, err)
		}
		counts[path] += int64(n)
	}
	return counts, sc.Err()
}

// onlyPath fails unless every counted request ran on want, and some did.
func onlyPath(counts map[string]int64, want string) error {
	if counts[want] == 0 {
		return fmt.Errorf("no request ran on the %s path (requests by executor: %v)", want, counts)
	}
	for path, n := range counts {
		if path != want && n > 0 {
			return fmt.Errorf("%d requests ran on the %s path, want all on %s (requests by executor: %v)", n, path, want, counts)
		}
	}
	return nil
}
