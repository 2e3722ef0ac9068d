#!/usr/bin/env bash
# build.sh - `berth build` side by side with Docker's legacy builder, BuildKit and
# Podman (buildah), in ONE run.
#
# The fixture is the shared W3 build context, made by
# /work/shared/bench/fixtures/gen-build-context.sh (2,000 files of 1-4 KiB in 20x10
# nested dirs, a 64 MiB incompressible file, a builder stage whose RUN writes 500
# files, COPY --from=builder, a .dockerignore excluding 32 MiB + 220 files). Its
# Dockerfile says `FROM busybox`: berth uses `berth image builtin busybox` in a
# private root, docker and podman the busybox that setup-peers.sh imported (it has
# sh, mkdir, ls, which is all the fixture's RUNs need). The RUNs need no network:
# every engine builds with `--network none` (BUILD_NETWORK), and nothing is pulled
# (podman gets --pull=never; docker and BuildKit find busybox in the image store).
#
# Columns (engines):
#   berth     $BERTH build --network none -t TAG CTX
#   docker    the PATH docker with DOCKER_BUILDKIT=0 (the legacy builder)
#   BuildKit  DOCKER_BUILDKIT=1 with a client that has BuildKit: the PATH docker if
#             `docker buildx version` works, else a client < 23 (Debian's 20.10
#             /usr/bin/docker, whose built-in BuildKit support talks to dockerd).
#             BK_DOCKER overrides.
#   podman    podman build --pull=never --network none -t TAG CTX
# Rows, per engine, each a hyperfine -N series, median:
#   1.  cold build: `build --no-cache`; --prepare removes the images this run made
#       (the tag and its intermediate/stage images), then `sync`. COLD_RUNS (RUNS).
#       BuildKit keeps its cache records (the context snapshot among them), berth its
#       build cache: --no-cache only stops them from being used as results.
#   1b. the same, but --prepare also empties the builder cache of this run: berth
#       `builder prune -af` (private root), BuildKit the cache records this run made
#       (`builder prune -af --filter id=<id>` each, recorded against a baseline taken
#       at the start). Legacy docker and podman have no cache besides the images.
#   2.  no-change rebuild (everything cached): WARMUP (1) + RUNS (5); --prepare sync.
#   3.  rebuild after one small file changed: --prepare rewrites
#       src/mod07/pkg3/file5.dat as its original content plus "bench change <n>"
#       (n counts up, so every run sees new content), then `sync`. WARMUP + RUNS.
# Before the series, one untimed build checks that the engine works, and one
# `run --rm --network none TAG busybox sh -c ...` counts the files the image has
# under /app (must be 2503, no *.tmp: the .dockerignore is honoured).
# Targets for berth: row 1 <= BuildKit, row 2 <= 0.75 x BuildKit, row 3 <= BuildKit.
# Prints a markdown table and writes it to $WORK/results/build-<timestamp>.md, the
# hyperfine JSON and logs to $WORK/results/build-<timestamp>/.
#
# Network traffic: none beyond the local daemons' sockets (builds use --network none).
# Run after /work/shared/bench/setup-peers.sh, as root, and `npm run build`.
# Knobs: WORK (/tmp/berth-bench), RUNS (5), COLD_RUNS (RUNS), WARMUP (1),
#   BUILD_NETWORK (none), PEERS ("docker buildkit podman"; empty = berth alone),
#   BK_DOCKER (the client used for BuildKit), CMD_TIMEOUT (300: a single engine
#   command), HF_TIMEOUT (900: a hyperfine series), BERTH, SNAPSHOT (1),
#   BERTH_ROOT_BUILD ($WORK/berth-root-build), BERTH_RUNROOT_BUILD (/tmp/bbb.<pid>),
#   GEN (/work/shared/bench/fixtures/gen-build-context.sh).
# Touches: its own berth root and runroot (deleted at the end after
# `berth system reset -f`), scratch $WORK/build-scratch (the context; deleted), in
# docker and podman the tag berth-bench/build-<pid>, the images labelled
# berth.bench=w3 that appeared during this run (the fixture's LABEL: intermediate
# and stage images), containers named berthbench-b<pid>-*, in podman the build
# containers that appeared during this run, and in dockerd's BuildKit the cache
# records that appeared during this run. Everything else is left alone (no
# `builder prune -a` without a filter). Cleanup runs on error and on Ctrl-C too.
set -euo pipefail

