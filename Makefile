# The news pipeline on one machine. `make help` lists the targets.
SHELL := /bin/bash
.DEFAULT_GOAL := help

SWIFT        ?= swift
# The native build system keeps its index store in .build/<triple>/debug/index, where the `index`
# executable must go, and test discovery needs that store; Swift Build keeps them apart.
SWIFT_FLAGS  := --build-system swiftbuild
RUN_DIR      ?= run
# Replicas per stage for make run, e.g. make run TAG_REPLICAS=3.
INGEST_REPLICAS ?= 1
TAG_REPLICAS    ?= 1
INDEX_REPLICAS  ?= 1
NOTIFY_REPLICAS ?= 1
CHAOS_STORIES   ?= 100000
export INGEST_REPLICAS TAG_REPLICAS INDEX_REPLICAS NOTIFY_REPLICAS
RELEASE_BIN   = $(shell $(SWIFT) build -c release $(SWIFT_FLAGS) --show-bin-path)
DEBUG_BIN     = $(shell $(SWIFT) build $(SWIFT_FLAGS) --show-bin-path)

.PHONY: help deps deps-test build build-release install run stop status test test-compose image up down chaos bench fuzz model clean

PREFIX ?= /usr/local

help: ## Show this list
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-14s %s\n", $$1, $$2}'

deps: ## Install missing Debian packages (libzmq3-dev, libsqlite3-dev)
	@scripts/install-deps.sh run

deps-test:
	@scripts/install-deps.sh test

build: deps ## Debug build of everything, tests included
	SWIFT=$(SWIFT) scripts/swift-build.sh $(SWIFT_FLAGS) --build-tests

build-release: deps
	@echo "==> building release binaries (the first build takes a few minutes)"
	SWIFT=$(SWIFT) scripts/swift-build.sh -c release $(SWIFT_FLAGS)

install: build-release ## Put the six programs (ingest, tag, index, notify, newsctl, gateway) in $(PREFIX)/bin, PREFIX=/usr/local by default
	install -d $(DESTDIR)$(PREFIX)/bin
	install -m 755 $(addprefix $(RELEASE_BIN)/,ingest tag index notify newsctl gateway) $(DESTDIR)$(PREFIX)/bin/
	@# The tagger's data (gazetteer, taxonomy, models) is a resource bundle found next to the program.
	@for bundle in $(RELEASE_BIN)/*.bundle $(RELEASE_BIN)/*.resources; do \
	  [ -e "$$bundle" ] && { rm -rf "$(DESTDIR)$(PREFIX)/bin/$$(basename $$bundle)"; cp -R "$$bundle" $(DESTDIR)$(PREFIX)/bin/; }; \
	done; true
	@echo "installed ingest, tag, index, notify, newsctl and gateway in $(DESTDIR)$(PREFIX)/bin"

run: build-release ## Start the pipeline (TAG_REPLICAS=N for replicas, NOTIFY_FLAGS='--smtp-url …' for a stage's options) and stream the sample stories through it
	@echo "==> starting the stages (run directory: $(RUN_DIR))"
	@BIN_DIR=$(RELEASE_BIN) RUN_DIR=$(RUN_DIR) NOTIFY_FLAGS="$(NOTIFY_FLAGS)" INGEST_FLAGS="$(INGEST_FLAGS)" TAG_FLAGS="$(TAG_FLAGS)" \
	  INDEX_FLAGS="$(INDEX_FLAGS)" scripts/pipeline.sh start
	@BIN_DIR=$(RELEASE_BIN) RUN_DIR=$(RUN_DIR) scripts/demo.sh

stop: ## Stop the pipeline started by make run
	@BIN_DIR=$(RELEASE_BIN) RUN_DIR=$(RUN_DIR) scripts/pipeline.sh stop

status: ## Show each stage's status
	@BIN_DIR=$(RELEASE_BIN) RUN_DIR=$(RUN_DIR) scripts/pipeline.sh status

test: deps-test ## Build and run every test (unit and end-to-end)
	python3 scripts/check-imports.py
	SWIFT=$(SWIFT) scripts/swift-build.sh $(SWIFT_FLAGS) --build-tests
	NEWS_BIN_DIR=$(DEBUG_BIN) $(SWIFT) test $(SWIFT_FLAGS) --skip-build

bench: build-release ## Benchmarks, each beside a peer measured in the same run (figures in run/bench/)
	@BIN_DIR=$(RELEASE_BIN) RUN_DIR=$(RUN_DIR) scripts/bench.sh

image: deps-docker ## The service image, built offline: a debootstrap Debian base and statically linked binaries
	@scripts/image.sh

up: image ## Run deploy/compose.yaml (starts a private dockerd when none runs); scale with docker-compose up --scale
	@docker-compose -f deploy/compose.yaml up -d
	@echo "the stack is up: docker-compose -f deploy/compose.yaml ps; newsctl inside: docker-compose -f deploy/compose.yaml exec ingest newsctl status"

down: ## Stop the compose stack (data volumes stay) and the dockerd make started, if any
	@docker-compose -f deploy/compose.yaml down || true
	@scripts/dockerd.sh stop

test-compose: deps-docker ## The compose stack for real: up, seeds, search, alert, restart, scale tag to 3, down
	@scripts/compose-test.sh

deps-docker:
	@scripts/install-deps.sh docker

chaos: deps-test build-release ## The fault tests at 100,000 stories (CHAOS_STORIES=N to change), on the release stages
	SWIFT=$(SWIFT) scripts/swift-build.sh $(SWIFT_FLAGS) --build-tests
	@# The stages under test are the release programs a deployment runs: at 100,000 stories a debug
	@# ingest (its duplicate detection unoptimised) takes longer than the tests' time limits.
	NEWS_CHAOS_STORIES=$(CHAOS_STORIES) NEWS_BIN_DIR=$(RELEASE_BIN) $(SWIFT) test $(SWIFT_FLAGS) --skip-build --filter FaultTests

fuzz: deps ## libFuzzer over ingest's parsers for FUZZ_SECONDS (default 300); crash inputs go to Tests/StageTests/FuzzInputs
	@RUN_DIR=$(RUN_DIR) scripts/fuzz.sh

IPTC ?= ../shared/data/iptc/mediatopics.json
NER  ?= ../shared/data/ner

model: build-release ## Regenerate the taxonomy and retrain the bundled topic and entity models from data/ (commit the result)
	python3 scripts/generate-taxonomy.py --mediatopics $(IPTC)
	@mkdir -p $(RUN_DIR)
	$(RELEASE_BIN)/tag train --data data/topics --data seeds/labelled.jsonl --definitions $(IPTC) --top-level --body-words 60 --hold-out 10 --out $(RUN_DIR)/topics-heldout.model
	$(RELEASE_BIN)/tag train --data data/topics --data seeds/labelled.jsonl --definitions $(IPTC) --top-level --body-words 60 --out Sources/TagStage/Resources/topics.model
	$(RELEASE_BIN)/tag train-entities --data $(NER)/wikigold --data $(NER)/btc --data $(NER)/wnut17 --data data/entities --hold-out 10 --out Sources/TagStage/Resources/entities.model

clean: ## Remove build products and the run directory
	rm -rf .build .build-fuzz $(RUN_DIR)
