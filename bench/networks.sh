#!/usr/bin/env bash
# networks.sh - berth's networking side by side with Docker and Podman, in ONE run.
#
# Every engine uses busybox (berth: `berth image builtin busybox` in a private root).
# Inside containers every tool is called as `busybox <applet>`: the peers' busybox
# image has only a few applet links.
#   1. start on the default bridge  `run --rm busybox true` (no --network flag),
#                      hyperfine -N, W_WARMUP (3) + W_RUNS (20), median.
#                      Target: berth <= 0.45 x docker.
#   2. throughput through a published port: per engine, one detached
#                      `run -d --name bnbench-tp -p 127.0.0.1:PORT:80 busybox sh -c
#                      'while :; do busybox head -c TP_BYTES /dev/zero | busybox nc -l -p 80; done'`
#                      (a different free PORT per engine, from PORT_BASE (39431) up);
#                      on the host `busybox nc -w 5 127.0.0.1 PORT <>FIFO | wc -c`
#                      (stdin is a FIFO opened read-write: it never reaches EOF, which
#                      would make busybox nc quit early), under `timeout TP_TIMEOUT` (120).
#                      Before every transfer the script waits (bounded) until the
#                      container's nc listens (its /proc/<pid>/net/tcp{,6}). One untimed
#                      transfer first (retried until the port answers, at most 20 tries),
#                      then TP_RUNS (3) timed ones; each must deliver exactly TP_BYTES
#                      (1073741824) bytes. Median time -> MB/s (10^6 bytes/s).
#                      Target: berth >= docker. Reference (no engine): the same transfer
#                      over loopback inside a private network namespace (`unshare -n`).
#   3. name resolution on a user network: per engine, `network create bnbench-net`,
#                      `run -d --name bnpeer --network bnbench-net busybox sleep 3600`,
#                      then ONE `run --rm --network bnbench-net busybox sh -c ...` that
#                      checks one lookup (must answer bnpeer's address) and then, DNS_ROUNDS
#                      (10) times: DNS_N (200) x `busybox true` and DNS_N x
#                      `busybox nslookup -type=a bnpeer.`, timestamped inside the container
#                      by `busybox ts %.s` (microseconds; busybox date has no %N).
#                      ms per lookup = (t(nslookup loop) - t(true loop)) / DNS_N, median
#                      over the rounds. `-type=a` and the trailing dot keep every query an
#                      A query for the one name the network's DNS server answers itself
#                      (no AAAA, no search domains): nothing is forwarded upstream.
#                      Target: berth <= docker.
# Prints a markdown table (berth, docker, podman, berth/docker, berth/podman, target met?)
# and writes it to $WORK/results/networks-<timestamp>.md, hyperfine JSON and logs to
# $WORK/results/networks-<timestamp>/.
#
# Network traffic: only to 127.0.0.1 (published ports) and to addresses of the networks
# this script creates (the containers, their gateway's DNS server). Every loop is bounded.
#
# Run after /work/shared/bench/setup-peers.sh, as root, and `npm run build`.
# Knobs: WORK (/tmp/berth-bench), W_RUNS (20), W_WARMUP (3), TP_RUNS (3), TP_BYTES
#   (1073741824), TP_TIMEOUT (120), PORT_BASE (39431), DNS_N (200), DNS_ROUNDS (10),
#   DNS_TIMEOUT (300), CMD_TIMEOUT (120: any single engine command), HF_TIMEOUT (600:
#   a hyperfine series), PEERS ("docker podman"; empty = berth alone), FLOOR (1: the
#   no-engine throughput reference), BERTH, SNAPSHOT (1), BERTH_ROOT_NETWORKS
#   ($WORK/berth-root-networks), BERTH_RUNROOT_NETWORKS (/tmp/bbn.<pid>).
# Touches: its own berth root and runroot (deleted at the end by `berth system reset -f`,
# with berth's bridges, nftables table and DNS server of that root; the script checks that
# nothing of them is left and deletes what is), scratch $WORK/networks-scratch, and in
# docker and podman only the containers bnbench-tp, bnpeer, bnbench-dns and the network
# bnbench-net, which it refuses to touch if they exist before it starts. Cleanup runs on
# error and on Ctrl-C too.
set -euo pipefail