BENCH_DIR="$(cd "$(dirname "$0")" && pwd)"
source "$BENCH_DIR/lib.sh"

# ------------------------------------------------- shared with --prep hooks ----
ecmd() { # COLUMN -> CLI
  case "$1" in
    berth) echo "$BERTH" ;;
    docker) echo docker ;;
    buildkit) echo "$BK_DOCKER" ;;
    podman) echo podman ;;
  esac
}
store_of() { case "$1" in docker | buildkit) echo docker ;; *) echo "$1" ;; esac; } # whose image store
# the image ids of STORE (sorted, full): all for berth (private root), the fixture's
# label for docker and podman
list_images() {
  {
    case "$1" in
      berth) timeout --foreground 120 "$BERTH" images -aq --no-trunc ;;
      *) timeout --foreground 120 "$1" images -aq --no-trunc --filter label=berth.bench=w3 ;;
    esac 2>/dev/null || true
  } | sort -u
}
# remove the images STORE has now and did not have at the start (in passes: a
# parent goes only after its children)
rm_new_images() {
  local s="$1" c ids _
  c=$(case "$s" in berth) echo "$BERTH" ;; *) echo "$s" ;; esac)
  timeout --foreground 120 "$c" rmi -f "$TAG" >/dev/null 2>&1 || true
  for _ in 1 2 3 4 5 6; do
    ids=$(list_images "$s" | comm -23 - "$SCR/baseline-images-$s")
    [ -z "$ids" ] && return 0
    # shellcheck disable=SC2086
    timeout --foreground 120 "$c" rmi -f $ids >/dev/null 2>&1 || true
  done
  log "WARNING: $s images of this run still there after 6 passes: $(echo $ids)"
}
bk_cache_json() {
  timeout --foreground 120 "$BK_DOCKER" system df -v --format '{{json .BuildCache}}' 2>/dev/null || echo '[]'
}
bk_cache_ids() { bk_cache_json | { jq -r '.[]?.ID' 2>/dev/null || true; } | sort -u; }
# remove the BuildKit cache records made since the start: one id at a time (filters of
# the same key are not OR-ed), with -a (or records shared with images are kept), and
# leaves first (a record goes only after its children), one level per pass
prune_new_bk() {
  local ids i _
  for _ in $(seq 1 30); do
    ids=$(bk_cache_json | { jq -r '(map(.Parent) | map(select(. != ""))) as $p | .[]? | select(.ID as $i | $p | index($i) | not) | .ID' 2>/dev/null || true; } \
      | sort -u | comm -23 - "$SCR/baseline-bk-cache")
    [ -z "$ids" ] && break
    for i in $ids; do timeout --foreground 120 "$BK_DOCKER" builder prune -af --filter "id=$i" >/dev/null 2>&1 || true; done
  done
  ids=$(bk_cache_ids | comm -23 - "$SCR/baseline-bk-cache")
  [ -z "$ids" ] || log "WARNING: BuildKit cache records of this run still there: $(echo $ids)"
}
prep() { # MODE COLUMN: hyperfine --prepare hook
  case "$1" in
    cold) rm_new_images "$(store_of "$2")" ;;
    empty)
      rm_new_images "$(store_of "$2")"
      case "$2" in
        berth) timeout --foreground 120 "$BERTH" builder prune -af >/dev/null ;;
        buildkit) prune_new_bk ;;
      esac ;;
    sync) ;;
    touch)
      local n
      n=$(($(cat "$SCR/touch.count" 2>/dev/null || echo 0) + 1))
      echo "$n" >"$SCR/touch.count"
      { cat "$SCR/touch.orig"; echo "bench change $n"; } >"$CTX/$TOUCH_REL" ;;
    *) die "prep: unknown mode $1" ;;
  esac
  sync
}

