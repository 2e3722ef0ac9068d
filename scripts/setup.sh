#!/usr/bin/env bash
# Sets berth up on a fresh Debian 12 machine (as root) and runs the first demo, offline.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/install-deps.sh
ln -sf "$PWD/bin/berth" /usr/local/bin/berth
echo "berth installed: $(berth --version)"
exec ./scripts/demo.sh
