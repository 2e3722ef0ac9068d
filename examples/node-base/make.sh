#!/usr/bin/env bash
# Makes berth-node:20, an offline Node.js base image: the built-in busybox plus this host's own
# node binary and the shared libraries it links (no registry, no apt inside a container).
# Usage: examples/node-base/make.sh   (uses BERTH_ROOT like every berth command)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
berth() { "$here/../../bin/berth" "$@"; }
node="$(readlink -f "$(command -v node)")"
ctx="$(mktemp -d)"; trap 'rm -rf "$ctx"' EXIT
mkdir -p "$ctx/rootfs/usr/local/bin"
cp "$node" "$ctx/rootfs/usr/local/bin/node"
# the libraries and the loader node needs, at the paths it looks for them
ldd "$node" | awk '/=> \//{print $3} /^[ \t]*\/lib/{print $1}' | while read -r lib; do
  mkdir -p "$ctx/rootfs$(dirname "$lib")"
  cp -L "$lib" "$ctx/rootfs$lib"
done
cp "$here/Dockerfile" "$ctx/Dockerfile"
berth image builtin busybox >/dev/null
berth build -q -t berth-node:20 --network none "$ctx"