if [ "${1:-}" = --prep ]; then
  # called by hyperfine with the environment the main run exported
  BERTH="$BB_BERTH" SCR="$BB_SCR" CTX="$BB_CTX" TAG="$BB_TAG" BK_DOCKER="$BB_BK_DOCKER" TOUCH_REL="$BB_TOUCH_REL"
  prep "$2" "$3"
  exit 0
fi

# ------------------------------------------------------------------- setup ----
WORK="${WORK:-/tmp/berth-bench}"
RUNS="${RUNS:-5}"
COLD_RUNS="${COLD_RUNS:-$RUNS}"
WARMUP="${WARMUP:-1}"
BUILD_NETWORK="${BUILD_NETWORK:-none}"
PEERS="${PEERS-docker buildkit podman}"
CMD_TIMEOUT="${CMD_TIMEOUT:-300}"
export HF_TIMEOUT="${HF_TIMEOUT:-900}"
BERTH="${BERTH:-$BENCH_DIR/../bin/berth}"
GEN="${GEN:-/work/shared/bench/fixtures/gen-build-context.sh}"
TAG="berth-bench/build-$$"
PFX="berthbench-b$$"
TOUCH_REL="src/mod07/pkg3/file5.dat"
EXPECT_FILES=2503   # big.bin + 2000 .dat + 500 generated + BUILD_INFO + generated.list

mkdir -p "$WORK"
WORK="$(cd "$WORK" && pwd)"
BERTH="$(cd "$(dirname "$BERTH")" && pwd)/$(basename "$BERTH")"
export BERTH_ROOT="${BERTH_ROOT_BUILD:-$WORK/berth-root-build}"
export BERTH_RUNROOT="${BERTH_RUNROOT_BUILD:-/tmp/bbb.$$}"
SCR="$WORK/build-scratch"
CTX="$SCR/ctx"
TS="$(date +%Y%m%d-%H%M%S)"
LOAD_START="$(cut -d' ' -f1-3 /proc/loadavg)"
RES="$WORK/results/build-$TS"
MD="$WORK/results/build-$TS.md"

