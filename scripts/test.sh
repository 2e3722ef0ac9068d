#!/usr/bin/env bash
# The whole test suite: installs what it needs, checks types/lint/format, then runs every test
# (unit tests of the pure core, integration tests as root against the real kernel, interop
# tests with skopeo and umoci). Ends with the test runner's summary.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/install-deps.sh
npm run --silent check
shopt -s globstar
exec node --import tsx --test --test-concurrency=2 --test-reporter=spec test/**/*.test.ts
