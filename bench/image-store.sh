#!/usr/bin/env bash
# image-store.sh - berth's image store side by side with its peers, in ONE run.
#
# Measures, with hyperfine, on two deterministic rootfs tarballs
#   (a) one 256 MiB incompressible file   (b) 2,000 small files of 1-4 KiB in 10 dirs
#   import   berth import T REF        | docker import T REF  | floor: tar -xf T -C fresh-dir
#   save     berth save -o F REF       | docker save -o F REF | skopeo copy oci:DIR docker-archive:F
#   load     berth load -i F           | docker load -i F     | skopeo copy docker-archive:F oci:DIR
# and the cold start of the CLI with 200 distinct images in the store:
#   berth --version / berth images     | docker --version / docker images
# then prints a markdown table (medians, MB/s = tar bytes / median, berth/docker
# time ratio: < 1 means berth is faster) and writes it to
# $WORK/results/image-store-<timestamp>.md, the hyperfine JSON next to it in
# $WORK/results/image-store-<timestamp>/.
#
# Every measured run does the whole work: --prepare deletes the image (import,
# load) or the output tar / OCI dir (save, skopeo load) and runs `sync`, so the
# previous run's dirty pages are not written back during the next one.
#
# ext4 churn: on these VMs, creating files right after thousands of files were
# deleted costs up to 20x more kernel time (2000 files: 70 ms idle, 1.9 s after
# a dozen delete/create rounds; it mostly decays in 30-60 s idle, not always).
# The (b) series delete 2000 files before every run, so they degrade themselves
# run after run. Hence an idle pause before each (b) import/load series
# (SETTLE_GROUP) and, to try for cleaner small-file figures, one before every
# run (SETTLE_RUN=30 adds ~15 min). The tar -x floor pays the same churn.
#
# Run after /work/shared/bench/setup-peers.sh (docker, skopeo, hyperfine, jq), as root.
# Knobs: WORK (/tmp/berth-bench), RUNS (5), WARMUP (1), COLD_RUNS (20),
#   COLD_WARMUP (3), N_TINY (200), BERTH (bin/berth of this checkout),
#   PEERS ("docker skopeo"; empty = berth alone), ONLY ("a b cold": parts to run),
#   KEEP_FIXTURES (1: keep the cached tarballs in $WORK/fixtures-image-store),
#   SETTLE_GROUP (30) / SETTLE_RUN (0): seconds of idle before each small-file
#   (b) import/load series / before each run of it (see "ext4 churn" above),
#   SNAPSHOT (1: measure a private copy of bin/ + dist/ + the native addon, so a
#   rebuild of the checkout during the run cannot change what is measured).
# Touches: its own berth root $WORK/berth-root-image-store (deleted at the end),
# scratch $WORK/image-store-scratch (deleted), and in docker only the images
# berth-bench/img-a, berth-bench/img-b and berth-bench/tiny:NNN (deleted).
set -euo pipefail

BENCH_DIR="$(cd "$(dirname "$0")" && pwd)"
WORK="${WORK:-/tmp/berth-bench}"
RUNS="${RUNS:-5}"
WARMUP="${WARMUP:-1}"
COLD_RUNS="${COLD_RUNS:-20}"
COLD_WARMUP="${COLD_WARMUP:-3}"
N_TINY="${N_TINY:-200}"
BERTH="${BERTH:-$BENCH_DIR/../bin/berth}"
PEERS="${PEERS-docker skopeo}"
ONLY="${ONLY:-a b cold}"
KEEP_FIXTURES="${KEEP_FIXTURES:-1}"
SETTLE_GROUP="${SETTLE_GROUP:-30}"
SETTLE_RUN="${SETTLE_RUN:-0}"
BIG_MIB=256
N_SMALL=2000

mkdir -p "$WORK"
WORK="$(cd "$WORK" && pwd)"
BERTH="$(cd "$(dirname "$BERTH")" && pwd)/$(basename "$BERTH")"
export BERTH_ROOT="$WORK/berth-root-image-store"
export BERTH_RUNROOT="$WORK/berth-runroot-image-store"
FIX="$WORK/fixtures-image-store"
SCR="$WORK/image-store-scratch"
TS="$(date +%Y%m%d-%H%M%S)"
LOAD_START="$(cut -d' ' -f1-3 /proc/loadavg)"
RES="$WORK/results/image-store-$TS"
MD="$WORK/results/image-store-$TS.md"