BENCH_DIR="$(cd "$(dirname "$0")" && pwd)"
WORK="${WORK:-/tmp/berth-bench}"
W_RUNS="${W_RUNS:-20}"
W_WARMUP="${W_WARMUP:-3}"
TP_RUNS="${TP_RUNS:-3}"
TP_BYTES="${TP_BYTES:-1073741824}"
TP_TIMEOUT="${TP_TIMEOUT:-120}"
PORT_BASE="${PORT_BASE:-39431}"
DNS_N="${DNS_N:-200}"
DNS_ROUNDS="${DNS_ROUNDS:-10}"
DNS_TIMEOUT="${DNS_TIMEOUT:-300}"
CMD_TIMEOUT="${CMD_TIMEOUT:-120}"
export HF_TIMEOUT="${HF_TIMEOUT:-600}"
PEERS="${PEERS-docker podman}"
FLOOR="${FLOOR:-1}"
BERTH="${BERTH:-$BENCH_DIR/../bin/berth}"
IMAGE=busybox
NET=bnbench-net
PEER=bnpeer
TPC=bnbench-tp
DNSC=bnbench-dns

mkdir -p "$WORK"
WORK="$(cd "$WORK" && pwd)"
BERTH="$(cd "$(dirname "$BERTH")" && pwd)/$(basename "$BERTH")"
export BERTH_ROOT="${BERTH_ROOT_NETWORKS:-$WORK/berth-root-networks}"
export BERTH_RUNROOT="${BERTH_RUNROOT_NETWORKS:-/tmp/bbn.$$}"
SCR="$WORK/networks-scratch"
TS="$(date +%Y%m%d-%H%M%S)"
LOAD_START="$(cut -d' ' -f1-3 /proc/loadavg)"
RES="$WORK/results/networks-$TS"
MD="$WORK/results/networks-$TS.md"
FIFO="$SCR/stdin.fifo"

source "$(dirname "$0")/lib.sh"

