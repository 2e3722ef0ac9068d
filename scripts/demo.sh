#!/usr/bin/env bash
# The first demo: a busybox image made offline, listed, inspected, saved, removed, loaded
# back to the same ID; containers run from it; and the store verified. Uses its own state root unless BERTH_ROOT is set.
set -euo pipefail
export BERTH_ROOT="${BERTH_ROOT:-/var/lib/berth}"
berth() { "$(dirname "$0")/../bin/berth" "$@"; }
step() { printf '\n\033[1m$ berth %s\033[0m\n' "$*"; berth "$@"; }
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
berth rm -f demo-web demo-node >/dev/null 2>&1 || true # an interrupted earlier demo

step image builtin busybox
step images
step history busybox
step image inspect --format '{{.Id}} {{.Architecture}}/{{.Os}} {{json .Config.Cmd}}' busybox
step save -o "$tmp/busybox.tar" busybox
step rmi busybox
step load -i "$tmp/busybox.tar"
printf 'FROM-DEMO\n' >"$tmp/hello.txt"; tar -C "$tmp" -cf "$tmp/rootfs.tar" hello.txt
step import --change 'CMD ["cat", "/hello.txt"]' "$tmp/rootfs.tar" demo/hello:1
step images
step run --rm busybox echo "hello from a container"
step run -d --name demo-web -v demo-data:/data busybox sh -c 'echo started > /data/log; while :; do sleep 1; done'
step ps
step exec demo-web cat /data/log
step rm -f demo-web
step volume rm demo-data

# the seeds' "build a Docker image for your Node.js app": an offline Node.js base, then the
# multi-stage example app, run with a published port
here="$(cd "$(dirname "$0")/.." && pwd)"
printf '\n\033[1m$ examples/node-base/make.sh\033[0m\n'; "$here/examples/node-base/make.sh"
step build -t node-app:1 "$here/examples/node-app"
berth rm -f demo-node >/dev/null 2>&1 || true
step run -d --name demo-node -p 127.0.0.1:3000:3000 node-app:1
for _ in $(seq 1 50); do curl -fs http://127.0.0.1:3000/ && break; sleep 0.1; done
step rm -f demo-node

# the seeds' "ship" half: berth's own registry on loopback, the app pushed, removed, pulled back
"$here/bin/berth" registry serve --addr 127.0.0.1:0 --root "$tmp/registry" >"$tmp/registry.out" 2>"$tmp/registry.log" &
registry_pid=$!
trap 'kill "$registry_pid" 2>/dev/null || true; rm -rf "$tmp"' EXIT
for _ in $(seq 1 100); do grep -q 'Listening on' "$tmp/registry.out" && break; sleep 0.1; done
reg="$(sed -n 's|^Listening on http://||p' "$tmp/registry.out")"
[ -n "$reg" ] || { echo "the registry did not start: $(cat "$tmp/registry.log")" >&2; exit 1; }
step tag node-app:1 "$reg/demo/node-app:1"
step push "$reg/demo/node-app:1"
step rmi "$reg/demo/node-app:1"
step pull "$reg/demo/node-app:1"
step image inspect --format '{{.Id}} {{json .RepoDigests}}' "$reg/demo/node-app:1"
kill "$registry_pid"

step system df
step system check
