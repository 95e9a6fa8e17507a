#!/usr/bin/env bash
# Fuzzes the readers of untrusted files with libFuzzer (ASan + UBSan): builds the harnesses of
# fuzz/ with clang into build-fuzz/ ($FUZZ_BUILD_DIR if set; installing clang and its fuzzer
# runtime with apt-get when missing), then runs each target for SECONDS, one after the other,
# and prints its executions, speed and coverage. Exits 1 if a target crashed (or broke its
# contract, leaked, ran out of memory or time), naming the saved input; 2 on a usage error.
#
# The committed seeds (fuzz/corpus/<target>) are copied into a work corpus under
# build-fuzz/corpus/<target>, which keeps what the fuzzer finds between runs. The inputs of
# fuzz/regressions/<target> (fuzz/make_regressions.py) are replayed first, and the small ones
# join the work corpus. On a shared machine run it as `nice -n 19 scripts/fuzz.sh 900`.
set -euo pipefail

usage() {
  cat <<'EOF'
Usage: scripts/fuzz.sh [SECONDS_PER_TARGET] [TARGET...]
Builds and runs the libFuzzer harnesses of fuzz/ for SECONDS_PER_TARGET each (default 60),
one target after the other. TARGETs: idx, ckpt, image, font (default: all four).
Builds in build-fuzz/, or in $FUZZ_BUILD_DIR when set.
Findings are saved under <build>/artifacts/<target>/; the exit status is 1 if any.
EOF
}

case "${1:-}" in
-h | --help)
  usage
  exit 0
  ;;
esac
secs="${1:-60}"
if [[ ! "$secs" =~ ^[1-9][0-9]{0,6}$ ]]; then
  echo "fuzz.sh: SECONDS_PER_TARGET must be a positive integer, got '$secs'" >&2
  echo "Try 'scripts/fuzz.sh --help'." >&2
  exit 2
fi
shift $(($# > 0 ? 1 : 0))
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(idx ckpt image font)
for t in "${targets[@]}"; do
  case "$t" in
  idx | ckpt | image | font) ;;
  *)
    echo "fuzz.sh: unknown target '$t' (known: idx ckpt image font)" >&2
    echo "Try 'scripts/fuzz.sh --help'." >&2
    exit 2
    ;;
  esac
done

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${FUZZ_BUILD_DIR:-$root/build-fuzz}"
mkdir -p "$build"

# clang with libFuzzer and the sanitizer runtimes: probe by linking an empty harness.
probe() {
  command -v clang >/dev/null 2>&1 &&
    printf '%s\n' '#include <stddef.h>' '#include <stdint.h>' \
      'int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);' \
      'int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n) { (void)d; (void)n; return 0; }' |
    clang -fsanitize=fuzzer,address,undefined -x c - -o "$build/.fuzz-probe" >/dev/null 2>&1
}
if ! probe; then
  echo "== installing clang and libclang-rt-14-dev (libFuzzer runtime)"
  sudo=()
  [ "$(id -u)" -eq 0 ] || sudo=(sudo)
  "${sudo[@]}" apt-get update -qq
  "${sudo[@]}" apt-get install -y -qq clang libclang-rt-14-dev >/dev/null
  if ! probe; then
    echo "fuzz.sh: clang cannot link -fsanitize=fuzzer,address,undefined even after installing" \
      "libclang-rt-14-dev" >&2
    exit 1
  fi
fi
rm -f "$build/.fuzz-probe"

echo "== building the harnesses into $build"
CC=clang cmake -S "$root" -B "$build" -DRESNET_MNIST_FUZZ=ON -DBUILD_TESTING=OFF >/dev/null
cmake --build "$build" --target "${targets[@]/#/fuzz_}" -j"$(nproc)" >/dev/null

# Dictionaries: the tokens the parsers compare against, which random mutation rarely hits.
mkdir -p "$build/dict"
cat >"$build/dict/idx.dict" <<'EOF'
magic_images="\x00\x00\x08\x03"
magic_labels="\x00\x00\x08\x01"
size_28="\x00\x00\x00\x1c"
gzip_magic="\x1f\x8b\x08\x00"
u32_max="\xff\xff\xff\xff"
int_max="\x7f\xff\xff\xff"
int_max_plus_1="\x80\x00\x00\x00"
EOF
cat >"$build/dict/ckpt.dict" <<'EOF'
"\"dtype\""
"\"F32\""
"\"F16\""
"\"shape\""
"\"data_offsets\""
"\"__metadata__\""
"\"crc32\""
"\"format\""
"\"pt\""
"\"fc.weight\""
"\"fc.bias\""
"\"conv.weight\""
"\"scale\""
"\"empty\""
"\"fc.weight.momentum\""
"\\u0000"
"\\u00"
"\\ud800"
"[]"
"[0,0]"
"{}"
"null"
"true"
"1e308"
"-0"
"0.5"
"9007199254740992"
"9007199254740993"
"18446744073709551616"
"\x00\x00\x00\x00\x00\x00\x00\x00"
"\x00\x00\x80\x7f"
"\x00\x00\xc0\x7f"
"\xff\xff\xff\xff\xff\xff\xff\xff"
EOF
cat >"$build/dict/image.dict" <<'EOF'
png_sig="\x89PNG\x0d\x0a\x1a\x0a"
ihdr="IHDR"
plte="PLTE"
trns="tRNS"
idat="IDAT"
iend="IEND\xaeB`\x82"
soi="\xff\xd8\xff"
sof0="\xff\xc0"
sof2="\xff\xc2"
dht="\xff\xc4"
dqt="\xff\xdb"
sos="\xff\xda"
dri="\xff\xdd"
eoi="\xff\xd9"
app14="\xff\xeeAdobe"
bm="BM"
bmp_info40="\x28\x00\x00\x00"
bmp_v4="\x6c\x00\x00\x00"
bmp_v5="\x7c\x00\x00\x00"
p5="P5\x0a"
p6="P6\x0a"
maxval="65535\x0a"
comment="# "
u32_max="\xff\xff\xff\xff"
int_min="\x00\x00\x00\x80"
EOF
cat >"$build/dict/font.dict" <<'EOF'
sfnt_tt="\x00\x01\x00\x00"
sfnt_true="true"
sfnt_otto="OTTO"
ttc="ttcf"
head="head"
hhea="hhea"
hmtx="hmtx"
maxp="maxp"
cmap="cmap"
loca="loca"
glyf="glyf"
kern="kern"
gpos="GPOS"
cff="CFF "
post="post"
name="name"
os2="OS/2"
magic="\x5f\x0f\x3c\xf5"
u16_max="\xff\xff"
i16_min="\x80\x00"
EOF

