#!/usr/bin/env bash
# containers.sh - berth's containers side by side with Docker and Podman, in ONE run.
#
# Everything uses busybox and `--network none` (networking has its own bench, networks.sh):
#   1. start latency   `run --rm --network none busybox true`, hyperfine -N,
#                      W1_WARMUP (3) + W1_RUNS (20); plus the floor: `runc run`
#                      of a prepared OCI bundle running `true` (as in
#                      /work/shared/bench/w1-floor.sh), no engine at all.
#   2. density         per engine, one after the other: N (50) detached
#                      `run -d --network none --name berthbench-c<pid>-<i> busybox
#                      sleep 3600`, sequential: total wall time. After SETTLE (5)
#                      seconds: host memory of the per-container monitor processes
#                      (the parents of the container init processes: berth-monitor,
#                      containerd-shim, conmon; for berth checked against
#                      $BERTH_RUNROOT/<id>/monitor.pid), RSS and PSS from
#                      /proc/<pid>/smaps_rollup, per container; RSS growth of
#                      dockerd + containerd; MemAvailable drop per container.
#   3. ps              with those N containers running: `ps`, hyperfine -N,
#                      PS_WARMUP (3) + PS_RUNS (20).
#   then, still per engine, the wall time of ONE `rm -f <all N names>`.
# Prints a markdown table (medians; berth/docker and berth/podman ratios: < 1
# means berth is faster or smaller; berth's targets and whether they are met)
# and writes it to $WORK/results/containers-<timestamp>.md, the hyperfine JSON
# and logs to $WORK/results/containers-<timestamp>/.
#
# Podman's `rm -f` stops with the 10 s timeout first (`sleep` as PID 1 ignores
# SIGTERM), while docker's and berth's `rm -f` send SIGKILL at once; so podman
# gets PODMAN_RM_FLAGS ("-t 0") by default. PODMAN_RM_FLAGS= measures plain
# `podman rm -f` (about 80 s for 50 containers).
#
# Run after /work/shared/bench/setup-peers.sh (docker, podman, runc, hyperfine,
# jq, busybox in docker and podman), as root, and `npm run build`.
# Knobs: WORK (/tmp/berth-bench), W1_RUNS (20), W1_WARMUP (3), N (50),
#   SETTLE (5), PS_RUNS (20), PS_WARMUP (3), PEERS ("docker podman"; empty =
#   berth alone), FLOOR (1: measure the runc floor), PODMAN_RM_FLAGS ("-t 0"),
#   ROOTFS_TAR (/tmp/busybox-rootfs.tar: the floor's rootfs; without it the
#   floor uses a copy of the static /bin/busybox), BERTH (bin/berth of this
#   checkout), SNAPSHOT (1: measure a private copy of bin/ + dist/ + the native
#   addon + berth-monitor, so a rebuild during the run changes nothing),
#   BERTH_ROOT_CONTAINERS ($WORK/berth-root-containers),
#   BERTH_RUNROOT_CONTAINERS (/tmp/bbc.<pid>: short, unix socket paths are
#   limited to 108 bytes).
# Touches: its own berth root and runroot (deleted at the end), scratch
# $WORK/containers-scratch (deleted), and in docker and podman only the
# containers named berthbench-c<pid>-* (deleted). Cleanup runs on error and on
# Ctrl-C too. All loops are bounded.
set -euo pipefail

BENCH_DIR="$(cd "$(dirname "$0")" && pwd)"
WORK="${WORK:-/tmp/berth-bench}"
W1_RUNS="${W1_RUNS:-20}"
W1_WARMUP="${W1_WARMUP:-3}"
N="${N:-50}"
SETTLE="${SETTLE:-5}"
PS_RUNS="${PS_RUNS:-20}"
PS_WARMUP="${PS_WARMUP:-3}"
PEERS="${PEERS-docker podman}"
FLOOR="${FLOOR:-1}"
PODMAN_RM_FLAGS="${PODMAN_RM_FLAGS--t 0}"
ROOTFS_TAR="${ROOTFS_TAR:-/tmp/busybox-rootfs.tar}"
BERTH="${BERTH:-$BENCH_DIR/../bin/berth}"
IMAGE=busybox

