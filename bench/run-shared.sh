#!/usr/bin/env bash
# run-shared.sh - berth as a column of the shared peer harness
# (/work/shared/bench/run-all.sh, see its README.md), limited to the workloads
# berth can do today. Each workload needs these berth commands:
#
#   w1  run --rm (+ busybox image)                  start latency
#   w2  run -d, ps, rm -f                           density
#   w3  build                                       build
#   w4  push, pull, tag (+ images (a)/(b))          registry
#   w5  save -o, load -i (+ image (a))              save/load of a 270 MB image
#
# The script asks berth (`berth CMD --help`) which commands exist, keeps the
# workloads whose commands all exist, says which ones it skips and why, and
# exits 0 without running anything if none is left. Images berth cannot build
# yet are seeded from docker's build of the same Dockerfile (`docker save |
# berth load`), and FRESH_IMAGES=0 keeps the driver from deleting them.
#
#   bench/run-shared.sh                 # docker + berth, every supported workload
#   WORKLOADS=w5 W5_RUNS=10 bench/run-shared.sh
#   DRY_RUN=1 bench/run-shared.sh       # only print what would run
#
# Knobs: WORKLOADS (requested, default "w1 w2 w3 w4 w5"; unsupported ones are
#   dropped), ENGINES ("docker berth"), BERTH (/work/main/bin/berth),
#   SHARED_BENCH (/work/shared/bench), WORK (/tmp/berth-bench), DRY_RUN (0),
#   KEEP_BERTH_ROOT (0). Everything else (W5_RUNS, RUNS, OUT...) goes to
#   run-all.sh unchanged.
# berth's state lives in its own root $WORK/berth-root-shared (deleted at the
# end unless KEEP_BERTH_ROOT=1). In docker, the only image this script may
# create and then delete again is berth-bench/big:latest or berth-bench/w3:latest,
# and only when it was not there before.
set -euo pipefail