source "$(dirname "$0")/lib.sh"
HF_SYNC=1

for t in hyperfine jq tar dd; do command -v "$t" >/dev/null || die "$t not found (run /work/shared/bench/setup-peers.sh)"; done
[ -x "$BERTH" ] || die "berth not found at $BERTH (cd /work/main && npm run build)"

HAVE_DOCKER=0; HAVE_SKOPEO=0
if has_peer docker; then
  if docker info >/dev/null 2>&1; then HAVE_DOCKER=1; else log "docker not usable (dockerd down?): docker columns skipped"; fi
fi
if has_peer skopeo; then
  if command -v skopeo >/dev/null; then HAVE_SKOPEO=1; else log "skopeo not found: skopeo column skipped"; fi
fi
want() { case " $ONLY " in *" $1 "*) return 0 ;; *) return 1 ;; esac; }

# ---------------------------------------------------------------- cleanup ----
TINY_REFS=()
for i in $(seq -w 1 "$N_TINY"); do TINY_REFS+=("berth-bench/tiny:$i"); done
cleanup() {
  local rc=$?
  set +e
  if [ "$HAVE_DOCKER" = 1 ]; then
    docker rmi -f berth-bench/img-a berth-bench/img-b >/dev/null 2>&1
    # only the tiny tags this script creates, in batches of 50
    local j
    for ((j = 0; j < ${#TINY_REFS[@]}; j += 50)); do
      docker rmi -f "${TINY_REFS[@]:j:50}" >/dev/null 2>&1
    done
  fi
  rm -rf "$BERTH_ROOT" "$BERTH_RUNROOT" "$SCR"
  [ "$KEEP_FIXTURES" = 1 ] || rm -rf "$FIX"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

rm -rf "$BERTH_ROOT" "$BERTH_RUNROOT" "$SCR"
mkdir -p "$FIX" "$SCR" "$RES"

snapshot_berth "$SCR/berth-build"
"$BERTH" --version >/dev/null || die "$BERTH --version failed (is dist/berth.mjs built?)"
log "berth: $BUILD_INFO"

# --------------------------------------------------------------- fixtures ----
# Deterministic incompressible bytes: AES-CTR keystream of a fixed passphrase
# (the same generator as /work/shared/bench), so every run and machine gets
# the same tarballs; /dev/urandom if openssl is missing (then only the cache
# makes it repeatable).
det_stream() { # SEED NBYTES
  if command -v openssl >/dev/null; then
    (set +o pipefail; openssl enc -aes-256-ctr -nosalt -pbkdf2 -pass "pass:$1" -in /dev/zero 2>/dev/null | head -c "$2")
  else
    head -c "$2" /dev/urandom
  fi
}
# det_tar DIR OUT: deterministic tar of DIR's contents (names sorted, mtime 0, root-owned)
det_tar() {
  find "$1" -type d -exec chmod 0755 {} +
  find "$1" -type f -exec chmod 0644 {} +
  tar --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner --format=gnu -C "$1" -cf "$2.part" .
  mv "$2.part" "$2"
}

TAR_A="$FIX/a-big-${BIG_MIB}MiB.tar"
TAR_B="$FIX/b-small-${N_SMALL}.tar"
if want a && [ ! -s "$TAR_A" ]; then
  log "generating fixture (a): one ${BIG_MIB} MiB incompressible file (cached in $FIX)"
  d="$FIX/a.d"; rm -rf "$d"; mkdir -p "$d/data"
  det_stream berth-image-store-big $((BIG_MIB * 1048576)) >"$d/data/big.bin"
  det_tar "$d" "$TAR_A"; rm -rf "$d"
fi
if want b && [ ! -s "$TAR_B" ]; then
  log "generating fixture (b): $N_SMALL files of 1-4 KiB in 10 directories (cached in $FIX)"
  d="$FIX/b.d"; rm -rf "$d"; mkdir -p "$d"
  RANDOM=4242; sizes=(); total=0
  for i in $(seq 0 $((N_SMALL - 1))); do s=$((1024 + RANDOM % 3073)); sizes+=("$s"); total=$((total + s)); done
  det_stream berth-image-store-small "$total" >"$FIX/b.stream"
  off=0
  for i in $(seq 0 $((N_SMALL - 1))); do
    dir="$d/app/dir$(printf %02d $((i % 10)))"
    [ -d "$dir" ] || mkdir -p "$dir"
    dd if="$FIX/b.stream" of="$dir/file$(printf %04d "$i").dat" bs=64K iflag=skip_bytes,count_bytes \
      skip="$off" count="${sizes[$i]}" status=none
    off=$((off + sizes[i]))
  done
  rm -f "$FIX/b.stream"
  det_tar "$d" "$TAR_B"; rm -rf "$d"
fi
TINY_DIR="$FIX/tiny-$N_TINY"
if want cold && [ ! -f "$TINY_DIR/.done" ]; then
  log "generating $N_TINY tiny tarballs (one 4-byte file each, contents differ)"
  rm -rf "$TINY_DIR"; mkdir -p "$TINY_DIR"
  d="$TINY_DIR/d"
  for i in $(seq -w 1 "$N_TINY"); do
    rm -rf "$d"; mkdir -p "$d"; printf '%s\n' "$i" >"$d/id"
    det_tar "$d" "$TINY_DIR/tiny-$i.tar"
  done
  rm -rf "$d"; touch "$TINY_DIR/.done"
fi

# ------------------------------------------------------------ measurement ----
fsize() { [ -e "$1" ] && stat -c %s "$1" || echo null; }
# hyperfine runs these prepare hooks without a shell (-N), hence `bash -c`.
# Optional 2nd argument: seconds to sleep after deleting (SETTLE_RUN).
berth_rm() { printf "bash -c '%s rmi -f %s >/dev/null 2>&1; sync; sleep %s'" "$BERTH" "$1" "${2:-0}"; }
docker_rm() { printf "bash -c 'docker rmi -f %s >/dev/null 2>&1; sync; sleep %s'" "$1" "${2:-0}"; }
file_rm() { printf "bash -c 'rm -rf %s; sync; sleep %s'" "$1" "${2:-0}"; }
settle() { # before a small-file series: let ext4 recover from the last deletes
  [ "$1" = b ] && [ "$SETTLE_GROUP" -gt 0 ] || return 0
  log "idle ${SETTLE_GROUP}s (SETTLE_GROUP) before the next small-file series"
  sleep "$SETTLE_GROUP"
}

declare -A BYTES=()   # BYTES[<name>] = bytes moved by that measurement

measure_fixture() { # KEY TAR
  local k="$1" tar="$2" ref="berth-bench/img-$1"
  local hfo=(--warmup "$WARMUP" --runs "$RUNS")
  local tb; tb=$(fsize "$tar")
  local sr=0; [ "$k" = b ] && sr="$SETTLE_RUN"
  log "== fixture ($k): $(basename "$tar"), $tb bytes"

  # import
  BYTES[import-$k-berth]=$tb BYTES[import-$k-docker]=$tb
  settle "$k"
  hf "import-$k-berth" "${hfo[@]}" --prepare "$(berth_rm "$ref" "$sr")" -- "$BERTH" import "$tar" "$ref"
  "$BERTH" image inspect -f '{{.Id}}' "$ref" >/dev/null 2>&1 || "$BERTH" import "$tar" "$ref" >/dev/null
  if [ "$HAVE_DOCKER" = 1 ]; then
    settle "$k"
    hf "import-$k-docker" "${hfo[@]}" --prepare "$(docker_rm "$ref" "$sr")" -- docker import "$tar" "$ref"
    docker image inspect -f '{{.Id}}' "$ref" >/dev/null 2>&1 || docker import "$tar" "$ref" >/dev/null
  fi
  # floor: GNU tar extracting the same tarball into a fresh directory on the
  # filesystem of berth's root (no hashing, no store). It shows how fast this
  # filesystem creates files during this run, which drifts a lot on these VMs.
  local xd="$SCR/untar-$k"
  BYTES[import-$k-tarx]=$tb
  settle "$k"
  hf "import-$k-tarx" "${hfo[@]}" --prepare "bash -c 'rm -rf $xd; mkdir -p $xd; sync; sleep $sr'" -- tar -xf "$tar" -C "$xd"
  rm -rf "$xd"

  # save
  local fb="$SCR/berth-$k.tar" fd="$SCR/docker-$k.tar" fs="$SCR/skopeo-$k.tar"
  hf "save-$k-berth" "${hfo[@]}" --prepare "$(file_rm "$fb")" -- "$BERTH" save -o "$fb" "$ref"
  [ -s "$fb" ] || "$BERTH" save -o "$fb" "$ref"
  BYTES[save-$k-berth]=$(fsize "$fb") BYTES[load-$k-berth]=$(fsize "$fb")
  if [ "$HAVE_DOCKER" = 1 ]; then
    hf "save-$k-docker" "${hfo[@]}" --prepare "$(file_rm "$fd")" -- docker save -o "$fd" "$ref"
    [ -s "$fd" ] || docker save -o "$fd" "$ref"
    BYTES[save-$k-docker]=$(fsize "$fd") BYTES[load-$k-docker]=$(fsize "$fd")
  fi
  if [ "$HAVE_SKOPEO" = 1 ]; then
    # skopeo's source: berth's image as an OCI layout directory (uncompressed
    # layer blobs already on disk); skopeo writes the docker-archive from it.
    local oci="$SCR/oci-$k" ociout="$SCR/oci-load-$k"
    rm -rf "$oci"; mkdir -p "$oci"
    "$BERTH" save --format oci -o "$SCR/oci-$k.tar" "$ref"
    tar -C "$oci" -xf "$SCR/oci-$k.tar"; rm -f "$SCR/oci-$k.tar"
    hf "save-$k-skopeo" "${hfo[@]}" --prepare "$(file_rm "$fs")" -- \
      skopeo copy -q "oci:$oci" "docker-archive:$fs:$ref:latest"
    [ -s "$fs" ] || skopeo copy -q "oci:$oci" "docker-archive:$fs:$ref:latest"
    BYTES[save-$k-skopeo]=$(fsize "$fs") BYTES[load-$k-skopeo]=$(fsize "$fs")
  fi

  # load (each tool reads the archive it wrote itself)
  settle "$k"
  hf "load-$k-berth" "${hfo[@]}" --prepare "$(berth_rm "$ref" "$sr")" -- "$BERTH" load -i "$fb"
  if [ "$HAVE_DOCKER" = 1 ]; then
    settle "$k"
    hf "load-$k-docker" "${hfo[@]}" --prepare "$(docker_rm "$ref" "$sr")" -- docker load -i "$fd"
  fi
  if [ "$HAVE_SKOPEO" = 1 ]; then
    hf "load-$k-skopeo" "${hfo[@]}" --prepare "$(file_rm "$ociout")" -- \
      skopeo copy -q --dest-oci-accept-uncompressed-layers "docker-archive:$fs" "oci:$ociout"
  fi

  # free the space before the next fixture
  "$BERTH" rmi -f "$ref" >/dev/null 2>&1 || true
  if [ "$HAVE_DOCKER" = 1 ]; then docker rmi -f "$ref" >/dev/null 2>&1 || true; fi
  rm -rf "$fb" "$fd" "$fs" "$SCR/oci-$k" "$SCR/oci-load-$k"
}

want a && measure_fixture a "$TAR_A"
want b && measure_fixture b "$TAR_B"

N_BERTH_IMAGES=- N_DOCKER_IMAGES=-
if want cold; then
  log "== cold start: importing $N_TINY distinct tiny images into berth (and docker if present)"
  for i in $(seq -w 1 "$N_TINY"); do
    "$BERTH" import "$TINY_DIR/tiny-$i.tar" "berth-bench/tiny:$i" >/dev/null
    if [ "$HAVE_DOCKER" = 1 ]; then docker import "$TINY_DIR/tiny-$i.tar" "berth-bench/tiny:$i" >/dev/null; fi
  done
  N_BERTH_IMAGES=$("$BERTH" images -q --no-trunc | sort -u | wc -l)
  [ "$N_BERTH_IMAGES" -ge "$N_TINY" ] || die "berth has $N_BERTH_IMAGES distinct images, expected $N_TINY"
  hfo=(--warmup "$COLD_WARMUP" --runs "$COLD_RUNS")
  hf "version-berth" "${hfo[@]}" -- "$BERTH" --version
  hf "images-berth" "${hfo[@]}" -- "$BERTH" images
  if [ "$HAVE_DOCKER" = 1 ]; then
    N_DOCKER_IMAGES=$(docker images -q --no-trunc | sort -u | wc -l)
    hf "version-docker" "${hfo[@]}" -- docker --version
    hf "images-docker" "${hfo[@]}" -- docker images
  fi
fi

# ------------------------------------------------------------------ report ----
fmt_mbs() { # bytes seconds
  { [ "$1" = null ] || [ -z "$1" ] || [ "$2" = null ]; } && { echo -; return; }
  awk -v b="$1" -v t="$2" 'BEGIN{printf "%.0f", b/1e6/t}'
}
row() { # OPERATION NAME-PREFIX
  local op="$1" p="$2" mb md ms mx
  mb=$(median "$p-berth"); md=$(median "$p-docker"); ms=$(median "$p-skopeo"); mx=$(median "$p-tarx")
  printf '| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n' "$op" \
    "$(fmt_t "$mb")" "$(fmt_t "$md")" "$(fmt_t "$ms")" "$(fmt_t "$mx")" \
    "$(fmt_mbs "${BYTES[$p-berth]:-null}" "$mb")" "$(fmt_mbs "${BYTES[$p-docker]:-null}" "$md")" \
    "$(fmt_mbs "${BYTES[$p-skopeo]:-null}" "$ms")" "$(fmt_mbs "${BYTES[$p-tarx]:-null}" "$mx")" \
    "$(ratio "$mb" "$md")"
}
mib() { [ "${1:-null}" = null ] && echo "?" || awk -v b="$1" 'BEGIN{printf "%.1f MB", b/1e6}'; }

{
  echo "# berth image store vs peers, $(date -u '+%Y-%m-%d %H:%M UTC')"
  echo
  echo "Machine: $(nproc) vCPUs, $(awk '/MemTotal/{printf "%.1f GiB", $2/1048576}' /proc/meminfo), kernel $(uname -r), $(. /etc/os-release && echo "$PRETTY_NAME")."
  echo "Tools: $("$BERTH" --version | head -n1) (node $(node --version)), $( [ "$HAVE_DOCKER" = 1 ] && docker version --format 'docker CLI {{.Client.Version}} / dockerd {{.Server.Version}}' || echo 'no docker'), $( [ "$HAVE_SKOPEO" = 1 ] && skopeo --version || echo 'no skopeo'), $(hyperfine --version)."
  echo "berth build: $BUILD_INFO."
  echo "loadavg at start: $LOAD_START, at end: $(cut -d' ' -f1-3 /proc/loadavg)."
  echo "hyperfine -N, medians; import/save/load: $WARMUP warm-up + $RUNS runs; cold start: $COLD_WARMUP warm-ups + $COLD_RUNS runs."
  echo "Idle before each small-file import/load series: ${SETTLE_GROUP} s; before each of its runs: ${SETTLE_RUN} s."
  echo "Ratio = berth median / docker median (time: < 1 means berth is faster)."
  echo
  echo "| operation | berth | docker | skopeo | tar -x | berth MB/s | docker MB/s | skopeo MB/s | tar -x MB/s | berth/docker |"
  echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
  for k in a b; do
    want "$k" || continue
    if [ "$k" = a ]; then what="(a) ${BIG_MIB} MiB file"; else what="(b) $N_SMALL small files"; fi
    row "import $what, $(mib "${BYTES[import-$k-berth]:-null}") tar" "import-$k"
    row "save $what" "save-$k"
    row "load $what" "load-$k"
  done
  if want cold; then
    row "\`--version\` (berth target 80 ms)" "version"
    row "\`images\`, $N_BERTH_IMAGES berth / $N_DOCKER_IMAGES docker images (berth target 150 ms)" "images"
  fi
  echo
  echo "Archive sizes (MB/s of save/load use each tool's own archive):"
  for k in a b; do
    want "$k" || continue
    echo "($k) berth $(mib "${BYTES[save-$k-berth]:-null}"), docker $(mib "${BYTES[save-$k-docker]:-null}"), skopeo $(mib "${BYTES[save-$k-skopeo]:-null}")."
  done
  echo
  echo "skopeo is a floor, not an engine: its save copies the uncompressed layer blobs of an"
  echo "OCI layout directory (written once by \`berth save --format oci\`) into a docker-archive,"
  echo "and its load copies a docker-archive into an OCI layout directory"
  echo "(\`--dest-oci-accept-uncompressed-layers\`): no image store, no snapshot to unpack or re-tar."
  echo "\`tar -x\` is the floor of import: GNU tar extracting the same tarball into a fresh"
  echo "directory on the filesystem of berth's root; it shows how fast the filesystem created"
  echo "files during this run (on these VMs that drifts by up to 10x within minutes)."
  echo
  echo "Raw hyperfine JSON: $RES/"
} >"$MD"

cat "$MD"
log "table written to $MD"
