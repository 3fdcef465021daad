# mediashare — developer entry points. `make run` and `make test` install whatever is missing.
#
# Tool versions are pinned in tools/requirements.txt (the only place) and installed into .venv.

SHELL := bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := help
.DELETE_ON_ERROR:

VENV        := .venv
TOOLS_STAMP := $(VENV)/.tools-installed
PYTHON      ?= python3
CFN_LINT    := $(CURDIR)/$(VENV)/bin/cfn-lint
WITH_MOTO   := tools/with-moto.sh
RUNNER      := target/debug/mediashare-local
RUN_PORT    ?= 4566

# The local stack talks to an emulator with dummy credentials and human-readable logs.
LOCAL_ENV := LOG_FORMAT=text

# Native builds on an arm64 host; zig (shipped with cargo-lambda in .venv) cross-links elsewhere.
ifneq ($(filter aarch64 arm64,$(shell uname -m)),)
LAMBDA_COMPILER := --compiler cargo
else
LAMBDA_COMPILER := --compiler cargo-zigbuild
endif

.PHONY: help run run-external require-endpoint emulator test lint lint-template build build-lambda deploy keys \
        tools ffmpeg browser clean clean-tools

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-16s %s\n", $$1, $$2}'

# --------------------------------------------------------------------------------------------
# Installs
# --------------------------------------------------------------------------------------------
tools: $(TOOLS_STAMP) ## install the pinned tools (moto, cfn-lint, cargo-lambda) into .venv

$(TOOLS_STAMP): tools/requirements.txt
	@if [ ! -x $(VENV)/bin/pip ]; then \
	  rm -rf $(VENV); \
	  $(PYTHON) -m venv $(VENV) 2>/dev/null || { \
	    echo "python3 cannot create a virtualenv: installing python3-venv"; rm -rf $(VENV); \
	    $(call as_root,apt-get update -qq && apt-get install -y -qq python3-venv python3-pip) && \
	    $(PYTHON) -m venv $(VENV); }; \
	fi
	$(VENV)/bin/pip install --quiet --disable-pip-version-check -r tools/requirements.txt
	@touch $@

ffmpeg: ## install ffmpeg/ffprobe with apt-get when they are not on PATH
	@if command -v ffmpeg >/dev/null 2>&1 && command -v ffprobe >/dev/null 2>&1; then exit 0; fi; \
	if ! command -v apt-get >/dev/null 2>&1; then \
	  echo "ffmpeg and ffprobe are missing: install them with your package manager" >&2; exit 1; fi; \
	echo "installing ffmpeg (apt-get)"; \
	$(call as_root,apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq ffmpeg >/dev/null)

# The real-client tests (local/tests/clients.rs) drive Debian's chromium with playwright-core
# and play HLS with hls.js: both npm packages are pinned in tools/browser/package-lock.json and
# installed with `npm ci` (playwright-core never downloads a browser of its own here).
BROWSER_DIR   := tools/browser
BROWSER_STAMP := $(BROWSER_DIR)/node_modules/.installed

browser: $(BROWSER_STAMP) ## install chromium and node/npm (apt-get) when missing, and the pinned npm packages
	@if command -v chromium >/dev/null 2>&1; then exit 0; fi; \
	if ! command -v apt-get >/dev/null 2>&1; then \
	  echo "chromium is missing: install it with your package manager" >&2; exit 1; fi; \
	echo "installing chromium (apt-get)"; \
	$(call as_root,apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null)

$(BROWSER_STAMP): $(BROWSER_DIR)/package.json $(BROWSER_DIR)/package-lock.json
	@if ! command -v npm >/dev/null 2>&1; then \
	  if ! command -v apt-get >/dev/null 2>&1; then \
	    echo "node and npm are missing: install them with your package manager" >&2; exit 1; fi; \
	  echo "installing nodejs and npm (apt-get)"; \
	  $(call as_root,apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm >/dev/null); \
	fi
	@node -e 'process.exit(Number(process.versions.node.split(".")[0]) >= 20 ? 0 : 1)' || { \
	  echo "playwright-core needs Node.js 20 or later (this is $$(node --version))" >&2; exit 1; }
	cd $(BROWSER_DIR) && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund --loglevel=error
	@touch $@

# Runs a shell command as root: directly when root, else through passwordless sudo.
as_root = if [ "$$(id -u)" = 0 ]; then sh -c '$(1)'; \
  elif command -v sudo >/dev/null 2>&1; then sudo sh -c '$(1)'; \
  else echo "need root (or sudo) for: $(1)" >&2; exit 1; fi