for t in hyperfine jq awk comm openssl; do command -v "$t" >/dev/null || die "$t not found (run /work/shared/bench/setup-peers.sh)"; done
[ -x "$BERTH" ] || die "berth not found at $BERTH (cd /work/main && npm run build)"
[ -f "$GEN" ] || die "no fixture generator at $GEN"
case "$BERTH_ROOT" in /var/lib/*) die "refusing to use $BERTH_ROOT as the bench root" ;; esac
case "$BERTH_RUNROOT" in /run/berth | /run/berth/*) die "refusing to use $BERTH_RUNROOT as the bench runroot" ;; esac
[ $((${#BERTH_RUNROOT} + 1 + 64 + 12)) -le 107 ] || die "BERTH_RUNROOT $BERTH_RUNROOT is too long for unix sockets"
for v in RUNS COLD_RUNS; do [ "${!v}" -ge 1 ] 2>/dev/null || die "$v must be a positive integer"; done
[ "$WARMUP" -ge 0 ] 2>/dev/null || die "WARMUP must be a non-negative integer"

HAVE_DOCKER=0; HAVE_PODMAN=0; BK_DOCKER="${BK_DOCKER:-}"; BK_INFO=""
if has_peer docker || has_peer buildkit; then
  if docker info >/dev/null 2>&1; then HAVE_DOCKER=1; else log "docker not usable (dockerd down? run /work/shared/bench/setup-peers.sh): docker and BuildKit columns skipped"; fi
fi
if [ "$HAVE_DOCKER" = 1 ] && has_peer buildkit; then
  if [ -z "$BK_DOCKER" ]; then
    if docker buildx version >/dev/null 2>&1; then
      BK_DOCKER=$(command -v docker); BK_INFO="$BK_DOCKER with $(docker buildx version | head -n1)"
    else
      log "\`docker buildx version\` fails (the PATH client $(docker version --format '{{.Client.Version}}' 2>/dev/null) needs the buildx plugin for BuildKit): looking for a client < 23"
      for c in /usr/bin/docker /bin/docker /usr/local/bin/docker; do
        [ -x "$c" ] || continue
        v=$("$c" version --format '{{.Client.Version}}' 2>/dev/null) || continue
        [ "${v%%.*}" -lt 23 ] 2>/dev/null || continue
        DOCKER_BUILDKIT=1 "$c" build --help 2>&1 | grep -q -- '--progress' || continue
        BK_DOCKER="$c"; BK_INFO="$c (client $v, built-in BuildKit support)"; break
      done
    fi
  else
    BK_INFO="$BK_DOCKER (BK_DOCKER)"
  fi
  [ -n "$BK_DOCKER" ] || log "no docker client with BuildKit found: BuildKit column skipped"
fi
if has_peer podman; then
  if command -v podman >/dev/null; then HAVE_PODMAN=1; else log "podman not found: podman column skipped"; fi
fi
ENGINES=(berth)
[ "$HAVE_DOCKER" = 1 ] && has_peer docker && ENGINES+=(docker)
[ "$HAVE_DOCKER" = 1 ] && [ -n "$BK_DOCKER" ] && ENGINES+=(buildkit)
[ "$HAVE_PODMAN" = 1 ] && ENGINES+=(podman)
has_col() { case " ${ENGINES[*]} " in *" $1 "*) return 0 ;; *) return 1 ;; esac; }

label() { case "$1" in berth) echo berth ;; docker) echo "docker legacy" ;; buildkit) echo BuildKit ;; podman) echo podman ;; esac; }
buildkit_env() { case "$1" in docker) echo 0 ;; buildkit) echo 1 ;; *) echo "" ;; esac; }
build_cmd() { # COLUMN [--no-cache]: the build command as one line (no quoting needed)
  local extra="${2:-}"
  case "$1" in
    podman) echo "podman build --pull=never $extra --network $BUILD_NETWORK -t $TAG $CTX" ;;
    *) echo "$(ecmd "$1") build $extra --network $BUILD_NETWORK -t $TAG $CTX" ;;
  esac | tr -s ' '
}
run_env() { # COLUMN: set DOCKER_BUILDKIT for this column's commands
  local b; b=$(buildkit_env "$1")
  if [ -n "$b" ]; then export DOCKER_BUILDKIT="$b"; else unset DOCKER_BUILDKIT; fi
}
E() { local e="$1"; shift; timeout --foreground "$CMD_TIMEOUT" "$(ecmd "$e")" "$@"; }

ERRORS=()
fail() { # COLUMN WHAT MESSAGE
  local msg; msg=$(printf '%s' "$3" | tail -n 5 | tr '\n' ' ' | sed 's/ *$//')
  log "FAILED $1: $2: $msg"
  ERRORS+=("$(label "$1"): \`$2\`: $msg")
}

# ---------------------------------------------------------------- cleanup ----
BASELINED=0
cleanup() {
  local rc=$?
  set +e
  trap - INT TERM
  local ids f pid m x out
  unset DOCKER_BUILDKIT
  if [ "$BASELINED" = 1 ]; then
    if [ "$HAVE_DOCKER" = 1 ]; then
      ids=$(docker ps -aq --filter "name=^$PFX-")
      # shellcheck disable=SC2086
      [ -n "$ids" ] && docker rm -f $ids >/dev/null 2>&1
      log "cleanup: docker images of this run"; rm_new_images docker
      if [ -n "$BK_DOCKER" ]; then log "cleanup: BuildKit cache records of this run"; prune_new_bk; fi
    fi
    if [ "$HAVE_PODMAN" = 1 ]; then
      ids=$(podman ps -aq --filter "name=^$PFX-")
      # shellcheck disable=SC2086
      [ -n "$ids" ] && podman rm -f -t 0 $ids >/dev/null 2>&1
      # build containers of an interrupted `podman build` (buildah's, seen with --external)
      ids=$(podman ps -aq --no-trunc --external 2>/dev/null | sort -u | comm -23 - "$SCR/baseline-podman-ctrs")
      # shellcheck disable=SC2086
      [ -n "$ids" ] && { log "cleanup: podman build containers left: $(echo $ids | cut -c1-80)"; podman rm -f $ids >/dev/null 2>&1; }
      log "cleanup: podman images of this run"; rm_new_images podman
    fi
  fi
  if [ -d "$BERTH_ROOT" ]; then
    ids=$(timeout --foreground 60 "$BERTH" ps -aq 2>/dev/null)  # every container of this private root is ours
    # shellcheck disable=SC2086
    [ -n "$ids" ] && timeout --foreground 60 "$BERTH" rm -f $ids >/dev/null 2>&1
    out=$(timeout --foreground 120 "$BERTH" system reset -f 2>&1) || log "cleanup: berth system reset -f: $(echo "$out" | tail -n 3)"
  fi
  for f in "$BERTH_RUNROOT"/*/monitor.pid; do
    [ -f "$f" ] || continue
    pid=$(cat "$f" 2>/dev/null)
    [ -n "$pid" ] && [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = berth-monitor ] && kill -KILL "$pid" 2>/dev/null
  done
  if [ -d "$BERTH_RUNROOT/runc" ]; then
    for id in $(runc --root "$BERTH_RUNROOT/runc" list -q 2>/dev/null); do runc --root "$BERTH_RUNROOT/runc" delete -f "$id" >/dev/null 2>&1; done
  fi
  for m in "$BERTH_ROOT" "$BERTH_RUNROOT"; do
    awk -v r="$m/" 'index($2, r) == 1 {print $2}' /proc/mounts | sort -r | while read -r x; do umount -l "$x"; done
  done
  rm -rf "$BERTH_ROOT" "$BERTH_RUNROOT" "$SCR"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

