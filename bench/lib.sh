# Shared helpers of berth's benchmarks (sourced; the caller sets RES, the result directory).
# hf NAME [hyperfine options...] -- COMMAND : hyperfine -N, JSON to $RES/NAME.json;
# HF_SYNC=1 runs `sync` first (so one series' dirty pages are not written during the next);
# HF_TIMEOUT=SECONDS bounds the whole hyperfine series (killed after that, counted as failed).

log() { printf '[%s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "FATAL: $*"; exit 1; }
has_peer() { case " $PEERS " in *" $1 "*) return 0 ;; *) return 1 ;; esac; }

hf() {
  local name="$1"; shift
  local opts=()
  while [ $# -gt 0 ] && [ "$1" != "--" ]; do opts+=("$1"); shift; done
  shift
  log "$name :: $*"
  [ "${HF_SYNC:-0}" = 1 ] && sync
  local bound=()
  [ -n "${HF_TIMEOUT:-}" ] && bound=(timeout --foreground "$HF_TIMEOUT")
  if "${bound[@]}" hyperfine -N --style basic --export-json "$RES/$name.json" "${opts[@]}" "$*" >"$RES/$name.log" 2>&1; then
    grep -E 'Time \(mean' "$RES/$name.log" | sed 's/^ */    /' >&2 || true
  else
    log "FAILED $name (see $RES/$name.log):"
    tail -n 5 "$RES/$name.log" | sed 's/^/    /' >&2
    rm -f "$RES/$name.json"
  fi
}
median() { [ -f "$RES/$1.json" ] && jq '.results[0].median' "$RES/$1.json" || echo null; }

known() { [ -n "${1:-}" ] && [ "$1" != null ]; }
fmt_t() { # seconds -> "123 ms" / "1.23 s" / "-"
  known "${1:-}" || { echo -; return; }
  awk -v t="$1" 'BEGIN{ if (t < 1) printf "%.0f ms", t*1000; else printf "%.2f s", t }'
}
ratio() { # A B -> A/B with two decimals, "-" if unknown
  { known "${1:-}" && known "${2:-}"; } || { echo -; return; }
  awk -v a="$1" -v b="$2" 'BEGIN{ if (b == 0) print "-"; else printf "%.2f", a/b }'
}

# snapshot_berth DIR: with SNAPSHOT=1 (the default), copy the build (bin/, dist/, the native
# addon, berth-monitor) into DIR and point BERTH at the copy, so a rebuild of the checkout
# during a run cannot mix two builds or break a run half-way. Sets BUILD_INFO either way.
snapshot_berth() {
  local snap="$1" src
  if [ "${SNAPSHOT:-1}" != 1 ]; then
    BUILD_INFO="$BERTH (no snapshot)"
    return
  fi
  src="$(cd "$(dirname "$BERTH")/.." && pwd)"
  for _ in $(seq 1 60); do [ -f "$src/dist/berth.mjs" ] && break; sleep 1; done
  [ -x "$src/native/monitor/berth-monitor" ] || die "no $src/native/monitor/berth-monitor (make -C native/monitor)"
  mkdir -p "$snap/bin" "$snap/native/build/Release" "$snap/native/monitor"
  cp -p "$BERTH" "$snap/bin/berth"
  cp -rp "$src/dist" "$snap/dist"
  if [ -d "$src/native/build/Release" ]; then
    find "$src/native/build/Release" -maxdepth 1 -name '*.node' -exec cp -p {} "$snap/native/build/Release/" \;
  fi
  cp -p "$src/native/monitor/berth-monitor" "$snap/native/monitor/"
  [ -e "$src/node_modules" ] && ln -s "$src/node_modules" "$snap/node_modules"
  BERTH="$snap/bin/berth"
  BUILD_INFO="snapshot of $src/dist taken $(date -u +%H:%M:%S), sha256 of its .mjs files + berth-monitor $(cd "$snap" && { find dist -name '*.mjs' | sort | xargs cat; cat native/monitor/berth-monitor; } | sha256sum | cut -c1-12)"
}

# report_footer: the end of a results table: ERRORS (an array, may be empty) and where RES is.
report_footer() {
  if [ "${#ERRORS[@]}" -gt 0 ]; then
    echo "Failures:"
    for x in "${ERRORS[@]}"; do echo "- $x"; done
  else
    echo "No failures."
  fi
  echo
  echo "Raw hyperfine JSON and logs: $RES/"
}