mkdir -p "$WORK"
WORK="$(cd "$WORK" && pwd)"
BERTH="$(cd "$(dirname "$BERTH")" && pwd)/$(basename "$BERTH")"
export BERTH_ROOT="${BERTH_ROOT_CONTAINERS:-$WORK/berth-root-containers}"
export BERTH_RUNROOT="${BERTH_RUNROOT_CONTAINERS:-/tmp/bbc.$$}"
SCR="$WORK/containers-scratch"
TS="$(date +%Y%m%d-%H%M%S)"
LOAD_START="$(cut -d' ' -f1-3 /proc/loadavg)"
RES="$WORK/results/containers-$TS"
MD="$WORK/results/containers-$TS.md"
PFX="berthbench-c$$"   # every container this run creates is named $PFX-<i>

source "$(dirname "$0")/lib.sh"

for t in hyperfine jq awk; do command -v "$t" >/dev/null || die "$t not found (run /work/shared/bench/setup-peers.sh)"; done
[ -x "$BERTH" ] || die "berth not found at $BERTH (cd /work/main && npm run build)"
case "$BERTH_ROOT" in /var/lib/*) die "refusing to use $BERTH_ROOT as the bench root" ;; esac
case "$BERTH_RUNROOT" in /run/berth | /run/berth/*) die "refusing to use $BERTH_RUNROOT as the bench runroot" ;; esac
# <runroot>/<64-hex id>/attach.sock must fit in sun_path (108 bytes with the NUL)
[ $((${#BERTH_RUNROOT} + 1 + 64 + 12)) -le 107 ] || die "BERTH_RUNROOT $BERTH_RUNROOT is too long for unix sockets"
[ "$N" -ge 1 ] 2>/dev/null || die "N must be a positive integer"

HAVE_DOCKER=0; HAVE_PODMAN=0; HAVE_RUNC=0
if has_peer docker; then
  if docker info >/dev/null 2>&1; then HAVE_DOCKER=1; else log "docker not usable (dockerd down?): docker column skipped"; fi
fi
if has_peer podman; then
  if command -v podman >/dev/null; then HAVE_PODMAN=1; else log "podman not found: podman column skipped"; fi
fi
if [ "$FLOOR" = 1 ]; then
  if command -v runc >/dev/null; then HAVE_RUNC=1; else log "runc not found: no floor"; fi
fi
ENGINES=(berth)
[ "$HAVE_DOCKER" = 1 ] && ENGINES+=(docker)
[ "$HAVE_PODMAN" = 1 ] && ENGINES+=(podman)

# ---------------------------------------------------------------- cleanup ----
NAMES=()
for i in $(seq 1 "$N"); do NAMES+=("$PFX-$i"); done
FLOOR_ID="berth-bench-floor-$$"
cleanup() {
  local rc=$?
  set +e
  trap - INT TERM
  local ids f pid m
  if [ "$HAVE_DOCKER" = 1 ]; then
    ids=$(docker ps -aq --filter "name=^$PFX-")
    # shellcheck disable=SC2086
    [ -n "$ids" ] && docker rm -f $ids >/dev/null 2>&1
  fi
  if [ "$HAVE_PODMAN" = 1 ]; then
    ids=$(podman ps -aq --filter "name=^$PFX-")
    # shellcheck disable=SC2086
    [ -n "$ids" ] && podman rm -f -t 0 $ids >/dev/null 2>&1
  fi
  if [ -d "$BERTH_ROOT" ]; then
    # every container of this private root is ours
    ids=$("$BERTH" ps -aq 2>/dev/null)
    # shellcheck disable=SC2086
    [ -n "$ids" ] && "$BERTH" rm -f $ids >/dev/null 2>&1
  fi
  # monitors that outlived a failed rm (only berth-monitor processes of our runroot)
  for f in "$BERTH_RUNROOT"/*/monitor.pid; do
    [ -f "$f" ] || continue
    pid=$(cat "$f" 2>/dev/null)
    [ -n "$pid" ] && [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = berth-monitor ] && kill -KILL "$pid" 2>/dev/null
  done
  for m in "$BERTH_RUNROOT/runc" "$SCR/runc-floor"; do
    [ -d "$m" ] || continue
    for id in $(runc --root "$m" list -q 2>/dev/null); do runc --root "$m" delete -f "$id" >/dev/null 2>&1; done
  done
  # mounts left under our root (deepest first), then the directories
  awk -v r="$BERTH_ROOT/" 'index($2, r) == 1 {print $2}' /proc/mounts | sort -r | while read -r m; do umount -l "$m"; done
  rm -rf "$BERTH_ROOT" "$BERTH_RUNROOT" "$SCR"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