rm -rf "$BERTH_ROOT" "$BERTH_RUNROOT" "$SCR"
mkdir -p "$SCR" "$RES"

# baselines: what exists before this run is never removed
[ "$HAVE_DOCKER" = 1 ] && list_images docker >"$SCR/baseline-images-docker"
[ -n "$BK_DOCKER" ] && bk_cache_ids >"$SCR/baseline-bk-cache"
if [ "$HAVE_PODMAN" = 1 ]; then
  list_images podman >"$SCR/baseline-images-podman"
  podman ps -aq --no-trunc --external 2>/dev/null | sort -u >"$SCR/baseline-podman-ctrs"
fi
BASELINED=1
for e in docker podman; do
  if has_col "$e" || { [ "$e" = docker ] && has_col buildkit; }; then
    if timeout 60 "$e" image inspect "$TAG" >/dev/null 2>&1; then die "$e already has an image $TAG (not made by this run)"; fi
  fi
done

snapshot_berth "$SCR/berth-build"
"$BERTH" --version >/dev/null || die "$BERTH --version failed (is dist/berth.mjs built?)"
log "berth: $BUILD_INFO; root $BERTH_ROOT, runroot $BERTH_RUNROOT"
"$BERTH" image builtin busybox >/dev/null || die "berth image builtin busybox failed"
list_images berth >"$SCR/baseline-images-berth"
log "engines: ${ENGINES[*]}${BK_DOCKER:+; BuildKit via $BK_INFO}"

