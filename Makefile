# fedstore — run `make help` for the targets.
SHELL := /bin/bash
GO ?= go
GOBIN := $(shell $(GO) env GOPATH)/bin
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS := -s -w -X main.version=$(VERSION)
STATICCHECK_VERSION := 2026.2.2
BENCH_TIME ?= 3s
BENCH_CONC ?= 1,8,16,32,64
BENCH_TEMP_TIME ?= 10s
BENCH_TEMP_ROUNDS ?= 10
BENCH_OPS ?= get4k,put4k,get1m,put1m,get4k-temp,sts
BENCH_COUNT ?= 3

.DEFAULT_GOAL := help

.PHONY: help
help: ## Show this list of targets
	@awk 'BEGIN {FS = ":.*## "} /^[a-zA-Z_-]+:.*## / {printf "  \033[36m%-10s\033[0m %s\n", $$1, $$2}' $(MAKEFILE_LIST)

.PHONY: build
build: ## Build bin/fedstore and bin/fedstore-bench
	$(GO) build -trimpath -ldflags '$(LDFLAGS)' -o bin/fedstore ./cmd/fedstore
	$(GO) build -trimpath -o bin/fedstore-bench ./cmd/fedstore-bench

.PHONY: run
run: ## Run the server on the embedded defaults (./data, 127.0.0.1:9000)
	$(GO) run ./cmd/fedstore server

.PHONY: deps
deps: ## Install what the tests need (apt and npm packages); idempotent
	bash scripts/install-test-deps.sh

.PHONY: test
test: deps ## The whole test suite: unit, fuzz seeds, race detector, and e2e with every real client
	FEDSTORE_E2E_REQUIRE=1 $(GO) test -race -shuffle=on -timeout 45m ./...

.PHONY: unit
unit: ## Unit tests only (no e2e), with the race detector
	$(GO) test -race -shuffle=on $$($(GO) list ./... | grep -v /e2e)

.PHONY: e2e
e2e: deps ## End-to-end tests with the AWS CLI v1/v2, boto3, aws-sdk-go-v2, minio-go, rclone, s3cmd
	FEDSTORE_E2E_REQUIRE=1 $(GO) test -count=1 -v -timeout 30m ./e2e/...

.PHONY: lint
lint: ## gofmt, go vet, staticcheck, the import-direction rules, govulncheck (when its database is reachable)
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...
	@test -x $(GOBIN)/staticcheck || $(GO) install honnef.co/go/tools/cmd/staticcheck@$(STATICCHECK_VERSION)
	$(GOBIN)/staticcheck ./...
	bash .ci/check-imports.sh
	@bash .ci/govulncheck.sh

.PHONY: bench
bench: build ## Micro-benchmarks (bench-micro.txt, for benchstat) and a load run (bench-results.json and .png); a few minutes
	set -o pipefail; $(GO) test -run '^$$' -bench . -benchmem -benchtime 300ms -count $(BENCH_COUNT) \
	  ./internal/sigv4/ ./internal/policy/ ./internal/authz/ ./internal/oidc/ ./internal/sts/ ./internal/s3api/ ./internal/object/posix/ | tee bench-micro.txt
	./bin/fedstore-bench --server-bin ./bin/fedstore --duration $(BENCH_TIME) --concurrency $(BENCH_CONC) --ops $(BENCH_OPS) \
	  --temp-duration $(BENCH_TEMP_TIME) --temp-rounds $(BENCH_TEMP_ROUNDS) --json-out bench-results.json --plot-out bench-results.png

.PHONY: soak
soak: ## Long hardening runs: crash safety over 20 seeds (kill -9), disk full, slow and abusive clients, 5 min load with 64 clients (FEDSTORE_SOAK=1)
	FEDSTORE_SOAK=1 FEDSTORE_E2E_REQUIRE=1 $(GO) test -count=1 -v -timeout 60m -run 'TestCrashSafety|TestDiskFull|TestAbusiveClients|TestSoak' ./e2e/

.PHONY: fuzz
fuzz: ## Run every fuzz target for FUZZ_TIME each (default 30s; FUZZ_SAVE_SEEDS=N keeps N new inputs per target as seeds)
	FUZZ_TIME=$${FUZZ_TIME:-30s} bash .ci/fuzz-smoke.sh

.PHONY: clean
clean: ## Remove build output
	rm -rf bin bench-results.json bench-results.png bench-micro.txt
