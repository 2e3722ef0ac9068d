#!/usr/bin/env bash
# Installs what berth and its tests need on Debian 12, then builds berth. Idempotent: a second
# run installs and rebuilds only what is missing or out of date. Run as root.
set -euo pipefail
cd "$(dirname "$0")/.."
export DEBIAN_FRONTEND=noninteractive

# runc: the OCI runtime; tini: --init; busybox-static: the built-in busybox image; skopeo, umoci: interop tests (tools nobody here
# wrote), docker-registry (CNCF distribution, the registry peer of the pull/push tests); zstd: zstd-compressed test input; make: node-gyp builds the native addon;
# procps: `berth top` runs the host's ps; iproute2 (ip), util-linux (nsenter), nftables,
# iptables: bridges, veths, NAT and published ports; aardvark-dns: names on user networks;
# gcc, libc6-dev: the tests build a static UDP echo server (busybox's nc has no UDP)
need=()
for p in runc tini busybox-static procps iproute2 util-linux nftables iptables aardvark-dns \
  skopeo umoci docker-registry zstd make gcc libc6-dev curl; do
  dpkg -s "$p" >/dev/null 2>&1 || need+=("$p")
done
if [ ${#need[@]} -gt 0 ]; then
  echo "installing ${need[*]} (apt)"
  apt-get update -qq
  apt-get install -y -qq "${need[@]}" >/dev/null
fi

# npm ci only when the lock file changed since the last install
stamp=node_modules/.berth-lock-stamp
if [ ! -f "$stamp" ] || ! cmp -s package-lock.json "$stamp"; then
  npm ci --no-audit --no-fund --loglevel=error
  cp package-lock.json "$stamp"
fi

[ -f native/build/Release/berth_native.node ] && [ native/build/Release/berth_native.node -nt native/berth_native.c ] ||
  npm run --silent build:native
make -s -C native/monitor
npm run --silent build
