#!/usr/bin/env bash
# The registry server: the same client (skopeo) pushing to and pulling from berth's server and
# CNCF distribution (`docker-registry`), side by side in one run, on 127.0.0.1.
#   (a) one 256 MiB incompressible layer;  (b) 2,000 small files (1-4 KiB) in one layer.
# Layers are gzip'd once beforehand, so skopeo copies them as they are (no compression in the
# timed part) and the figures are the servers' (and the loopback's), not gzip's.
# Each run starts from an empty registry storage (hyperfine --prepare wipes it) and, for pulls,
# an empty destination layout. Prints a Markdown table; berth/distribution is a ratio of times
# (below 1: berth is faster).
#   RUNS=3 WORK=/tmp/berth-bench bench/registry-server.sh
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh
BERTH="${BERTH:-$PWD/bin/berth}"
RUNS="${RUNS:-3}"
WORK="${WORK:-/tmp/berth-bench}"
STAMP="$(date -u +%Y%m%d-%H%M%S)"
RES="$WORK/results/registry-server-$STAMP"
FIX="$WORK/fixtures-registry-server"
SCRATCH="$WORK/registry-server-scratch"
mkdir -p "$RES" "$FIX"
rm -rf "$SCRATCH"
mkdir -p "$SCRATCH"
for tool in skopeo docker-registry hyperfine jq openssl; do
  command -v "$tool" >/dev/null || die "$tool is missing (apt-get install $tool)"
done

PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$SCRATCH"
}
trap cleanup EXIT INT TERM

# gen big DIR | gen small DIR: the fixtures' files, bytes from an AES-256-CTR keystream
# (incompressible, and the same on every run and machine)
gen() {
  node - "$@" <<'JS'
const crypto = require('node:crypto'), fs = require('node:fs'), path = require('node:path');
const [kind, dir] = process.argv.slice(2);
const stream = (seed) => {
  const key = crypto.createHash('sha256').update(seed).digest();
  const c = crypto.createCipheriv('aes-256-ctr', key, Buffer.alloc(16));
  return (n) => c.update(Buffer.alloc(n));
};
if (kind === 'big') {
  const next = stream('berth-a');
  fs.mkdirSync(path.join(dir, 'data'), { recursive: true });
  const fd = fs.openSync(path.join(dir, 'data', 'big.bin'), 'w');
  for (let i = 0; i < 256; i++) fs.writeSync(fd, next(1 << 20));
  fs.closeSync(fd);
} else {
  const next = stream('berth-b');
  for (let i = 0; i < 2000; i++) {
    const d = path.join(dir, 'app', `dir0${i % 10}`);
    fs.mkdirSync(d, { recursive: true });
    fs.writeFileSync(path.join(d, `file${i}`), next(1024 + ((i * 1543) % 3072)));
  }
}
JS
}

