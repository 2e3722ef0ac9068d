#!/usr/bin/env bash
# The registry client against CNCF distribution on 127.0.0.1: berth push / pull vs skopeo copy,
# for one 256 MiB incompressible layer and for 2,000 small files. Ratios are berth / skopeo.
#
#   bench/registry-client.sh            # RUNS=3; WORK=/tmp/berth-bench; SIZE_MB=256
#
# What is measured:
# - push: from the local store to an empty registry (the registry's storage is wiped before
#   each run, and berth forgets its compressed copies, so both compress and upload every time);
#   skopeo copies the same image from an OCI layout written by `berth save --format oci`.
# - pull: from the registry into berth's store (verified, unpacked into snapshots) vs skopeo into
#   an OCI layout (verified, not unpacked).
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh
BERTH="${BERTH:-$PWD/bin/berth}"
RUNS="${RUNS:-3}"
SIZE_MB="${SIZE_MB:-256}"
WORK="${WORK:-/tmp/berth-bench}"
RES="$WORK/results/registry-client-$(date -u +%Y%m%dT%H%M%S)"
SCR="$WORK/registry-client-scratch"
mkdir -p "$RES"
rm -rf "$SCR" && mkdir -p "$SCR"
ERRORS=()
REG_PID=""
cleanup() {
  [ -n "$REG_PID" ] && kill "$REG_PID" 2>/dev/null || true
  rm -rf "$SCR"
}
trap cleanup EXIT

PORT="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
HOST="127.0.0.1:$PORT"
cat >"$SCR/registry.yml" <<YML
version: 0.1
log: { level: error, accesslog: { disabled: true } }
storage: { filesystem: { rootdirectory: $SCR/registry }, delete: { enabled: true } }
http: { addr: $HOST }
YML
/usr/bin/docker-registry serve "$SCR/registry.yml" >"$RES/registry.log" 2>&1 &
REG_PID=$!
for _ in $(seq 1 100); do curl -fs "http://$HOST/v2/" >/dev/null && break; sleep 0.1; done

export BERTH_ROOT="$SCR/root" DOCKER_CONFIG="$SCR/docker-config"
log "fixtures: ${SIZE_MB} MiB random file; 2,000 small files"
mkdir -p "$SCR/big" "$SCR/small"
head -c "$((SIZE_MB << 20))" /dev/urandom >"$SCR/big/data.bin"
for i in $(seq 1 2000); do head -c "$((1024 + (i * 37) % 4096))" /dev/urandom | base64 >"$SCR/small/f$i.txt"; done
tar -C "$SCR/big" -cf "$SCR/big.tar" . && tar -C "$SCR/small" -cf "$SCR/small.tar" .

ROWS=()
for fx in big small; do
  "$BERTH" import "$SCR/$fx.tar" "$HOST/berth-$fx:1" >/dev/null
  "$BERTH" save --format oci -o "$SCR/$fx-oci.tar" "$HOST/berth-$fx:1"
  mkdir -p "$SCR/$fx-oci" && tar -C "$SCR/$fx-oci" -xf "$SCR/$fx-oci.tar"
  wipe="rm -rf $SCR/registry/docker $BERTH_ROOT/metadata/distribution.json"
  hf "push-berth-$fx" --runs "$RUNS" --prepare "sh -c '$wipe'" -- "$BERTH" push -q "$HOST/berth-$fx:1"
  hf "push-skopeo-$fx" --runs "$RUNS" --prepare "sh -c '$wipe'" -- \
    skopeo copy -q --dest-tls-verify=false --dest-compress "oci:$SCR/$fx-oci" "docker://$HOST/skopeo-$fx:1"
  "$BERTH" push -q "$HOST/berth-$fx:1" >/dev/null
  hf "pull-berth-$fx" --runs "$RUNS" --prepare "sh -c '$BERTH rmi -f $HOST/berth-$fx:1 >/dev/null 2>&1 || true'" -- \
    "$BERTH" pull -q "$HOST/berth-$fx:1"
  hf "pull-skopeo-$fx" --runs "$RUNS" --prepare "rm -rf $SCR/pulled-$fx" -- \
    skopeo copy -q --src-tls-verify=false "docker://$HOST/berth-$fx:1" "oci:$SCR/pulled-$fx:x"
  for op in push pull; do
    b="$(median "$op-berth-$fx")" s="$(median "$op-skopeo-$fx")"
    known "$b" || ERRORS+=("$op-berth-$fx")
    known "$s" || ERRORS+=("$op-skopeo-$fx")
    ROWS+=("| $op, $fx | $(fmt_t "$b") | $(fmt_t "$s") | $(ratio "$b" "$s") |")
  done
done

{
  echo "## Registry client: berth vs skopeo against CNCF distribution ($HOST), median of $RUNS"
  echo
  echo "big = one ${SIZE_MB} MiB incompressible layer; small = 2,000 files of 1–5 KiB (base64)."
  echo
  echo "| workload | berth | skopeo | berth / skopeo |"
  echo "|---|---|---|---|"
  printf '%s\n' "${ROWS[@]}"
  echo
  report_footer
} | tee "$RES.md"