for t in hyperfine jq awk busybox ss unshare timeout; do command -v "$t" >/dev/null || die "$t not found (run /work/shared/bench/setup-peers.sh)"; done
[ -x "$BERTH" ] || die "berth not found at $BERTH (cd /work/main && npm run build)"
case "$BERTH_ROOT" in /var/lib/*) die "refusing to use $BERTH_ROOT as the bench root" ;; esac
case "$BERTH_RUNROOT" in /run/berth | /run/berth/*) die "refusing to use $BERTH_RUNROOT as the bench runroot" ;; esac
[ $((${#BERTH_RUNROOT} + 1 + 64 + 12)) -le 107 ] || die "BERTH_RUNROOT $BERTH_RUNROOT is too long for unix sockets"
for v in W_RUNS TP_RUNS TP_BYTES DNS_N DNS_ROUNDS PORT_BASE; do
  [ "${!v}" -ge 1 ] 2>/dev/null || die "$v must be a positive integer"
done

HAVE_DOCKER=0; HAVE_PODMAN=0
if has_peer docker; then
  if docker info >/dev/null 2>&1; then HAVE_DOCKER=1; else log "docker not usable (dockerd down? run /work/shared/bench/setup-peers.sh): docker column skipped"; fi
fi
if has_peer podman; then
  if command -v podman >/dev/null; then HAVE_PODMAN=1; else log "podman not found: podman column skipped"; fi
fi
ENGINES=(berth)
[ "$HAVE_DOCKER" = 1 ] && ENGINES+=(docker)
[ "$HAVE_PODMAN" = 1 ] && ENGINES+=(podman)

ecmd() { case "$1" in berth) echo "$BERTH" ;; *) echo "$1" ;; esac; }
# E ENGINE ARGS... : one engine command, bounded by CMD_TIMEOUT
E() { local e="$1"; shift; timeout --foreground "$CMD_TIMEOUT" "$(ecmd "$e")" "$@"; }

# The peers' objects this script would create must not exist already (they are not ours).
for e in "${ENGINES[@]}"; do
  [ "$e" = berth ] && continue
  for n in "$TPC" "$PEER" "$DNSC"; do
    if E "$e" container inspect "$n" >/dev/null 2>&1; then die "$e already has a container named $n (not made by this run): remove it first"; fi
  done
  if E "$e" network inspect "$NET" >/dev/null 2>&1; then die "$e already has a network named $NET (not made by this run): remove it first"; fi
done

ERRORS=()  # failures worth reporting: "engine: command: message"
fail() { # ENGINE WHAT MESSAGE
  local msg; msg=$(printf '%s' "$3" | tail -n 5 | tr '\n' ' ' | sed 's/ *$//')
  log "FAILED $1: $2: $msg"
  ERRORS+=("$1: \`$2\`: $msg")
}

# ---------------------------------------------------------------- cleanup ----
# CREATED holds "engine kind name" for every object this run made (added BEFORE the
# command that makes it, so a half-made object is removed too).
CREATED=()
ROOT_HASH=$(printf '%s' "$BERTH_ROOT" | sha256sum | cut -c1-8)
BERTH_BRIDGE="berth$ROOT_HASH"      # the default bridge of our root (engine/networks.ts deviceFor)
BERTH_TABLE="berth_$ROOT_HASH"      # its nftables table (network/firewall.ts tableName)
BERTH_DEVICES=()                    # the bridges of networks we created in berth
remove_obj() { # ENGINE KIND NAME
  local c; c=$(ecmd "$1")
  case "$2" in
    c) if [ "$1" = podman ]; then timeout --foreground 60 podman rm -f -t 0 "$3" >/dev/null 2>&1 || true; else timeout --foreground 60 "$c" rm -f "$3" >/dev/null 2>&1 || true; fi ;;
    n) timeout --foreground 60 "$c" network rm "$3" >/dev/null 2>&1 || true ;;
  esac
  return 0
}
forget() { # ENGINE KIND NAME: removed by the script itself
  local i
  for i in "${!CREATED[@]}"; do [ "${CREATED[$i]}" = "$1 $2 $3" ] && unset 'CREATED[i]'; done
  CREATED=("${CREATED[@]}")
  return 0
}
cleanup() {
  local rc=$?
  set +e
  trap - INT TERM
  local i e k n ids f pid m
  # containers first, then networks (reverse order of creation)
  for ((i = ${#CREATED[@]} - 1; i >= 0; i--)); do
    read -r e k n <<<"${CREATED[$i]}"
    [ "$k" = c ] && { log "cleanup: $e rm -f $n"; remove_obj "$e" c "$n"; }
  done
  for ((i = ${#CREATED[@]} - 1; i >= 0; i--)); do
    read -r e k n <<<"${CREATED[$i]}"
    [ "$k" = n ] && { log "cleanup: $e network rm $n"; remove_obj "$e" n "$n"; }
  done
  if [ -d "$BERTH_ROOT" ]; then
    ids=$(timeout --foreground 60 "$BERTH" ps -aq 2>/dev/null)  # every container of this private root is ours
    # shellcheck disable=SC2086
    [ -n "$ids" ] && timeout --foreground 60 "$BERTH" rm -f $ids >/dev/null 2>&1
    for n in $(timeout --foreground 60 "$BERTH" network ls -q --filter name="$NET" 2>/dev/null); do timeout --foreground 60 "$BERTH" network rm "$n" >/dev/null 2>&1; done
    # bridges, firewall table, DNS server and state of this root
    out=$(timeout --foreground 60 "$BERTH" system reset -f 2>&1) || log "cleanup: berth system reset -f: $(echo "$out" | tail -n 3)"
  fi
  for f in "$BERTH_RUNROOT"/*/monitor.pid; do
    [ -f "$f" ] || continue
    pid=$(cat "$f" 2>/dev/null)
    [ -n "$pid" ] && [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = berth-monitor ] && kill -KILL "$pid" 2>/dev/null
  done
  for f in $(find "$BERTH_RUNROOT" -name aardvark.pid 2>/dev/null); do
    pid=$(cat "$f" 2>/dev/null)
    [ -n "$pid" ] && [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = aardvark-dns ] && { log "cleanup: stopping berth's aardvark-dns $pid"; kill -TERM "$pid" 2>/dev/null; }
  done
  if [ -d "$BERTH_RUNROOT/runc" ]; then
    for id in $(runc --root "$BERTH_RUNROOT/runc" list -q 2>/dev/null); do runc --root "$BERTH_RUNROOT/runc" delete -f "$id" >/dev/null 2>&1; done
  fi
  # whatever berth left of this root on the host: its bridges and its nftables table
  for m in "$BERTH_BRIDGE" "${BERTH_DEVICES[@]}"; do
    [ -n "$m" ] && [ -e "/sys/class/net/$m" ] && { log "cleanup: WARNING: berth left bridge $m; deleting it"; ip link del "$m"; }
  done
  if nft list table ip "$BERTH_TABLE" >/dev/null 2>&1; then
    log "cleanup: WARNING: berth left nftables table $BERTH_TABLE; deleting it"; nft delete table ip "$BERTH_TABLE"
  fi
  awk -v r="$BERTH_ROOT/" 'index($2, r) == 1 {print $2}' /proc/mounts | sort -r | while read -r m; do umount -l "$m"; done
  awk -v r="$BERTH_RUNROOT/" 'index($2, r) == 1 {print $2}' /proc/mounts | sort -r | while read -r m; do umount -l "$m"; done
  rm -rf "$BERTH_ROOT" "$BERTH_RUNROOT" "$SCR"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