# layout DIR TARGZ: an OCI layout with one gzip layer, tagged `bench`
layout() {
  local dir="$1" layer="$2" ld ls diff cfg cd cs man md ms
  mkdir -p "$dir/blobs/sha256"
  ld=$(sha256sum "$layer" | cut -d' ' -f1)
  ls=$(stat -c %s "$layer")
  diff=$(gzip -dc "$layer" | sha256sum | cut -d' ' -f1)
  cp "$layer" "$dir/blobs/sha256/$ld"
  cfg=$(printf '{"architecture":"amd64","os":"linux","config":{},"rootfs":{"type":"layers","diff_ids":["sha256:%s"]}}' "$diff")
  cd=$(printf %s "$cfg" | sha256sum | cut -d' ' -f1)
  cs=${#cfg}
  printf %s "$cfg" >"$dir/blobs/sha256/$cd"
  man=$(printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:%s","size":%d},"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar+gzip","digest":"sha256:%s","size":%d}]}' "$cd" "$cs" "$ld" "$ls")
  md=$(printf %s "$man" | sha256sum | cut -d' ' -f1)
  ms=${#man}
  printf %s "$man" >"$dir/blobs/sha256/$md"
  printf '{"imageLayoutVersion":"1.0.0"}' >"$dir/oci-layout"
  printf '{"schemaVersion":2,"manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:%s","size":%d,"annotations":{"org.opencontainers.image.ref.name":"bench"}}]}' "$md" "$ms" >"$dir/index.json"
}

if [ ! -f "$FIX/a/index.json" ]; then
  log "fixture (a): 256 MiB incompressible layer"
  rm -rf "$FIX/a" "$FIX/a-src"
  gen big "$FIX/a-src"
  tar --sort=name --mtime=@0 --owner=0 --group=0 -C "$FIX/a-src" -cf - data | gzip -1 -n >"$FIX/a.tar.gz"
  layout "$FIX/a" "$FIX/a.tar.gz"
  rm -rf "$FIX/a-src" "$FIX/a.tar.gz"
fi
if [ ! -f "$FIX/b/index.json" ]; then
  log "fixture (b): 2,000 small files"
  rm -rf "$FIX/b" "$FIX/b-src"
  gen small "$FIX/b-src"
  tar --sort=name --mtime=@0 --owner=0 --group=0 -C "$FIX/b-src" -cf - app | gzip -1 -n >"$FIX/b.tar.gz"
  layout "$FIX/b" "$FIX/b.tar.gz"
  rm -rf "$FIX/b-src" "$FIX/b.tar.gz"
fi

# the servers: berth's and distribution, each on a free loopback port with its own storage
free_port() { node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'; }
mkdir -p "$SCRATCH/berth-root" "$SCRATCH/dist-root"
"$BERTH" registry serve --addr 127.0.0.1:0 --root "$SCRATCH/berth-root" >"$SCRATCH/berth.out" 2>/dev/null &
PIDS+=($!)
DPORT=$(free_port)
cat >"$SCRATCH/dist.yml" <<YML
version: 0.1
log:
  level: error
storage:
  filesystem:
    rootdirectory: $SCRATCH/dist-root
  delete:
    enabled: true
http:
  addr: 127.0.0.1:$DPORT
YML
docker-registry serve "$SCRATCH/dist.yml" >"$SCRATCH/dist.log" 2>&1 &
PIDS+=($!)
for _ in $(seq 1 100); do
  grep -q 'Listening on' "$SCRATCH/berth.out" 2>/dev/null && curl -sf "http://127.0.0.1:$DPORT/v2/" >/dev/null && break
  sleep 0.1
done
BHOST=$(sed -n 's#^Listening on http://##p' "$SCRATCH/berth.out")
[ -n "$BHOST" ] || die "berth registry did not start"
curl -sf "http://127.0.0.1:$DPORT/v2/" >/dev/null || die "docker-registry did not start (see $SCRATCH/dist.log)"
log "berth on $BHOST, distribution on 127.0.0.1:$DPORT"

ERRORS=()
for img in a b; do
  for srv in berth dist; do
    if [ $srv = berth ]; then host=$BHOST; root="$SCRATCH/berth-root"; else host=127.0.0.1:$DPORT; root="$SCRATCH/dist-root"; fi
    HF_SYNC=1 HF_TIMEOUT=900 hf "push-$img-$srv" --warmup 1 --runs "$RUNS" \
      --prepare "sh -c 'rm -rf $root/* && sync'" -- \
      skopeo copy -q --dest-tls-verify=false "oci:$FIX/$img:bench" "docker://$host/bench/$img:bench"
    [ -f "$RES/push-$img-$srv.json" ] || ERRORS+=("push $img $srv")
    # the image is on the server now (the last push run left it): pull it into fresh layouts
    HF_SYNC=1 HF_TIMEOUT=900 hf "pull-$img-$srv" --warmup 1 --runs "$RUNS" \
      --prepare "rm -rf $SCRATCH/pulled" -- \
      skopeo copy -q --src-tls-verify=false "docker://$host/bench/$img:bench" "oci:$SCRATCH/pulled:x"
    [ -f "$RES/pull-$img-$srv.json" ] || ERRORS+=("pull $img $srv")
  done
done

{
  echo "# registry server: skopeo against berth and CNCF distribution ($STAMP UTC)"
  echo
  echo "berth: $("$BERTH" --version), distribution: $(docker-registry --version 2>/dev/null | head -1), skopeo $(skopeo --version | awk '{print $3}'), RUNS=$RUNS (median)"
  echo
  echo "| operation | berth | distribution | berth/distribution |"
  echo "|---|---:|---:|---:|"
  for op in push pull; do
    for img in a b; do
      label=$([ $img = a ] && echo "(a) 256 MiB layer" || echo "(b) 2,000 small files")
      b=$(median "$op-$img-berth"); d=$(median "$op-$img-dist")
      echo "| skopeo $op $label | $(fmt_t "$b") | $(fmt_t "$d") | $(ratio "$b" "$d") |"
    done
  done
  echo
  report_footer
} | tee "$WORK/results/registry-server-$STAMP.md"