BENCH_DIR="$(cd "$(dirname "$0")" && pwd)"
SHARED_BENCH="${SHARED_BENCH:-/work/shared/bench}"
BERTH="${BERTH:-$(cd "$BENCH_DIR/.." && pwd)/bin/berth}"
export WORK="${WORK:-/tmp/berth-bench}"
export BERTH_ROOT="${BERTH_ROOT_SHARED:-$WORK/berth-root-shared}"
# short: a container's attach socket is <runroot>/<64-hex id>/attach.sock, and unix socket
# paths end at 107 bytes
export BERTH_RUNROOT="${BERTH_RUNROOT_SHARED:-/tmp/bbs.$$}"
[ $((${#BERTH_RUNROOT} + 1 + 64 + 12)) -le 107 ] || { echo "BERTH_RUNROOT $BERTH_RUNROOT is too long for unix sockets" >&2; exit 1; }
REQUESTED="${WORKLOADS:-w1 w2 w3 w4 w5}"
export ENGINES="${ENGINES:-docker berth}"
DRY_RUN="${DRY_RUN:-0}"

say() { printf '[run-shared] %s\n' "$*" >&2; }

[ -x "$SHARED_BENCH/run-all.sh" ] || { say "no shared harness at $SHARED_BENCH"; exit 1; }
[ -x "$BERTH" ] || { say "berth not found at $BERTH (npm run build)"; exit 1; }
case "$BERTH_ROOT" in /var/lib/*) say "refusing to use $BERTH_ROOT as the bench root"; exit 1 ;; esac
"$BERTH" --version >/dev/null || { say "$BERTH --version failed"; exit 1; }

# berth_has CMD...: true if every command is known to berth
berth_has() {
  local c
  for c in "$@"; do "$BERTH" "$c" --help >/dev/null 2>&1 || return 1; done
}
needs() { # workload -> berth commands it needs
  case "$1" in
    w1) echo "run" ;;
    w2) echo "run ps rm" ;;
    w3) echo "build" ;;
    w4) echo "push pull tag" ;;
    w5) echo "save load" ;;
  esac
}

SUPPORTED=()
for w in $REQUESTED; do
  missing=()
  for c in $(needs "$w"); do berth_has "$c" || missing+=("$c"); done
  if [ ${#missing[@]} -eq 0 ]; then
    SUPPORTED+=("$w")
  else
    say "skipping $w: berth has no \`${missing[*]}\` command yet"
  fi
done
if [ ${#SUPPORTED[@]} -eq 0 ]; then
  say "none of the requested workloads ($REQUESTED) can run on berth today; nothing measured."
  exit 0
fi
say "workloads berth can run: ${SUPPORTED[*]}"

# Seed the images the workloads need and berth cannot build itself.
HAS_BUILD=0; berth_has build && HAS_BUILD=1
seed_refs=()
for w in "${SUPPORTED[@]}"; do
  case "$w" in
    # the builds' FROM busybox is berth's built-in busybox (nothing is pulled: no Docker Hub here)
    w1 | w2 | w3) seed_refs+=(busybox) ;;
    w4) seed_refs+=(busybox berth-bench/big:latest berth-bench/w3:latest) ;;
    w5) seed_refs+=(berth-bench/big:latest) ;;
  esac
done

created_in_docker=()
cleanup() {
  local rc=$? r
  set +e
  for r in "${created_in_docker[@]}"; do docker rmi -f "$r" >/dev/null 2>&1; done
  # system reset first: bridges, firewall tables and DNS outlive a plain rm -rf of the root
  [ "${KEEP_BERTH_ROOT:-0}" = 1 ] || { timeout 120 "$BERTH" system reset -f >/dev/null 2>&1; rm -rf "$BERTH_ROOT" "$BERTH_RUNROOT"; }
  exit "$rc"
}
[ "$DRY_RUN" = 1 ] || trap cleanup EXIT

seed() { # REF: put REF into berth's root unless it is there already
  local ref="$1"
  "$BERTH" image inspect -f '{{.Id}}' "$ref" >/dev/null 2>&1 && return 0
  if [ "$ref" = busybox ]; then
    say "seeding busybox: berth image builtin busybox"
    "$BERTH" image builtin busybox >/dev/null
    return
  fi
  [ "$HAS_BUILD" = 1 ] && return 0 # the harness builds it with berth itself
  if ! docker image inspect "$ref" >/dev/null 2>&1; then
    say "building $ref with docker (legacy builder, the harness's own Dockerfile)"
    # shellcheck disable=SC1091
    (export ENGINE=docker LABEL=docker DOCKER_BUILDKIT=0
      source "$SHARED_BENCH/lib/common.sh"
      case "$ref" in berth-bench/big:*) ensure_big_image ;; *) ensure_w3_image ;; esac)
    created_in_docker+=("$ref")
  fi
  say "seeding $ref into berth: docker save | berth load (berth has no build yet)"
  docker save "$ref" | "$BERTH" load -q >/dev/null
}

if [ "$DRY_RUN" = 1 ]; then
  say "would seed: ${seed_refs[*]:-nothing}"
  say "would run: ENGINES=\"$ENGINES\" ENGINE_CMD_berth=$BERTH WORKLOADS=\"${SUPPORTED[*]}\" FRESH_IMAGES=$([ "$HAS_BUILD" = 1 ] && echo "${FRESH_IMAGES:-1}" || echo 0) $SHARED_BENCH/run-all.sh"
  exit 0
fi

mkdir -p "$WORK"
for r in "${seed_refs[@]}"; do seed "$r"; done

# FRESH_IMAGES=1 would delete the seeded images, which berth cannot rebuild.
if [ "$HAS_BUILD" = 1 ]; then fresh="${FRESH_IMAGES:-1}"; else fresh=0; fi

# berth on PATH too, so that the harness's versions.sh can print `berth --version`.
PATH="$(dirname "$BERTH"):$PATH" \
  ENGINE_CMD_berth="$BERTH" \
  DAEMON_COMMS_berth="${DAEMON_COMMS_berth:-}" \
  FRESH_IMAGES="$fresh" \
  WORKLOADS="${SUPPORTED[*]}" \
  "$SHARED_BENCH/run-all.sh"