# --------------------------------------------------------------------------------------------
# Run
# --------------------------------------------------------------------------------------------
build: ## build the local runner (crate mediashare-local)
	cargo build -p mediashare-local

run: tools ffmpeg build ## run everything locally: moto on :4566 (or the one already there) + the runner on :3000
	$(WITH_MOTO) --reuse $(RUN_PORT) -- env $(LOCAL_ENV) $(RUNNER) serve

run-external: require-endpoint build ## run the runner against $AWS_ENDPOINT_URL (LocalStack, …) without moto
	env AWS_ACCESS_KEY_ID=$${AWS_ACCESS_KEY_ID:-test} AWS_SECRET_ACCESS_KEY=$${AWS_SECRET_ACCESS_KEY:-test} \
	  AWS_REGION=$${AWS_REGION:-us-east-1} $(LOCAL_ENV) $(RUNNER) serve

require-endpoint:
	@if [ -z "$${AWS_ENDPOINT_URL:-}" ]; then \
	  echo "set AWS_ENDPOINT_URL (e.g. AWS_ENDPOINT_URL=http://localhost:4566 make run-external)" >&2; exit 1; fi

emulator: tools ## only the emulator: moto on :4566 until Ctrl-C
	$(WITH_MOTO) --reuse $(RUN_PORT) -- bash -c 'echo "moto: $$AWS_ENDPOINT_URL (Ctrl-C stops it)"; \
	  while :; do sleep 3600; done'

# --------------------------------------------------------------------------------------------
# Checks
# --------------------------------------------------------------------------------------------
lint-template: tools ## cfn-lint template.yaml
	$(CFN_LINT) template.yaml

lint: lint-template ## cfn-lint, rustfmt check and clippy (warnings are errors)
	cargo fmt --all -- --check
	cargo clippy --workspace --all-targets -- -D warnings

test: tools ffmpeg browser lint ## lint, then every test (each integration test starts an emulator of its own)
	env $(LOCAL_ENV) CFN_LINT=$(CFN_LINT) cargo test --workspace --exclude functions

# --------------------------------------------------------------------------------------------
# Lambda and AWS
# --------------------------------------------------------------------------------------------
build-lambda: tools ## release bootstrap binaries for Lambda (arm64) in target/lambda/<binary>/
	PATH="$(CURDIR)/$(VENV)/bin:$$PATH" cargo lambda build --release --arm64 $(LAMBDA_COMPILER) --package functions

deploy: tools ## sam build + sam deploy --guided (needs the AWS SAM CLI and AWS credentials)
	@command -v sam >/dev/null 2>&1 || { \
	  echo "make deploy needs the AWS SAM CLI ('sam'); install it first (it is not a project tool)" >&2; exit 1; }
	PATH="$(CURDIR)/$(VENV)/bin:$$PATH" sam build
	sam deploy --guided

keys: ## print a fresh JWT_SIGNING_KEYS value (store it in Secrets Manager)
	@cargo run -q -p mediashare-local -- keys

clean: ## remove build outputs, local state and logs (keeps .venv)
	cargo clean
	rm -rf .aws-sam .local

clean-tools: ## remove .venv (the next make run/test reinstalls it)
	rm -rf $(VENV)

# --------------------------------------------------------------------------------------------
# Benchmarks
# --------------------------------------------------------------------------------------------
.PHONY: bench-transcode

bench-transcode: ffmpeg ## measure the single-decode HLS ladder against one ffmpeg per rung (docs/benchmarks.md)
	cargo run -p mediashare --example ladder_bench

# Release builds of two baselines (bench/coldstart) and of a representative set of functions
# (COLDSTART_ARGS=--all: all of them, ~1 min of linking each), then 30 cold starts of each.
.PHONY: bench-coldstart
bench-coldstart: tools ## cold start and size of the functions against two baselines (docs/benchmarks.md)
	$(VENV)/bin/python bench/coldstart/coldstart.py $(COLDSTART_ARGS)

# Warm latency per route against the bare DynamoDB call it wraps, then a bounded wrk load test;
# release build of the runner. wrk comes from apt (Debian 12: 4.1.0).
.PHONY: bench-api wrk
bench-api: tools wrk ## warm latency per route vs the bare SDK call, and a wrk load test (docs/benchmarks.md)
	cargo run --release -p mediashare-local --example api_bench

wrk:
	@command -v wrk >/dev/null 2>&1 || { echo "installing wrk (apt-get)"; \
	  $(call as_root,apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null); }