rm -rf "$BERTH_ROOT" "$BERTH_RUNROOT" "$SCR"
mkdir -p "$SCR" "$RES"
mkfifo "$FIFO"

snapshot_berth "$SCR/berth-build"
"$BERTH" --version >/dev/null || die "$BERTH --version failed (is dist/berth.mjs built?)"
log "berth: $BUILD_INFO; root $BERTH_ROOT, runroot $BERTH_RUNROOT"
"$BERTH" image builtin "$IMAGE" >/dev/null || die "berth image builtin $IMAGE failed"

now_ns() { date +%s%N; }
ns_s() { awk -v a="$1" -v b="$2" 'BEGIN{printf "%.6f", (b-a)/1e9}'; }
median_of() { # NUMBERS... -> median, "null" if none
  printf '%s\n' "$@" | awk 'NF' | sort -g | awk '{a[NR]=$1} END{ if (NR == 0) {print "null"; exit}
    if (NR % 2) printf "%.6f\n", a[(NR+1)/2]; else printf "%.6f\n", (a[NR/2]+a[NR/2+1])/2 }'
}
wait_berth_quiet() { # WHAT: berth's background `container cleanup` processes, at most 30 s
  local t0 i; t0=$(now_ns)
  for i in $(seq 1 300); do
    pgrep -f -- "--runroot $BERTH_RUNROOT container cleanup" >/dev/null || break
    sleep 0.1
  done
  log "berth: background \`container cleanup\` processes done $(ns_s "$t0" "$(now_ns)") s after $1"
}

declare -A V=()     # V[<metric>-<engine>] = number
declare -A NOTE=()  # NOTE[<metric>-<engine>] = text

# ---- 1. run --rm on the default bridge
log "== 1. run --rm $IMAGE true (default bridge network)"
for e in "${ENGINES[@]}"; do
  c=$(ecmd "$e")
  if ! out=$(E "$e" run --rm "$IMAGE" true 2>&1); then
    fail "$e" "$e run --rm $IMAGE true" "$out"; continue
  fi
  hf "run-$e" --warmup "$W_WARMUP" --runs "$W_RUNS" -- "$c" run --rm "$IMAGE" true
  V[run-$e]=$(median "run-$e")
  known "${V[run-$e]}" || { fail "$e" "hyperfine $e run --rm $IMAGE true" "see $RES/run-$e.log"; unset 'V[run-$e]'; }
  if [ "$e" = berth ]; then wait_berth_quiet "the last run --rm"; fi
done

# ---- 2. throughput through a published port on 127.0.0.1
port_free() { [ -z "$(ss -Htan "( sport = :$1 )" 2>/dev/null)" ]; }
# listening PID: the container's nc listens on port 80 in the container's namespace
listening80() { awk 'NR > 1 && $4 == "0A" && $2 ~ /:0050$/ {f=1} END {exit !f}' "/proc/$1/net/tcp" "/proc/$1/net/tcp6" 2>/dev/null; }
wait_listen() { # PID: at most 10 s
  local i
  for i in $(seq 1 100); do listening80 "$1" && return 0; sleep 0.1; done
  return 1
}
fetch() { # PORT -> bytes received (0 on failure), bounded by TP_TIMEOUT
  { timeout --foreground "$TP_TIMEOUT" busybox nc -w 5 127.0.0.1 "$1" <>"$FIFO" 2>/dev/null || true; } | wc -c
}
SERVER="while :; do busybox head -c $TP_BYTES /dev/zero | busybox nc -l -p 80; done"

