#!/usr/bin/env bash
# Hardened core (issue 6, item 3): the C++ GoogleTest suite under AddressSanitizer and
# UndefinedBehaviorSanitizer (preset `sanitize`), then the libFuzzer target cpp/fuzz (preset
# `fuzz`, clang) for a bounded time on its corpus. Installs what it needs on a bare Debian
# machine. Exits non-zero on any test failure, sanitizer report or fuzzer crash.
#
#   ci/hardening.sh                      # 60 s of fuzzing
#   FUZZ_SECONDS=600 ci/hardening.sh     # longer, locally
#
# Budget: under 8 minutes on 2 cores (about 1 min of building per preset, 1 min fuzzing).
set -euo pipefail
cd "$(dirname "$0")/.."

FUZZ_SECONDS="${FUZZ_SECONDS:-60}"
JOBS="${JOBS:-$(nproc 2>/dev/null || echo 2)}"
WORK="build/hardening"
log() { printf '\n== %s\n' "$*"; }
started=$(date +%s)

log "system packages (clang with libFuzzer, GoogleTest, CMake, Ninja)"
need=()
command -v clang++ >/dev/null || need+=(clang)
dpkg -s libgtest-dev >/dev/null 2>&1 || need+=(libgtest-dev)
command -v cmake >/dev/null || need+=(cmake)
command -v ninja >/dev/null || need+=(ninja-build)
if [ "${#need[@]}" -gt 0 ]; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq "${need[@]}" >/dev/null
fi
# libFuzzer's runtime: part of libclang-common-N-dev up to clang 15, libclang-rt-N-dev after.
clang_major=$(clang++ -dumpversion | cut -d. -f1)
if ! clang++ -print-file-name=libclang_rt.fuzzer-x86_64.a | grep -q /; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y -qq "libclang-rt-${clang_major}-dev" >/dev/null
fi
echo "clang $(clang++ -dumpversion), $(cmake --version | head -1), $(g++ --version | head -1)"

log "Boost headers (Boost.Multiprecision, header-only)"
python=python3
[ -x .venv/bin/python ] && python=.venv/bin/python
boost_include() {
  "$1" -c "import importlib.util as u, os; s = u.find_spec('libboost_headers'); \
print(os.path.join(list(s.submodule_search_locations)[0], 'include'))" 2>/dev/null || true
}
boost=$(boost_include "$python")
if [ ! -f "$boost/boost/multiprecision/cpp_int.hpp" ]; then
  # The same pinned PyPI package the build uses (pyproject.toml), in a private venv.
  if ! python3 -m venv "$WORK/venv" >/dev/null 2>&1; then
    export DEBIAN_FRONTEND=noninteractive  # Debian's python3 keeps venv in its own package
    apt-get update -qq && apt-get install -y -qq python3-venv >/dev/null
    rm -rf "$WORK/venv" && python3 -m venv "$WORK/venv"
  fi
  "$WORK/venv/bin/python" -m pip install -q "libboost-headers==1.88.0"
  boost=$(boost_include "$WORK/venv/bin/python")
fi
echo "Boost: $boost"

log "C++ tests under ASan + UBSan (preset sanitize: Debug, GCC)"
t0=$(date +%s)
cmake --preset sanitize -DYIBAO_BOOST_INCLUDE_DIR="$boost" >/dev/null
cmake --build --preset sanitize -j "$JOBS"
# Any leak, overflow, misaligned access or UB aborts the test (no recovery).
ASAN_OPTIONS="detect_leaks=1:abort_on_error=1:strict_string_checks=1:detect_stack_use_after_return=1" \
UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1" \
  ctest --test-dir build/sanitize/cpp --output-on-failure --no-tests=error -j "$JOBS"
echo "sanitizer job: $(( $(date +%s) - t0 )) s"

log "libFuzzer target (preset fuzz: clang, ASan + UBSan), ${FUZZ_SECONDS} s on cpp/fuzz/corpus"
t0=$(date +%s)
cmake --preset fuzz -DYIBAO_BOOST_INCLUDE_DIR="$boost" >/dev/null
cmake --build --preset fuzz -j "$JOBS"
# New units go to a scratch copy: the committed corpus changes only by hand (make_corpus.py
# or `yibao_fuzz -merge=1 cpp/fuzz/corpus <dir>`).
rm -rf "$WORK/corpus" "$WORK/artifacts" && mkdir -p "$WORK/corpus" "$WORK/artifacts"
cp cpp/fuzz/corpus/* "$WORK/corpus/"
# The fuzzer's progress lines go to a log (CI shows its end, or all of the failure's tail).
if ! ASAN_OPTIONS="detect_leaks=1:abort_on_error=1" \
  UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1" \
  build/fuzz/cpp/fuzz/yibao_fuzz "$WORK/corpus" \
    -max_total_time="$FUZZ_SECONDS" -timeout=10 -rss_limit_mb=2048 -max_len=1200 \
    -artifact_prefix="$WORK/artifacts/" -print_final_stats=1 >"$WORK/fuzz.log" 2>&1; then
  tail -n 120 "$WORK/fuzz.log"
  echo "fuzzer failed: crash input kept in $WORK/artifacts/"
  exit 1
fi
tail -n 14 "$WORK/fuzz.log"
echo "fuzz job: $(( $(date +%s) - t0 )) s; corpus $(ls cpp/fuzz/corpus | wc -l) seeds -> $(ls "$WORK/corpus" | wc -l) units"

log "hardening passed in $(( $(date +%s) - started )) s"