rm -rf "$BERTH_ROOT" "$BERTH_RUNROOT" "$SCR"
mkdir -p "$SCR" "$RES"

snapshot_berth "$SCR/berth-build"
"$BERTH" --version >/dev/null || die "$BERTH --version failed (is dist/berth.mjs built?)"
log "berth: $BUILD_INFO; root $BERTH_ROOT, runroot $BERTH_RUNROOT"
"$BERTH" image builtin "$IMAGE" >/dev/null || die "berth image builtin $IMAGE failed"

ecmd() { # ENGINE -> its CLI
  case "$1" in berth) echo "$BERTH" ;; *) echo "$1" ;; esac
}

# ------------------------------------------------------------ measurement ----
now_ns() { date +%s%N; }
ns_s() { awk -v a="$1" -v b="$2" 'BEGIN{printf "%.6f", (b-a)/1e9}'; }
# berth's monitor runs `berth container cleanup <id>` (one node process) after each
# container exits, in the background. Wait (at most 30 s) until none of ours is
# left, so it does not run into the next engine's measurement; log how long.
wait_berth_quiet() { # WHAT
  local t0 i; t0=$(now_ns)
  for i in $(seq 1 300); do
    pgrep -f -- "--runroot $BERTH_RUNROOT container cleanup" >/dev/null || break
    sleep 0.1
  done
  log "berth: background \`container cleanup\` processes done $(ns_s "$t0" "$(now_ns)") s after $1"
}

declare -A V=()     # V[<metric>-<engine>] = number (seconds or MiB), absent = not measured
declare -A NOTE=()  # NOTE[<metric>-<engine>] = text

# ---- 1. start latency
log "== 1. run --rm --network none $IMAGE true"
for e in "${ENGINES[@]}"; do
  c=$(ecmd "$e")
  if ! out=$($c run --rm --network none "$IMAGE" true 2>&1); then
    log "FAILED $e run --rm: $(echo "$out" | tail -n 3)"; continue
  fi
  hf "run-$e" --warmup "$W1_WARMUP" --runs "$W1_RUNS" -- "$c" run --rm --network none "$IMAGE" true
  V[run-$e]=$(median "run-$e")
  if [ "$e" = berth ]; then wait_berth_quiet "the last run --rm"; fi
done