FLOOR_MBS=null
if [ "$FLOOR" = 1 ]; then
  # no engine: the same busybox head | nc -l and nc | wc -c, over the loopback of a private
  # network namespace (nothing else can reach it), median of TP_RUNS
  log "== 2. floor: busybox nc over loopback in a private netns, $TP_RUNS x $TP_BYTES bytes"
  out=$(timeout --foreground $((TP_RUNS * (TP_TIMEOUT + 5) + 10)) unshare -n sh -c '
    ip link set lo up
    fifo=$1; bytes=$2; runs=$3; to=$4; i=0
    while [ $i -lt $runs ]; do
      i=$((i + 1))
      busybox head -c "$bytes" /dev/zero | timeout --foreground "$to" busybox nc -l -p 39430 &
      j=0; while [ $j -lt 50 ] && ! ss -Hltn "( sport = :39430 )" | grep -q .; do sleep 0.1; j=$((j + 1)); done
      t0=$(date +%s%N)
      n=$( { timeout --foreground "$to" busybox nc -w 5 127.0.0.1 39430 <>"$fifo" 2>/dev/null || true; } | wc -c)
      t1=$(date +%s%N)
      wait
      echo "$n $t0 $t1"
    done' sh "$FIFO" "$TP_BYTES" "$TP_RUNS" "$TP_TIMEOUT" 2>&1) || true
  echo "$out" >"$RES/tp-floor.log"
  ts_floor=()
  while read -r n t0 t1; do
    if [ "$n" = "$TP_BYTES" ]; then ts_floor+=("$(ns_s "$t0" "$t1")"); else log "floor transfer delivered ${n:-?} bytes: $out"; fi
  done <<<"$out"
  if [ "${#ts_floor[@]}" -gt 0 ]; then
    m=$(median_of "${ts_floor[@]}")
    FLOOR_MBS=$(awk -v b="$TP_BYTES" -v t="$m" 'BEGIN{printf "%.1f", b/1e6/t}')
    log "floor: ${ts_floor[*]} s -> $FLOOR_MBS MB/s"
  fi
fi

log "== 2. throughput: $TP_BYTES bytes through -p 127.0.0.1:PORT:80, 1 untimed + $TP_RUNS timed"
port=$PORT_BASE
for e in "${ENGINES[@]}"; do
  for _ in $(seq 1 100); do port_free "$port" && break; port=$((port + 1)); done
  port_free "$port" || { fail "$e" "find a free port" "none free from $PORT_BASE to $port"; continue; }
  NOTE[tpport-$e]=$port
  CREATED+=("$e c $TPC")
  if ! out=$(E "$e" run -d --name "$TPC" -p "127.0.0.1:$port:80" "$IMAGE" sh -c "$SERVER" 2>&1); then
    fail "$e" "$e run -d --name $TPC -p 127.0.0.1:$port:80 $IMAGE sh -c '$SERVER'" "$out"
    remove_obj "$e" c "$TPC"; forget "$e" c "$TPC"; port=$((port + 1)); continue
  fi
  pid=$(E "$e" inspect -f '{{.State.Pid}}' "$TPC" 2>&1) || pid=
  case "$pid" in '' | 0 | *[!0-9]*) fail "$e" "$e inspect -f '{{.State.Pid}}' $TPC" "no pid: $pid"; pid= ;; esac
  # untimed first transfer: retried (bounded) until the published port answers
  got=0; tries=0
  for tries in $(seq 1 20); do
    [ -n "$pid" ] && { wait_listen "$pid" || true; }
    got=$(fetch "$port")
    [ "$got" = "$TP_BYTES" ] && break
    sleep 0.5
  done
  if [ "$got" != "$TP_BYTES" ]; then
    fail "$e" "busybox nc 127.0.0.1 $port | wc -c" "got $got bytes, not $TP_BYTES, after $tries tries; container log: $(E "$e" logs "$TPC" 2>&1 | tail -n 3)"
  else
    log "$e: port $port answered (try $tries), $got bytes"
    times=()
    for r in $(seq 1 "$TP_RUNS"); do
      [ -n "$pid" ] && { wait_listen "$pid" || log "$e: nc not listening after 10 s (run $r)"; }
      t0=$(now_ns); got=$(fetch "$port"); t1=$(now_ns)
      s=$(ns_s "$t0" "$t1")
      echo "$e run $r: $got bytes in $s s" >>"$RES/tp-$e.log"
      if [ "$got" = "$TP_BYTES" ]; then
        times+=("$s"); log "    $e run $r: $s s, $(awk -v b="$got" -v t="$s" 'BEGIN{printf "%.1f", b/1e6/t}') MB/s"
      else
        fail "$e" "busybox nc 127.0.0.1 $port | wc -c (timed run $r)" "got $got bytes, not $TP_BYTES, in $s s"
      fi
    done
    if [ "${#times[@]}" -gt 0 ]; then
      V[tptime-$e]=$(median_of "${times[@]}")
      V[tp-$e]=$(awk -v b="$TP_BYTES" -v t="${V[tptime-$e]}" 'BEGIN{printf "%.3f", b/1e6/t}')
      NOTE[tp-$e]="${#times[@]} of $TP_RUNS runs: $(printf '%s s ' "${times[@]}")"
    fi
  fi
  if [ "$e" = podman ]; then out=$(E "$e" rm -f -t 0 "$TPC" 2>&1); else out=$(E "$e" rm -f "$TPC" 2>&1); fi || fail "$e" "$e rm -f $TPC" "$out"
  forget "$e" c "$TPC"
  port=$((port + 1))
  if [ "$e" = berth ]; then wait_berth_quiet "rm -f $TPC"; fi
