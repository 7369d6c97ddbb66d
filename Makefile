# Lazarus — instance high availability for OpenStack.
# `make help` lists the targets.

# GO runs `go` with at least the version go.mod asks for, fetching that toolchain
# into .cache/go through the module proxy when the machine has none (test/toolchain.sh).
GO        ?= $(CURDIR)/test/toolchain.sh
BIN       := bin
BINARIES  := $(notdir $(wildcard cmd/lazarus*))
PKGS      := ./...
export TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/test?sslmode=disable
export TEST_RABBITMQ_URL ?= amqp://guest:guest@127.0.0.1:5672/
export GOFLAGS ?= -buildvcs=false

.DEFAULT_GOAL := help

.PHONY: help
help: ## Show this help.
	@awk 'BEGIN {FS = ":.*## "} /^[a-zA-Z0-9_\/-]+:.*## / {printf "  \033[36m%-14s\033[0m %s\n", $$1, $$2}' $(MAKEFILE_LIST)

.PHONY: build
build: ## Build every binary into bin/.
	@mkdir -p $(BIN)
	$(GO) build -o $(BIN)/ $(addprefix ./cmd/,$(BINARIES))

.PHONY: services
services: ## Install (apt) and start what the tests need: PostgreSQL, RabbitMQ, ipmi_sim, fence-agents, openstack CLI.
	@bash test/services.sh

.PHONY: test
test: services ## Run every test, with the race detector, against real PostgreSQL, RabbitMQ and ipmi_sim (installs and starts them if missing).
	$(GO) vet $(PKGS)
	$(GO) test -race -tags libvirt -count=1 -timeout 30m $(PKGS)

.PHONY: test/fast
test/fast: services ## Run every test without the race detector (quicker, for a local loop).
	$(GO) test -tags libvirt -count=1 -timeout 20m $(PKGS)

.PHONY: lint
lint: ## gofmt, go vet, the import-layering rules (test/layering) and staticcheck.
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || (gofmt -l $$(git ls-files '*.go'); echo 'gofmt needed'; exit 1)
	$(GO) vet $(PKGS)
	$(GO) test -count=1 ./test/layering
	$(GO) run honnef.co/go/tools/cmd/staticcheck@v0.8.2 $(PKGS)

.PHONY: demo
demo: services build ## Run Lazarus against a simulated cloud, power a host off through its BMC, show the recovery.
	$(GO) run ./test/demo --bin $(BIN)

.PHONY: e2e
e2e: services build ## Real Keystone/Placement/Glance/Neutron/Nova (fake driver) from Debian packages + Lazarus scenarios (root; minutes).
	bash test/e2e/cloud.sh up
	eval "$$(bash test/e2e/cloud.sh env)" && LAZARUS_ACCEPTANCE_NOVA_MAX=2.93 $(GO) test -tags acceptance -count=1 -run Acceptance ./openstack/nova/
	$(GO) test -tags e2e -count=1 -v -timeout 60m ./test/e2e/

.PHONY: chaos
chaos: services build ## The failure matrix on the real cloud, from Lazarus's own monitors, two engines (root; ~45 min; LAZARUS_CHAOS_ONLY/RUNS pick rows).
	bash test/e2e/cloud.sh up
	$(GO) test -tags 'e2e chaos' -count=1 -v -timeout 150m -run TestChaos ./test/e2e/

.PHONY: horizon
horizon: services ## Debian's Horizon + masakari-dashboard against lazarus-api through the e2e cloud's catalog, in headless Chromium (root; needs make e2e's cloud).
	bash test/e2e/cloud.sh up
	LAZARUS_E2E_STATE_DIR=$${LAZARUS_E2E_STATE_DIR:-$(CURDIR)/test/e2e/.state} \
		$(GO) test -tags horizon -count=1 -v -timeout 20m ./test/horizon/

.PHONY: bench
bench: services ## Run the benchmarks that print figures (API, fencing, engine, monitors), one package at a time.
	$(GO) test -p 1 -run '^$$' -bench . -benchtime 1x -count 1 -timeout 40m $(PKGS)

.PHONY: fuzz
fuzz: ## Fuzz every decoder (every Fuzz* target) for FUZZTIME each (default 10s).
	bash test/fuzz.sh

.PHONY: generate
generate: ## Regenerate etc/lazarus.conf.sample from the option definitions.
	$(GO) run ./cmd/lazarus-manage config sample > etc/lazarus.conf.sample

.PHONY: verify
verify: generate ## Fail if generated files are stale.
	git diff --exit-code etc/

.PHONY: deb
deb: ## Build dist/lazarus_<version>_<arch>.deb with nfpm: binaries, systemd units, config, alert rules, dashboard.
	@GO=$(GO) bash test/deb.sh

.PHONY: toolchain
toolchain: ## Show the Go the other targets use (fetched into .cache/go if the machine's is older than go.mod's).
	@$(GO) version

.PHONY: fresh-machine
fresh-machine: ## root: README's quick start (make demo) from a clean clone in a Go-less Debian 12 debootstrap root (slow; FRESH_TARGETS=demo).
	bash test/freshmachine.sh

.PHONY: clean
clean: ## Remove build output.
	rm -rf $(BIN)