FLOOR_MED=null FLOOR_SPEC_MED=null
if [ "$HAVE_RUNC" = 1 ]; then
  bundle="$SCR/floor-bundle"
  mkdir -p "$bundle/rootfs"
  if [ -s "$ROOTFS_TAR" ]; then
    tar -xf "$ROOTFS_TAR" -C "$bundle/rootfs"
    FLOOR_FS="$(basename "$ROOTFS_TAR")"
  else
    mkdir -p "$bundle/rootfs/bin"; cp /bin/busybox "$bundle/rootfs/bin/busybox"
    ln -s busybox "$bundle/rootfs/bin/true"; ln -s busybox "$bundle/rootfs/bin/sh"
    FLOOR_FS="a copy of /bin/busybox"
  fi
  (cd "$bundle" && runc spec)
  jq '.process.args=["true"] | .process.terminal=false' "$bundle/config.json" >"$bundle/c.json"
  mv "$bundle/c.json" "$bundle/config.json"
  # `runc spec` defaults: new pid/net/ipc/uts/mnt namespaces, as `--network none`.
  # runc deletes the container when `true` exits, so the same id is reused.
  fr="$SCR/runc-floor"
  if out=$(runc --root "$fr" run -b "$bundle" "$FLOOR_ID" 2>&1); then
    hf "run-floor-runc" --warmup "$W1_WARMUP" --runs "$W1_RUNS" -- runc --root "$fr" run -b "$bundle" "$FLOOR_ID"
    FLOOR_MED=$(median "run-floor-runc")
  else
    log "runc floor failed: $(echo "$out" | tail -n 3)"
  fi
  runc --root "$fr" delete -f "$FLOOR_ID" >/dev/null 2>&1 || true

  # Floor 2: the same rootfs directory, but berth's own runtime spec (its seccomp
  # profile, capabilities, devices cgroup, masked paths, mounts of hostname/hosts/
  # resolv.conf...): taken from a container `berth create` wrote, so this is what
  # runc alone costs for berth's containers (no node, no monitor, no overlay mount).
  if cid=$("$BERTH" create --network none --name "$PFX-spec" "$IMAGE" true 2>/dev/null) \
    && [ -f "$BERTH_ROOT/containers/$cid/config.json" ]; then
    sb="$SCR/floor-bundle-berth"; mkdir -p "$sb"
    find "$BERTH_ROOT/containers/$cid" -maxdepth 1 -type f ! -name config.json -exec cp -p {} "$sb/" \;
    jq --arg root "$bundle/rootfs" --arg cg "/berthbench-floor-$$" \
      '.root.path = $root | .linux.cgroupsPath = $cg | .process.terminal = false | .process.args = ["true"]' \
      "$BERTH_ROOT/containers/$cid/config.json" | sed "s#$BERTH_ROOT/containers/$cid/#$sb/#g" >"$sb/config.json"
    "$BERTH" rm -f "$cid" >/dev/null 2>&1 || true
    if out=$(runc --root "$fr" run -b "$sb" "$FLOOR_ID" 2>&1); then
      hf "run-floor-runc-berthspec" --warmup "$W1_WARMUP" --runs "$W1_RUNS" -- runc --root "$fr" run -b "$sb" "$FLOOR_ID"
      FLOOR_SPEC_MED=$(median "run-floor-runc-berthspec")
    else
      log "runc floor with berth's spec failed: $(echo "$out" | tail -n 3)"
    fi
    runc --root "$fr" delete -f "$FLOOR_ID" >/dev/null 2>&1 || true
  else
    log "berth create failed or wrote no config.json: no floor with berth's spec"
  fi
fi

# ---- 2. + 3. density, ps, rm -f
# ppid PID -> parent pid; hostns PID -> true if PID lives in the host pid namespace
# (all of them print nothing or 0 and succeed when the process is gone)
ppid_of() { awk '/^PPid:/{print $2}' "/proc/$1/status" 2>/dev/null || true; }
hostns() { [ -r "/proc/$1/status" ] && awk '/^NSpid:/{exit (NF == 2 ? 0 : 1)}' "/proc/$1/status" 2>/dev/null; }
rollup_kb() { # PID FIELD -> kB
  local v; v=$(awk -v f="$2:" '$1 == f {v = $2} END {print v + 0}' "/proc/$1/smaps_rollup" 2>/dev/null) || v=0
  echo "${v:-0}"
}
rss_kb_of_comms() { # COMM... -> total VmRSS (kB) of all processes with these names
  local total=0 p r
  for p in $(pidof "$@" 2>/dev/null); do
    r=$(awk '/^VmRSS:/{print $2}' "/proc/$p/status" 2>/dev/null) || r=0
    total=$((total + ${r:-0}))
  done
  echo "$total"
}
mem_available_kb() { awk '/^MemAvailable:/{print $2}' /proc/meminfo; }

# init_pids ENGINE -> one container init pid per line (our N containers)
init_pids() {
  local e="$1" id
  case "$e" in
    berth)
      for id in $("$BERTH" ps -q --no-trunc --filter "name=^$PFX-"); do
        cat "$BERTH_RUNROOT/$id/container.pid" 2>/dev/null && echo
      done | grep -E '^[0-9]+$' || true
      ;;
    *) $e inspect -f '{{.State.Pid}}' "${NAMES[@]}" 2>/dev/null | grep -E '^[1-9][0-9]*$' || true ;;
  esac
}