done

# ---- 3. name resolution on a user network
# $1 = DNS_N, $2 = DNS_ROUNDS. Prints "check: ..." lines of one lookup, then per round the
# timestamps (`busybox ts %.s`: seconds.microseconds) of A <r> / B <r> / C <r>:
# A..B = DNS_N x `busybox true`, B..C = DNS_N x `busybox nslookup`.
DNS_SCRIPT='n=$1; rounds=$2
out=$(busybox nslookup -type=a bnpeer. 2>&1); rc=$?
echo "$out" | while IFS= read -r l; do echo "check: $l"; done
echo "check-rc: $rc"
case "$out" in *Name:*bnpeer*Address*) ;; *) echo "NO-ANSWER"; exit 3 ;; esac
j=0
while [ $j -lt $rounds ]; do
  j=$((j + 1))
  {
    echo "A $j"
    i=0; while [ $i -lt $n ]; do busybox true; i=$((i + 1)); done
    echo "B $j"
    i=0; while [ $i -lt $n ]; do busybox nslookup -type=a bnpeer. >/dev/null 2>&1 || { echo "FAIL $j $i"; break; }; i=$((i + 1)); done
    echo "C $j"
  } | busybox ts %.s
done
out=$(busybox nslookup -type=a bnpeer. 2>&1)
case "$out" in *Name:*bnpeer*Address*) echo "after: ok" ;; *) echo "after: NO-ANSWER"; exit 3 ;; esac'