log "fixture: $GEN $CTX"
bash "$GEN" "$CTX" >"$RES/fixture.log" 2>&1 || die "fixture generator failed: $(tail -n 3 "$RES/fixture.log")"
cat "$RES/fixture.log" >&2
cp -p "$CTX/$TOUCH_REL" "$SCR/touch.orig"
FIXTURE_SUM=$(cd "$CTX" && find . -type f ! -path './ignored/*' -print0 | LC_ALL=C sort -z | xargs -0 cat | sha256sum | cut -c1-12)

export BB_BERTH="$BERTH" BB_SCR="$SCR" BB_CTX="$CTX" BB_TAG="$TAG" BB_BK_DOCKER="$BK_DOCKER" BB_TOUCH_REL="$TOUCH_REL"
PREP="bash $BENCH_DIR/build.sh --prep"

now_ns() { date +%s%N; }
ns_s() { awk -v a="$1" -v b="$2" 'BEGIN{printf "%.6f", (b-a)/1e9}'; }
wait_berth_quiet() { # WHAT: berth's background `container cleanup` processes, at most 30 s
  local t0 i; t0=$(now_ns)
  for i in $(seq 1 300); do
    pgrep -f -- "--runroot $BERTH_RUNROOT container cleanup" >/dev/null || break
    sleep 0.1
  done
  log "berth: background \`container cleanup\` processes done $(ns_s "$t0" "$(now_ns)") s after $1"
}
times_of() { [ -f "$RES/$1.json" ] && jq -r '[.results[0].times[] | (. * 1000 | round / 1000 | tostring)] | join(" ")' "$RES/$1.json" || echo "-"; }

declare -A V=()     # V[<row>-<column>] = median seconds
declare -A NOTE=()  # NOTE[<what>-<column>] = text

series() { # ROW COLUMN HYPERFINE-OPTIONS... -- COMMAND
  local row="$1" e="$2"; shift 2
  hf "$row-$e" "$@"
  V[$row-$e]=$(median "$row-$e")
  if known "${V[$row-$e]}"; then NOTE[$row-$e]="runs (s): $(times_of "$row-$e")"
  else fail "$e" "hyperfine: $(build_cmd "$e") ($row)" "see $RES/$row-$e.log"; unset "V[$row-$e]"; fi
}

