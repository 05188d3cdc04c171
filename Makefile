# PrintLab: `make run` builds and starts the app; `make test` runs every test.
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
BIN     ?= bin/printlab
DATA    ?= pb_data
HTTP    ?= 127.0.0.1:8090
LDFLAGS := -s -w -X main.version=$(VERSION)
export GOTOOLCHAIN := local

.PHONY: run dev build vendor test test-go test-slicer test-browser fuzz lint bench clean

## run: build the binary and start PrintLab on $(HTTP) with data in $(DATA)
run: build
	@echo ""
	@echo "  PrintLab starting:"
	@echo "    submit page      http://$(HTTP)/"
	@echo "    staff dashboard  http://$(HTTP)/desk/"
	@echo "    analytics        http://$(HTTP)/desk/analytics.html"
	@echo "    admin UI         http://$(HTTP)/_/"
	@echo "  Demo data (staff, a workstation, jobs):  $(BIN) demo --dir=$(DATA)"
	@echo ""
	$(BIN) serve --http=$(HTTP) --dir=$(DATA)

## dev: run from source, serving pb_public from disk so front-end edits show on reload
dev: vendor
	go run . serve --http=$(HTTP) --dir=$(DATA) --publicDir=./pb_public

## build: copy the browser libraries into pb_public/vendor and build bin/printlab
build: vendor
	go build -trimpath -ldflags "$(LDFLAGS)" -o $(BIN) .

node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund
	@touch $@

## vendor: install the pinned npm packages and copy the browser libraries
vendor: node_modules/.package-lock.json
	node scripts/vendor.mjs

## test: every test: Go (API, engine, parsers, real SMTP), the slicer helper, browser tests
test: lint build test-go test-slicer test-browser

test-go:
	PRINTLAB_BIN=$(CURDIR)/$(BIN) go test -count=1 -timeout 15m ./...

## test-slicer: the staff-PC helper's tests (vet for three OSes) and its Windows and macOS cross-builds
test-slicer:
	$(MAKE) -C slicer-opener test
	cd slicer-opener && GOOS=windows GOARCH=amd64 go build -o /dev/null . && GOOS=darwin GOARCH=arm64 go build -o /dev/null .

test-browser: build
	@if ls tests/browser/*.test.mjs >/dev/null 2>&1; then \
		PRINTLAB_BIN=$(CURDIR)/$(BIN) npm run --silent test:browser; \
	fi

## lint: go vet and gofmt must be clean
lint:
	go vet ./...
	@out=$$(gofmt -l $$(git ls-files '*.go' | grep -v '^slicer-opener/')); \
	if [ -n "$$out" ]; then echo "gofmt needs to run on:"; echo "$$out"; exit 1; fi

## bench: the figures of BENCHMARKS.md
bench: build
	PRINTLAB_BIN=$(CURDIR)/$(BIN) go test -run '^$$' -bench . -benchtime 5x ./...

clean:
	rm -rf bin pb_public/vendor