log "== 3. name resolution: $DNS_ROUNDS x $DNS_N lookups of $PEER on $NET"
for e in "${ENGINES[@]}"; do
  CREATED+=("$e n $NET")
  if ! out=$(E "$e" network create "$NET" 2>&1); then
    fail "$e" "$e network create $NET" "$out"; remove_obj "$e" n "$NET"; forget "$e" n "$NET"; continue
  fi
  if [ "$e" = berth ]; then
    dev=$(E berth network inspect -f '{{index .Options "com.docker.network.bridge.name"}}' "$NET" 2>/dev/null) || dev=
    id=$(E berth network inspect -f '{{.Id}}' "$NET" 2>/dev/null) || id=
    [ -n "$id" ] && BERTH_DEVICES+=("br-${id:0:12}")
    [ -n "$dev" ] && [ "$dev" != "<no value>" ] && BERTH_DEVICES+=("$dev")
  fi
  CREATED+=("$e c $PEER")
  if ! out=$(E "$e" run -d --name "$PEER" --network "$NET" "$IMAGE" sleep 3600 2>&1); then
    fail "$e" "$e run -d --name $PEER --network $NET $IMAGE sleep 3600" "$out"
  else
    ip=$(E "$e" inspect -f "{{(index .NetworkSettings.Networks \"$NET\").IPAddress}}" "$PEER" 2>&1) || ip=
    case "$ip" in *.*.*.*) ;; *) log "$e: no address of $PEER from inspect: $ip"; ip= ;; esac
    CREATED+=("$e c $DNSC")
    t0=$(now_ns)
    if ! out=$(timeout --foreground "$DNS_TIMEOUT" "$(ecmd "$e")" run --rm --name "$DNSC" --network "$NET" "$IMAGE" sh -c "$DNS_SCRIPT" sh "$DNS_N" "$DNS_ROUNDS" 2>&1); then
      echo "$out" >"$RES/dns-$e.log"
      fail "$e" "$e run --rm --name $DNSC --network $NET $IMAGE sh -c <lookup loop>" "$(echo "$out" | grep -v '^[0-9.]* [ABC] ' | tail -n 8)"
    else
      echo "$out" >"$RES/dns-$e.log"
      server=$(echo "$out" | awk '$1 == "check:" && $2 == "Server:" {print $3; exit}')
      answer=$(echo "$out" | awk '$1 == "check:" && $2 == "Address:" && $3 !~ /#|:53$/ {a = $3} END {print a}')
      NOTE[dns-$e]="server ${server:-?}, answer ${answer:-?}"
      if [ -n "$ip" ] && [ "$answer" != "$ip" ]; then
        fail "$e" "nslookup -type=a bnpeer. in $DNSC" "answered ${answer:-nothing}, but $PEER has $ip"
      elif echo "$out" | grep -q ' FAIL '; then
        fail "$e" "nslookup -type=a bnpeer. in the loop" "$(echo "$out" | grep ' FAIL ' | head -n 3)"
      else
        per=()
        for r in $(seq 1 "$DNS_ROUNDS"); do
          v=$(echo "$out" | awk -v r="$r" -v n="$DNS_N" '
            $3 == r && $2 == "A" {a = $1} $3 == r && $2 == "B" {b = $1} $3 == r && $2 == "C" {c = $1}
            END { if (a && b && c) printf "%.6f %.6f %.6f\n", ((c - b) - (b - a)) / n, (b - a) / n, (c - b) / n }')
          [ -n "$v" ] || continue
          read -r d tt tn <<<"$v"
          per+=("$d")
          log "    $e round $r: $DNS_N x true $(awk -v x="$tt" 'BEGIN{printf "%.3f", x*1000}') ms each, x nslookup $(awk -v x="$tn" 'BEGIN{printf "%.3f", x*1000}') ms each -> $(awk -v x="$d" 'BEGIN{printf "%.3f", x*1000}') ms per lookup"
        done
        if [ "${#per[@]}" -gt 0 ]; then
          V[dns-$e]=$(median_of "${per[@]}")
          NOTE[dns-$e]="${NOTE[dns-$e]}; rounds (ms/lookup): $(for x in "${per[@]}"; do awk -v x="$x" 'BEGIN{printf "%.3f ", x*1000}'; done)"
        else
          fail "$e" "parse the lookup timestamps" "$(echo "$out" | tail -n 5)"
        fi
      fi
    fi
    log "$e: client container ran $(ns_s "$t0" "$(now_ns)") s; ${NOTE[dns-$e]:-}"
    remove_obj "$e" c "$DNSC"; forget "$e" c "$DNSC"   # normally gone already (--rm)
  fi
  if [ "$e" = podman ]; then out=$(E "$e" rm -f -t 0 "$PEER" 2>&1); else out=$(E "$e" rm -f "$PEER" 2>&1); fi || fail "$e" "$e rm -f $PEER" "$out"
  forget "$e" c "$PEER"
  if [ "$e" = berth ]; then wait_berth_quiet "rm -f $PEER"; fi
  out=$(E "$e" network rm "$NET" 2>&1) || fail "$e" "$e network rm $NET" "$out"
  forget "$e" n "$NET"
done

# berth keeps its bridges up without containers (as Docker keeps docker0) until
# `system reset`, which must take down all it made on the host: bridges, table, DNS server
wait_berth_quiet "the last rm"
out=$(E berth system reset -f 2>&1) || fail berth "berth system reset -f" "$out"
leftover=()
for m in "$BERTH_BRIDGE" "${BERTH_DEVICES[@]}"; do [ -e "/sys/class/net/$m" ] && leftover+=("bridge $m"); done
nft list table ip "$BERTH_TABLE" >/dev/null 2>&1 && leftover+=("nftables table $BERTH_TABLE")
for f in $(find "$BERTH_RUNROOT" -name aardvark.pid 2>/dev/null); do
  p=$(cat "$f" 2>/dev/null); [ -n "$p" ] && [ "$(cat "/proc/$p/comm" 2>/dev/null)" = aardvark-dns ] && leftover+=("aardvark-dns $p")
done
[ "${#leftover[@]}" -eq 0 ] || fail berth "system reset -f" "still on the host after it: ${leftover[*]}"

# ------------------------------------------------------------------ report ----
fmt_mbs() { known "${1:-}" || { echo -; return; }; awk -v m="$1" 'BEGIN{printf "%.0f MB/s", m}'; }
fmt_ms() { known "${1:-}" || { echo -; return; }; awk -v s="$1" 'BEGIN{printf "%.3f ms", s*1000}'; }
# cmp A OP B [FACTOR] -> "met" / "NOT met" / "?"
cmp() {
  { known "${1:-}" && known "${3:-}"; } || { echo "?"; return; }
  awk -v a="$1" -v op="$2" -v b="$3" -v f="${4:-1}" 'BEGIN{ ok = (op == "le") ? (a <= f*b) : (a >= f*b); print (ok ? "met" : "NOT met") }'
}
row() { # LABEL KEY FORMATTER TARGET-TEXT
  local b="${V[$2-berth]:-}" d="${V[$2-docker]:-}" p="${V[$2-podman]:-}"
  printf '| %s | %s | %s | %s | %s | %s | %s |\n' "$1" "$($3 "$b")" "$($3 "$d")" "$($3 "$p")" \
    "$(ratio "$b" "$d")" "$(ratio "$b" "$p")" "$4"
}
B() { echo "${V[$1-berth]:-}"; }
D() { echo "${V[$1-docker]:-}"; }

TP_SIZE=$(awk -v b="$TP_BYTES" 'BEGIN{ if (b % 1073741824 == 0) printf "%d GiB", b/1073741824;
  else if (b % 1048576 == 0) printf "%d MiB", b/1048576; else printf "%d bytes", b }')
{
  echo "# berth networking vs peers, $(date -u '+%Y-%m-%d %H:%M UTC')"
  echo
  echo "Machine: $(nproc) vCPUs, $(awk '/MemTotal/{printf "%.1f GiB", $2/1048576}' /proc/meminfo), kernel $(uname -r), $(. /etc/os-release && echo "$PRETTY_NAME")."
  echo "Tools: $("$BERTH" --version | head -n1) (node $(node --version)), $( [ "$HAVE_DOCKER" = 1 ] && docker version --format 'docker CLI {{.Client.Version}} / dockerd {{.Server.Version}}' || echo 'no docker'), $( [ "$HAVE_PODMAN" = 1 ] && echo "$(podman --version) ($(podman info --format '{{.Host.NetworkBackend}}' 2>/dev/null))" || echo 'no podman'), $(hyperfine --version), $(busybox | head -n1 | cut -d' ' -f1-2)."
  echo "berth build: $BUILD_INFO."
  echo "loadavg at start: $LOAD_START, at end: $(cut -d' ' -f1-3 /proc/loadavg)."
  echo
  echo "| row | berth | docker | podman | berth/docker | berth/podman | target met? |"
  echo "|---|---:|---:|---:|---:|---:|---|"
  row "1. \`run --rm busybox true\`, default bridge (median of $W_RUNS)" run fmt_t "≤ 0.45× docker: $(cmp "$(B run)" le "$(D run)" 0.45)"
  row "2. $TP_SIZE through \`-p 127.0.0.1:PORT:80\` (median of $TP_RUNS)" tp fmt_mbs "≥ docker: $(cmp "$(B tp)" ge "$(D tp)")"
  row "3. lookup of a container name on a user network (median of $DNS_ROUNDS × $DNS_N)" dns fmt_ms "≤ docker: $(cmp "$(B dns)" le "$(D dns)")"
  echo
  echo "Ratios are berth / peer of the figure shown: for rows 1 and 3 (times) below 1 means berth is faster, for row 2 (MB/s) above 1 means berth is faster."
  echo
  echo "1. hyperfine -N, $W_WARMUP warm-ups + $W_RUNS runs of \`run --rm busybox true\` with no --network flag (each engine's default bridge), median."
  echo "2. Server: \`run -d -p 127.0.0.1:PORT:80 busybox sh -c '$SERVER'\`. Client on the host: \`timeout $TP_TIMEOUT busybox nc -w 5 127.0.0.1 PORT <>FIFO | wc -c\`, which must count exactly $TP_BYTES bytes; one untimed transfer first, then $TP_RUNS timed (wall clock around the client), median; MB/s = 10^6 bytes/s."
  echo "   Reference without any engine: the same server and client over the loopback of a private network namespace: $( known "$FLOOR_MBS" && echo "$FLOOR_MBS MB/s (busybox nc is the ceiling)" || echo "not measured")."
  for e in "${ENGINES[@]}"; do echo "   - $e: port ${NOTE[tpport-$e]:-?}; ${NOTE[tp-$e]:-no timed run}"; done
  echo "3. One \`run --rm --network $NET busybox sh -c ...\` beside \`$PEER\` (\`sleep 3600\`) on a fresh \`network create $NET\`: $DNS_ROUNDS rounds of $DNS_N × \`busybox true\` then $DNS_N × \`busybox nslookup -type=a bnpeer.\`, timestamped inside the container with \`busybox ts %.s\`; ms per lookup = (nslookup loop − true loop) / $DNS_N, median of the rounds. The answer is checked against \`inspect\`'s address of $PEER before and after."
  for e in "${ENGINES[@]}"; do echo "   - $e: ${NOTE[dns-$e]:-not measured}"; done
  echo
  report_footer
} >"$MD"

cat "$MD"
log "table written to $MD"