density() { # ENGINE
  local e="$1" c n ok=1 out t0 t1 t2 t3 running ma0 ma1 d0=0 d1=0
  c=$(ecmd "$e")
  log "== 2. density, $e: $N x run -d --network none $IMAGE sleep 3600"
  sync; sleep "$SETTLE"
  ma0=$(mem_available_kb)
  if [ "$e" = docker ]; then d0=$(rss_kb_of_comms dockerd containerd); fi
  t0=$(now_ns)
  for n in "${NAMES[@]}"; do
    if ! out=$($c run -d --network none --name "$n" "$IMAGE" sleep 3600 2>&1); then ok=0; break; fi
  done
  t1=$(now_ns)
  if [ "$ok" != 1 ]; then
    log "FAILED $e run -d --name $n: $(echo "$out" | tail -n 3)"
    NOTE[start-$e]="failed at $n"
  else
    V[start-$e]=$(ns_s "$t0" "$t1")
    V[startper-$e]=$(awk -v t="${V[start-$e]}" -v n="$N" 'BEGIN{printf "%.6f", t/n}')
  fi
  running=$({ $c ps -q --filter "name=^$PFX-" || true; } | wc -l)
  [ "$running" -eq "$N" ] || log "WARNING: $e: only $running of $N containers running"
  log "$e: started $running in ${V[start-$e]:-?} s; settling ${SETTLE}s"

  sleep "$SETTLE"
  ma1=$(mem_available_kb)
  if [ "$e" = docker ]; then d1=$(rss_kb_of_comms dockerd containerd); fi

  # monitors = parents of the container inits (+ their host-namespace helpers)
  local inits=() mons=() ip m bad=0 mp
  mapfile -t inits < <(init_pids "$e")
  declare -A seen=()
  for ip in "${inits[@]}"; do
    m=$(ppid_of "$ip"); [ -n "$m" ] && [ "$m" != 0 ] || continue
    [ -n "${seen[$m]:-}" ] || { seen[$m]=1; mons+=("$m"); }
  done
  if [ "$e" = berth ]; then
    # the monitor berth recorded must be the init's parent
    for f in "$BERTH_RUNROOT"/*/monitor.pid; do
      mp=$(cat "$f" 2>/dev/null) || mp=
      case "$mp" in '' | *[!0-9]*) bad=$((bad + 1)) ;; *) [ -n "${seen[$mp]:-}" ] || bad=$((bad + 1)) ;; esac
    done
    [ "$bad" = 0 ] || log "WARNING: berth: $bad monitor.pid files name no parent of a container init"
  fi
  local helpers=() p pp
  declare -A isinit=()
  for ip in "${inits[@]}"; do isinit[$ip]=1; done
  while read -r p pp; do
    if [ -n "${seen[$pp]:-}" ] && [ -z "${isinit[$p]:-}" ] && hostns "$p"; then helpers+=("$p"); fi
  done < <(ps -e -o pid=,ppid=)
  local rss=0 pss=0 comms
  for p in "${mons[@]}" "${helpers[@]}"; do
    rss=$((rss + $(rollup_kb "$p" Rss))); pss=$((pss + $(rollup_kb "$p" Pss)))
  done
  comms=$(for p in "${mons[@]}" "${helpers[@]}"; do cat "/proc/$p/comm" 2>/dev/null; done | sort | uniq -c | awk '{printf "%s%s x%d", (NR>1?", ":""), $2, $1}')
  # per container = per container found running (N unless a start failed)
  if [ "${#mons[@]}" -gt 0 ]; then
    V[monrss-$e]=$(awk -v k="$rss" -v n="${#inits[@]}" 'BEGIN{printf "%.4f", k/1024/n}')
    V[monpss-$e]=$(awk -v k="$pss" -v n="${#inits[@]}" 'BEGIN{printf "%.4f", k/1024/n}')
  fi
  NOTE[mons-$e]="${#inits[@]} inits, ${comms:-none}"
  if [ "$running" -gt 0 ]; then
    V[memavail-$e]=$(awk -v a="$ma0" -v b="$ma1" -v n="$running" 'BEGIN{printf "%.4f", (a-b)/1024/n}')
  fi
  if [ "$e" = docker ]; then
    V[daemon-$e]=$(awk -v a="$d0" -v b="$d1" -v n="$running" 'BEGIN{printf "%.4f", n ? (b-a)/1024/n : 0}')
  fi
  log "$e: monitors ${NOTE[mons-$e]}: RSS ${V[monrss-$e]:-?} MiB, PSS ${V[monpss-$e]:-?} MiB per container; MemAvailable drop ${V[memavail-$e]:-?} MiB per container"

  # 3. ps with the N containers running
  hf "ps-$e" --warmup "$PS_WARMUP" --runs "$PS_RUNS" -- "$c" ps
  V[ps-$e]=$(median "ps-$e")

  # rm -f of all N in one call
  local flags=()
  # shellcheck disable=SC2206
  if [ "$e" = podman ]; then flags=($PODMAN_RM_FLAGS); fi
  log "$e: rm -f${flags[*]:+ ${flags[*]}} of $N containers"
  t2=$(now_ns)
  out=$($c rm -f "${flags[@]}" "${NAMES[@]}" 2>&1 >/dev/null) || log "$e rm -f reported: $(echo "$out" | tail -n 3)"
  t3=$(now_ns)
  if [ "$ok" = 1 ]; then V[rm-$e]=$(ns_s "$t2" "$t3"); fi
  local left; left=$({ $c ps -aq --filter "name=^$PFX-" || true; } | wc -l)
  if [ "$left" -ne 0 ]; then
    log "WARNING: $e: $left containers left after rm -f; removing them"
    # shellcheck disable=SC2046
    $c rm -f $([ "$e" = podman ] && echo "-t 0") $($c ps -aq --filter "name=^$PFX-") >/dev/null 2>&1 || true
    NOTE[rm-$e]="$left left over"
  fi
  log "$e: rm -f took ${V[rm-$e]:-?} s"
  if [ "$e" = berth ]; then wait_berth_quiet "rm -f returned"; fi
}

for e in "${ENGINES[@]}"; do density "$e"; done

# ------------------------------------------------------------------ report ----
fmt_mib() {
  [ -n "${1:-}" ] && [ "$1" != null ] || { echo -; return; }
  awk -v m="$1" 'BEGIN{printf "%.2f MiB", m}'
}
# le A B [FACTOR] -> "met" if A <= FACTOR*B, "NOT met" otherwise, "?" if unknown
le() {
  { [ -n "${1:-}" ] && [ "$1" != null ] && [ -n "${2:-}" ] && [ "$2" != null ]; } || { echo "?"; return; }
  awk -v a="$1" -v b="$2" -v f="${3:-1}" 'BEGIN{ print (a <= f*b ? "met" : "NOT met") }'
}
row() { # LABEL KEY FORMATTER TARGET-TEXT
  local b="${V[$2-berth]:-}" d="${V[$2-docker]:-}" p="${V[$2-podman]:-}"
  printf '| %s | %s | %s | %s | %s | %s | %s |\n' "$1" "$($3 "$b")" "$($3 "$d")" "$($3 "$p")" \
    "$(ratio "$b" "$d")" "$(ratio "$b" "$p")" "$4"
}
B() { echo "${V[$1-berth]:-}"; }
D() { echo "${V[$1-docker]:-}"; }
P() { echo "${V[$1-podman]:-}"; }

run_target="≤ 0.5× docker: $(le "$(B run)" "$(D run)" 0.5); < podman: $(le "$(B run)" "$(P run)")"
[ "$FLOOR_MED" != null ] && run_target="$run_target; floor \`runc run\` $(fmt_t "$FLOOR_MED")"
[ "$FLOOR_SPEC_MED" != null ] && run_target="$run_target, with berth's spec $(fmt_t "$FLOOR_SPEC_MED")"
podman_rm="podman rm -f${PODMAN_RM_FLAGS:+ $PODMAN_RM_FLAGS}"

{
  echo "# berth containers vs peers, $(date -u '+%Y-%m-%d %H:%M UTC')"
  echo
  echo "Machine: $(nproc) vCPUs, $(awk '/MemTotal/{printf "%.1f GiB", $2/1048576}' /proc/meminfo), kernel $(uname -r), $(. /etc/os-release && echo "$PRETTY_NAME")."
  echo "Tools: $("$BERTH" --version | head -n1) (node $(node --version)), $( [ "$HAVE_DOCKER" = 1 ] && docker version --format 'docker CLI {{.Client.Version}} / dockerd {{.Server.Version}}' || echo 'no docker'), $( [ "$HAVE_PODMAN" = 1 ] && podman --version || echo 'no podman'), $(runc --version 2>/dev/null | head -n1 || echo 'no runc'), $(hyperfine --version)."
  echo "berth build: $BUILD_INFO."
  echo "loadavg at start: $LOAD_START, at end: $(cut -d' ' -f1-3 /proc/loadavg)."
  echo "All with \`--network none\` and busybox. \`run --rm\`: hyperfine -N, $W1_WARMUP warm-ups + $W1_RUNS runs, median."
  echo "Density: $N detached \`sleep 3600\` started one after another per engine, memory read ${SETTLE} s later; \`ps\`: hyperfine -N, $PS_WARMUP warm-ups + $PS_RUNS runs, median, with the $N running; then one \`rm -f\` of all $N ($podman_rm for podman)."
  echo "Ratios = berth / peer (times and memory: < 1 means berth is faster / smaller)."
  echo
  echo "| measurement | berth | docker | podman | berth/docker | berth/podman | berth target |"
  echo "|---|---:|---:|---:|---:|---:|---|"
  row "\`run --rm --network none busybox true\`" run fmt_t "$run_target"
  row "start $N detached \`sleep 3600\`, sequential (total)" start fmt_t "≤ docker: $(le "$(B start)" "$(D start)")"
  row "— the same, per container" startper fmt_t ""
  row "monitor RSS per container" monrss fmt_mib "≤ 2 MiB: $(le "$(B monrss)" 2)"
  row "monitor PSS per container" monpss fmt_mib ""
  row "dockerd + containerd RSS growth per container" daemon fmt_mib "(berth and podman have no daemon)"
  row "MemAvailable drop per container" memavail fmt_mib "(whole machine: noisy)"
  row "\`rm -f\` of all $N, one call" rm fmt_t "≤ docker: $(le "$(B rm)" "$(D rm)")"
  row "\`ps\` with $N running" ps fmt_t "< 150 ms: $(le "$(B ps)" 0.15)"
  echo
  echo "Monitor processes (parents of the container inits, plus their host-namespace children):"
  for e in "${ENGINES[@]}"; do echo "- $e: ${NOTE[mons-$e]:-?}${NOTE[start-$e]:+; start ${NOTE[start-$e]}}${NOTE[rm-$e]:+; rm: ${NOTE[rm-$e]}}."; done
  echo
  echo "The floor is \`runc run\` of an OCI bundle prepared once ($([ "$FLOOR_MED" != null ] && echo "rootfs from $FLOOR_FS, " )\`runc spec\` defaults: new pid/net/ipc/uts/mnt namespaces, no seccomp), running \`true\`: no engine, no image, no overlay mount."
  echo "\"With berth's spec\" runs the same rootfs directory with the config.json that \`berth create\` wrote (seccomp profile, capabilities, devices cgroup, masked paths, bind mounts): what runc alone costs for a berth container."
  echo "berth's monitor also starts \`berth container cleanup\` (a node process) after every container exit, in the background; it overlaps the next \`run --rm\`, and the script waits for it to finish before the next engine."
  echo "RSS and PSS come from /proc/<pid>/smaps_rollup. PSS shares the pages of the one binary between all monitors, so it is the better per-container cost."
  echo
  echo "Raw hyperfine JSON: $RES/"
} >"$MD"

cat "$MD"
log "table written to $MD"