for e in "${ENGINES[@]}"; do
  run_env "$e"
  log "== $(label "$e"): ${DOCKER_BUILDKIT:+DOCKER_BUILDKIT=$DOCKER_BUILDKIT }$(build_cmd "$e")"
  # one untimed build: does this builder work at all, and is the image right?
  $PREP cold "$e"
  cmd=$(build_cmd "$e")
  t0=$(now_ns)
  # shellcheck disable=SC2086
  if ! out=$(timeout --foreground "$CMD_TIMEOUT" $cmd 2>&1); then
    echo "$out" >"$RES/first-$e.log"
    fail "$e" "$cmd" "$out"
    if [ "$e" = berth ]; then wait_berth_quiet "the failed build"; fi
    continue
  fi
  echo "$out" >"$RES/first-$e.log"
  NOTE[first-$e]="first build $(ns_s "$t0" "$(now_ns)") s"
  # the content: every file under /app, no *.tmp (.dockerignore), 500 generated files
  check="busybox find /app -type f | busybox wc -l; busybox find /app -name '*.tmp' | busybox wc -l; busybox wc -l </app/generated.list"
  rc_e=$e; [ "$e" = buildkit ] && rc_e=docker  # the image is in dockerd's store either way
  if out=$(E "$rc_e" run --rm --network none --name "$PFX-check" "$TAG" busybox sh -c "$check" 2>&1); then
    read -r nfiles ntmp ngen <<<"$(echo "$out" | tr '\n' ' ')"
    size=$(E "$rc_e" image inspect --format '{{.Size}}' "$TAG" 2>/dev/null | head -n1) || size=
    NOTE[check-$e]="image: ${nfiles:-?} files under /app, ${ntmp:-?} *.tmp, ${ngen:-?} generated; size $(awk -v s="${size:-0}" 'BEGIN{printf "%.1f MB", s/1e6}')"
    if [ "$nfiles" != "$EXPECT_FILES" ] || [ "$ntmp" != 0 ] || [ "$ngen" != 500 ]; then
      fail "$e" "run --rm $TAG busybox sh -c '<count files>'" "image has $nfiles files under /app (expected $EXPECT_FILES), $ntmp *.tmp, $ngen generated"
    fi
  else
    fail "$e" "run --rm --network none $TAG busybox sh -c '<count files>'" "$out"
  fi
  if [ "$e" = berth ]; then wait_berth_quiet "run --rm"; fi

  # shellcheck disable=SC2086
  series cold "$e" --runs "$COLD_RUNS" --prepare "$PREP cold $e" -- $(build_cmd "$e" --no-cache)
  if [ "$e" = berth ] || [ "$e" = buildkit ]; then  # the others keep no cache besides the images: 1b = 1
    # shellcheck disable=SC2086
    series empty "$e" --runs "$COLD_RUNS" --prepare "$PREP empty $e" -- $(build_cmd "$e" --no-cache)
  fi
  # shellcheck disable=SC2086
  series nochange "$e" --warmup "$WARMUP" --runs "$RUNS" --prepare "$PREP sync $e" -- $cmd
  # shellcheck disable=SC2086
  series onefile "$e" --warmup "$WARMUP" --runs "$RUNS" --prepare "$PREP touch $e" -- $cmd
  if [ "$e" = berth ]; then wait_berth_quiet "the last build"; fi
  # free the disk before the next engine (the images of this store; BuildKit's cache stays
  # until the end, like berth's root)
  $PREP cold "$e" >/dev/null 2>&1 || true
done
unset DOCKER_BUILDKIT
BERTH_VERSION=$("$BERTH" --version | head -n1)

