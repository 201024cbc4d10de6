# bffgen's Makefile is a contract: every target below works on a fresh clone
# with only Go installed. `make help` lists them.
SHELL := /bin/bash
.DEFAULT_GOAL := help
GO ?= go
EXAMPLES := examples/shop

.PHONY: help
help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-14s %s\n", $$1, $$2}'

.PHONY: build
build: ## Build the bffgen CLI into bin/ and compile every package
	$(GO) build ./...
	$(GO) build -o bin/bffgen ./cmd/bffgen
	cd $(EXAMPLES) && $(GO) build ./...

.PHONY: test
test: ## Run all tests (unit, golden, CLI, end-to-end) of bffgen and the examples
	$(GO) test ./...
	cd $(EXAMPLES) && $(GO) test ./...

.PHONY: lint
lint: ## gofmt and go vet
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...
	cd $(EXAMPLES) && $(GO) vet ./...

.PHONY: generate
generate: ## Regenerate the examples' generated code
	cd $(EXAMPLES) && $(GO) generate ./...

.PHONY: checkgenerate
checkgenerate: ## Fail when generated code is not what the generator writes (regenerates from scratch, ignoring the skip state)
	rm -f $(EXAMPLES)/gen/.bffgen-state
	cd $(EXAMPLES) && $(GO) generate ./...
	@status=$$(git status --porcelain -- $(EXAMPLES)); if [ -n "$$status" ]; then \
		echo "generated code is stale; run make generate and commit:"; echo "$$status"; git diff --stat -- $(EXAMPLES); exit 1; fi

.PHONY: audit
audit: ## graphql-http audit (GraphQL over HTTP spec, 61 audits) of the example BFF in both profiles; needs node and npm
	cd $(EXAMPLES) && $(GO) test -count=1 -v -run '^TestGraphQLHTTPAudit$$' .

.PHONY: typecheck-frontend
typecheck-frontend: ## tsc --strict on the TypeScript generate writes for the frontend, and on the shop BFF's real answers assigned to its types; needs node and npm
	cd internal/tscheck && npm ci --no-audit --no-fund --prefer-offline
	@mkdir -p internal/tscheck/out
	awk '/^-- web\/src\/bff\/operations.ts --$$/{f=1;next} /^-- /{f=0} f' codegen/testdata/golden/kitchensink.golden.txtar >internal/tscheck/out/kitchensink.ts
	cd $(EXAMPLES) && BFFGEN_TS_ANSWERS=$(CURDIR)/internal/tscheck/out/answers.ts $(GO) test -count=1 -run '^TestFrontendOperationsRunByHash$$' .
	internal/tscheck/node_modules/.bin/tsc -p internal/tscheck
	@echo "typecheck-frontend: ok"

.PHONY: check-graphiql
check-graphiql: ## the development GraphiQL page: its SRI hashes against the pinned npm files, and that it renders and queries the endpoint (jsdom); needs node and npm
	cd internal/graphiqlcheck && npm ci --no-audit --no-fund --prefer-offline
	@mkdir -p internal/graphiqlcheck/out
	$(GO) run ./internal/graphiqlcheck/page >internal/graphiqlcheck/out/page.html
	node internal/graphiqlcheck/check.js internal/graphiqlcheck/out/page.html
	@echo "check-graphiql: ok"

# The connect conformance suite's runner and reference client, installed
# into .conformance/bin; internal/conformance/genproto generates the protos
# of the same version. The runs' outputs land in .conformance/*.txt.
CONFORMANCE_VERSION ?= v1.0.7
CONFORMANCE_RUN = .conformance/bin/connectconformance --mode client --conf internal/conformance/config.yaml
.PHONY: conformance
conformance: ## connect client conformance suite (client mode) on the sidecar's stack (every policy on) with timeout: off and with a 30s timeout, plain connect-go and the suite's reference client (about 1.5 min; not part of make test)
	@mkdir -p .conformance/bin
	GOBIN=$(CURDIR)/.conformance/bin $(GO) install connectrpc.com/conformance/cmd/connectconformance@$(CONFORMANCE_VERSION) \
		connectrpc.com/conformance/cmd/referenceclient@$(CONFORMANCE_VERSION)
	$(GO) build -o .conformance/bin/client ./internal/conformance/client
	$(CONFORMANCE_RUN) -- .conformance/bin/client -stack sidecar -timeout-off \
		>.conformance/sidecar-off.txt 2>&1; echo "runner exit status: $$?" >>.conformance/sidecar-off.txt
	$(CONFORMANCE_RUN) --known-failing @internal/conformance/known-failing.txt -- .conformance/bin/client -stack sidecar \
		>.conformance/sidecar.txt 2>&1; echo "runner exit status: $$?" >>.conformance/sidecar.txt
	$(CONFORMANCE_RUN) -- .conformance/bin/client -stack plain \
		>.conformance/plain.txt 2>&1; echo "runner exit status: $$?" >>.conformance/plain.txt
	$(CONFORMANCE_RUN) -- .conformance/bin/referenceclient \
		>.conformance/reference.txt 2>&1; echo "runner exit status: $$?" >>.conformance/reference.txt
	@grep -h '^conformance client' .conformance/sidecar-off.txt .conformance/sidecar.txt || true
	@$(GO) run ./internal/conformance/report 'sidecar, timeout off=.conformance/sidecar-off.txt' 'sidecar, timeout 30s=.conformance/sidecar.txt' \
		plain=.conformance/plain.txt reference=.conformance/reference.txt

