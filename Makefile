# fedstore — run `make help` for the targets.
SHELL := /bin/bash
GO ?= go
GOBIN := $(shell $(GO) env GOPATH)/bin
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS := -s -w -X main.version=$(VERSION)
STATICCHECK_VERSION := 2026.2.2
BENCH_TIME ?= 10s

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
bench: build ## Micro-benchmarks (sigv4, object) and a load run against a live server with a net/http baseline
	$(GO) test -run '^$$' -bench . -benchmem -benchtime 1s ./internal/sigv4/... ./internal/object/...
	./bin/fedstore-bench --server-bin ./bin/fedstore --duration $(BENCH_TIME) --concurrency 16 --ops get4k,put4k,get1m,put1m --json-out bench-results.json

.PHONY: fuzz
fuzz: ## Run every fuzz target for FUZZ_TIME each (default 30s)
	@for pkg in $$($(GO) list ./...); do \
	  for t in $$($(GO) test -list '^Fuzz' $$pkg 2>/dev/null | grep '^Fuzz'); do \
	    echo "== $$pkg $$t"; $(GO) test -run '^$$' -fuzz "^$$t$$" -fuzztime $${FUZZ_TIME:-30s} $$pkg || exit 1; \
	  done; \
	done

.PHONY: clean
clean: ## Remove build output
	rm -rf bin bench-results.json