# ------------------------------------------------------------------ report ----
cmp() { # A OP B [FACTOR] -> met / NOT met / ?
  { known "${1:-}" && known "${3:-}"; } || { echo "?"; return; }
  awk -v a="$1" -v op="$2" -v b="$3" -v f="${4:-1}" 'BEGIN{ ok = (op == "le") ? (a <= f*b) : (a >= f*b); print (ok ? "met" : "NOT met") }'
}
g() { echo "${V[$1-$2]:-}"; }
cell() { # KEY COLUMN
  if [ "$1" = empty ] && { [ "$2" = docker ] || [ "$2" = podman ]; } && has_col "$2"; then echo "as 1."; else fmt_t "$(g "$1" "$2")"; fi
}
row() { # LABEL KEY TARGET-TEXT
  printf '| %s | %s | %s | %s | %s | %s | %s |\n' "$1" "$(cell "$2" berth)" "$(cell "$2" docker)" \
    "$(cell "$2" buildkit)" "$(cell "$2" podman)" "$(ratio "$(g "$2" berth)" "$(g "$2" buildkit)")" "$3"
}
{
  echo "# berth build vs peers, $(date -u '+%Y-%m-%d %H:%M UTC')"
  echo
  echo "Machine: $(nproc) vCPUs, $(awk '/MemTotal/{printf "%.1f GiB", $2/1048576}' /proc/meminfo), kernel $(uname -r), $(. /etc/os-release && echo "$PRETTY_NAME"), $WORK on $(df -T "$WORK" | awk 'NR==2{print $2}')."
  echo "Tools: $BERTH_VERSION (node $(node --version)), $( [ "$HAVE_DOCKER" = 1 ] && docker version --format 'docker CLI {{.Client.Version}} / dockerd {{.Server.Version}}' 2>/dev/null || echo 'no docker')$( [ -n "$BK_DOCKER" ] && echo "; BuildKit via $BK_INFO"), $( [ "$HAVE_PODMAN" = 1 ] && echo "$(podman --version) ($(podman info --format '{{.Store.GraphDriverName}}' 2>/dev/null) storage)" || echo 'no podman'), $(hyperfine --version)."
  echo "berth build: $BUILD_INFO."
  echo "loadavg at start: $LOAD_START, at end: $(cut -d' ' -f1-3 /proc/loadavg)."
  echo
  echo "Fixture: \`$GEN\` (2,000 files of 1-4 KiB in 20×10 dirs, a 64 MiB incompressible file, a builder stage whose RUN writes 500 files, \`COPY --from=builder\`, a .dockerignore leaving out 32 MiB + 220 files; content hash $FIXTURE_SUM), unchanged, \`FROM busybox\`. All engines build with \`--network $BUILD_NETWORK\` (the RUNs need no network); podman also with \`--pull=never\`, nothing is pulled by anyone."
  echo
  echo "| row | berth | docker legacy | BuildKit | podman | berth/BuildKit | target met? |"
  echo "|---|---:|---:|---:|---:|---:|---|"
  row "1. cold build, \`--no-cache\` (median of $COLD_RUNS)" cold "≤ BuildKit: $(cmp "$(g cold berth)" le "$(g cold buildkit)")"
  row "1b. cold build, \`--no-cache\`, builder cache emptied first (median of $COLD_RUNS)" empty "(no target)"
  row "2. no-change rebuild (median of $RUNS)" nochange "≤ 0.75× BuildKit: $(cmp "$(g nochange berth)" le "$(g nochange buildkit)" 0.75)"
  row "3. rebuild after one small file changed (median of $RUNS)" onefile "≤ BuildKit: $(cmp "$(g onefile berth)" le "$(g onefile buildkit)")"
  echo
  echo "Commands (hyperfine -N; \`TAG\` = $TAG, \`CTX\` = the fixture):"
  for e in "${ENGINES[@]}"; do
    echo "- $(label "$e"): \`$( [ -n "$(buildkit_env "$e")" ] && echo "DOCKER_BUILDKIT=$(buildkit_env "$e") ")$(build_cmd "$e" | sed "s#$CTX#CTX#; s#$TAG#TAG#; s#$BERTH#berth#")\`; RUN steps on network \`$BUILD_NETWORK\`. ${NOTE[first-$e]:-first build failed}; ${NOTE[check-$e]:-no image check}."
  done
  echo
  echo "1. \`--no-cache\`, $COLD_RUNS runs, no warm-up; before each run the images this run made are removed (the tag and its intermediate/stage images), then \`sync\`. BuildKit keeps its cache records (among them the context it was sent last time, so it transfers only changed files) and berth its build cache; \`--no-cache\` only stops them from being used as step results."
  echo "1b. The same, but before each run also the builder cache of this run is emptied: berth \`builder prune -af\`, BuildKit \`builder prune -af --filter id=<id>\` for each cache record made since the start. Legacy docker and podman keep nothing besides the images (their cache is the intermediate images, removed for 1 already), so 1b is not measured again for them (shown as \"as 1.\")."
  echo "2. No change: $WARMUP warm-up + $RUNS runs of the plain build, \`sync\` before each."
  echo "3. Before each of $WARMUP warm-up + $RUNS runs, \`$TOUCH_REL\` (2 KiB) is rewritten as its original content plus \"bench change <n>\" (n counts up), then \`sync\`. COPY src/ and every step after it must run again."
  echo
  echo "Runs per series (seconds):"
  for e in "${ENGINES[@]}"; do
    echo "- $(label "$e"): 1. ${NOTE[cold-$e]:-}; 1b. ${NOTE[empty-$e]:-as 1.}; 2. ${NOTE[nochange-$e]:-}; 3. ${NOTE[onefile-$e]:-}"
  done
  echo
  report_footer
} >"$MD"

cat "$MD"
log "table written to $MD"