.PHONY: demo
demo: ## Run the example BFF (127.0.0.1:8080) with its in-process example backends
	cd $(EXAMPLES) && $(GO) run ./cmd/demo

.PHONY: fuzz
fuzz: ## Every fuzz target for FUZZTIME each (default 30s; not part of make test, which replays the seed corpora)
	FUZZTIME=$(or $(FUZZTIME),30s) bash internal/fuzztools/fuzz.sh

.PHONY: bench
bench: bench-go bench-onehop bench-edge bench-sidecar bench-generate ## Every benchmark (not part of make test): micro, one hop vs three, the edge's cost, the sidecar's cost, generator

.PHONY: bench-go
bench-go: ## Go micro-benchmarks: gateway chain, sidecar call, N+1, mapping of a large response
	$(GO) test -run '^$$' -bench . -benchmem ./runtime/...
	cd $(EXAMPLES) && $(GO) test -run '^$$' -bench . -benchmem .

# ROUNDS, DURATION and CONCURRENCY size the one-hop run (about 7 minutes
# with the defaults); the results land in .bench/onehop.
ROUNDS ?= 3
DURATION ?= 5s
CONCURRENCY ?= 1,4,16,64
.PHONY: bench-onehop
bench-onehop: ## One hop (bffgen, gqlgen and compiled paths) vs three (nginx -> gqlgen -> nginx) vs the floor, with wrk; installs nginx and wrk
	bash internal/benchtools/install.sh
	cd $(EXAMPLES) && PATH="$$PATH:/usr/sbin" $(GO) run ./bench/cmd/onehop -out $(CURDIR)/.bench/onehop \
		-rounds $(ROUNDS) -d $(DURATION) -c $(CONCURRENCY)

# EDGE_CONCURRENCY sizes the edge run (about 2 minutes with the defaults);
# the results land in .bench/edge.
EDGE_CONCURRENCY ?= 1,16
.PHONY: bench-edge
bench-edge: ## The shop BFF with every protection on vs every limit off, with wrk; installs wrk
	bash internal/benchtools/install.sh
	cd $(EXAMPLES) && $(GO) run ./bench/cmd/onehop -mode edge -out $(CURDIR)/.bench/edge \
		-rounds $(ROUNDS) -d $(DURATION) -c $(EDGE_CONCURRENCY)

# SIDECAR_CONCURRENCY sizes the sidecar run (about 2 minutes with the
# defaults); the results land in .bench/sidecar.
SIDECAR_CONCURRENCY ?= 1,16
.PHONY: bench-sidecar
bench-sidecar: ## The shop BFF with every sidecar policy on vs all off, 3 replicas per backend, with wrk; installs wrk
	bash internal/benchtools/install.sh
	cd $(EXAMPLES) && $(GO) run ./bench/cmd/onehop -mode sidecar -out $(CURDIR)/.bench/sidecar \
		-rounds $(ROUNDS) -d $(DURATION) -c $(SIDECAR_CONCURRENCY)

.PHONY: bench-generate
bench-generate: ## Time bffgen generate against gqlgen generate (own models, and bound to the same protobuf types) on a large spec (RUNS=3)
	bash internal/benchgen/run.sh

# CHAOS_DURATION (default 60s) and CHAOS_CLIENTS (default 8) size the run.
CHAOS_DURATION ?= 60s
CHAOS_CLIENTS ?= 8
.PHONY: chaos
chaos: ## The shop under a bounded load while fault proxies kill, slow, flap, reset and blackhole replicas; fails on any answer that is not well-formed GraphQL
	cd $(EXAMPLES) && $(GO) run ./bench/cmd/chaos -d $(CHAOS_DURATION) -c $(CHAOS_CLIENTS)

.PHONY: bench-h2flood
bench-h2flood: ## IN-14: well-behaved p99 before and during an HTTP/2 rapid reset and stream flood (the shop BFF over h2c; TARGET=host:port to probe a running BFF)
	cd $(EXAMPLES) && $(GO) run ./bench/cmd/h2flood $(if $(TARGET),-target $(TARGET))

.PHONY: bench-compare
bench-compare: ## Micro-benchmarks of BASE (a git rev, default HEAD~1) against the working tree, with benchstat (COUNT=6; BENCH=regexp picks others, e.g. BENCH=CompiledVsGQLGen)
	bash internal/benchtools/compare.sh $(or $(BASE),HEAD~1) $(or $(COUNT),6) $(if $(BENCH),'$(BENCH)')