# Readable stack traces, and UBSan findings that stop the run like ASan's.
if command -v llvm-symbolizer >/dev/null 2>&1; then
  export ASAN_SYMBOLIZER_PATH="${ASAN_SYMBOLIZER_PATH:-$(command -v llvm-symbolizer)}"
fi
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"

# stat NAME LOG: the value of libFuzzer's final "stat::NAME:" line, or "?".
stat_of() {
  local v
  v="$(sed -n "s/^stat::$1: *//p" "$2" | tail -n 1)"
  echo "${v:-?}"
}

found=0
for t in "${targets[@]}"; do
  case "$t" in
  idx) max_len=65536 ;;
  ckpt) max_len=4096 ;;
  image) max_len=16384 ;;
  font) max_len=16384 ;;
  esac
  work="$build/corpus/$t"
  artifacts="$build/artifacts/$t"
  log="$build/logs/fuzz_${t}_$(date +%Y%m%d-%H%M%S).log"
  mkdir -p "$work" "$artifacts" "$build/logs"
  cp -n "$root/fuzz/corpus/$t"/* "$work"/

  # The regression inputs: each replayed once, whole; the small ones then seed the fuzzing too
  # (not the large: a gzip bomb in the corpus would slow every mutation of it to a crawl).
  regs="$root/fuzz/regressions/$t"
  if [ -d "$regs" ]; then
    echo "== fuzz_$t: replaying $(find "$regs" -type f | wc -l) inputs of $regs"
    if ! "$build/fuzz/fuzz_$t" "$regs"/* >"$log.replay" 2>&1; then
      found=1
      echo "!! fuzz_$t FAILS ON A REGRESSION INPUT"
      grep -E '^(Running: |==[0-9]+== ?ERROR|SUMMARY|fuzz_[a-z]+: contract broken|.*runtime error:)' \
        "$log.replay" | tail -n 5 | sed 's/^/   /' || true
      echo "   full log: $log.replay"
      continue
    fi
    find "$regs" -type f -size -4097c -exec cp -n {} "$work"/ \;
  fi

  echo "== fuzz_$t: $secs s, -max_len=$max_len, log $log"
  before="$(find "$artifacts" -type f | wc -l)"
  set +e
  "$build/fuzz/fuzz_$t" -max_total_time="$secs" -max_len="$max_len" -timeout=25 \
    -print_final_stats=1 -dict="$build/dict/$t.dict" -artifact_prefix="$artifacts/" \
    "$work" >"$log" 2>&1
  rc=$?
  set -e

  last="$(grep -E '^#[0-9]+' "$log" | grep 'cov:' | tail -n 1 || true)"
  cov="$(sed -n 's/.* cov: \([0-9]*\).*/\1/p' <<<"$last")"
  ft="$(sed -n 's/.* ft: \([0-9]*\).*/\1/p' <<<"$last")"
  corp="$(sed -n 's/.* corp: \([0-9]*\)\/\([0-9a-zA-Z]*\).*/\1 inputs, \2/p' <<<"$last")"
  echo "   executions $(stat_of number_of_executed_units "$log")," \
    "exec/s $(stat_of average_exec_per_sec "$log")," \
    "cov ${cov:-?}, ft ${ft:-?}," \
    "new units $(stat_of new_units_added "$log")," \
    "peak RSS $(stat_of peak_rss_mb "$log") MB"
  echo "   corpus: ${corp:-?} in the fuzzer's final set;" \
    "$(find "$work" -type f | wc -l) files, $(du -sk "$work" | cut -f1) KiB kept in $work"

  if [ "$rc" -ne 0 ]; then
    found=1
    unit="$(sed -n 's/.*Test unit written to \(.*\)$/\1/p' "$log" | tail -n 1)"
    echo "!! fuzz_$t FOUND A PROBLEM (libFuzzer exit status $rc)"
    grep -E '^(==[0-9]+== ?ERROR|SUMMARY|fuzz_[a-z]+: contract broken|.*runtime error:)' "$log" |
      head -n 5 | sed 's/^/   /' || true
    if [ -n "$unit" ]; then
      echo "   input saved to: $unit"
      echo "   reproduce: $build/fuzz/fuzz_$t $unit"
      echo "   minimise:  $build/fuzz/fuzz_$t -minimize_crash=1 -max_total_time=60" \
        "-artifact_prefix=$artifacts/ $unit"
    elif [ "$(find "$artifacts" -type f | wc -l)" -gt "$before" ]; then
      echo "   new files in $artifacts"
    fi
    echo "   full log: $log"
  fi
done
exit "$found"
