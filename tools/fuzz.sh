#!/usr/bin/env bash
# Builds the libFuzzer targets with clang in build-fuzz/ and runs each for N seconds
# (default 120), seeded with tests/data and a few small generated files.
#   tools/fuzz.sh [seconds] [target...]     targets: fuzz_safetensors fuzz_pth fuzz_latents
#   tools/fuzz.sh 0                         build only
# Crashes are written to build-fuzz/artifacts/<target>-crash-*; logs to build-fuzz/logs/.
# Reproduce one with: build-fuzz/tests/fuzz/<target> <artifact>
set -euo pipefail

seconds=${1:-120}
shift || true
targets=("$@")
[ ${#targets[@]} -eq 0 ] && targets=(fuzz_safetensors fuzz_pth fuzz_latents)

root=$(cd "$(dirname "$0")/.." && pwd)
build=$root/build-fuzz
data=$root/tests/data

command -v clang++ >/dev/null || { echo "fuzz.sh: clang++ not found (apt-get install clang libclang-rt-14-dev)" >&2; exit 2; }

# Fuzzing wants optimised code with debug info for readable stack traces; no GUI, no CUDA.
CC=clang CXX=clang++ cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DTILESCOPE_FUZZ=ON -DTILESCOPE_GUI=OFF -DTILESCOPE_CUDA=OFF >/dev/null
cmake --build "$build" -j"${FUZZ_BUILD_JOBS:-2}" --target "${targets[@]}"
[ "$seconds" -eq 0 ] && exit 0  # libFuzzer reads -max_total_time=0 as "forever"

mkdir -p "$build/seeds" "$build/artifacts" "$build/logs"
# Small, valid inputs reach deeper than the multi-MB reference files, whose mutations
# mostly hit the size checks; both are used.
python3 - "$build/seeds" <<'PY'
import json, struct, sys, os
out = sys.argv[1]
def st(name, tensors):
    header, blob = {}, b""
    for key, (dtype, shape, data) in tensors.items():
        header[key] = {"dtype": dtype, "shape": shape, "data_offsets": [len(blob), len(blob) + len(data)]}
        blob += data
    h = json.dumps(header).encode()
    h += b" " * ((8 - len(h) % 8) % 8)
    open(os.path.join(out, name), "wb").write(struct.pack("<Q", len(h)) + h + blob)
f32 = lambda n: struct.pack("<%df" % n, *[i * 0.5 - 1 for i in range(n)])
st("small_latents.safetensors", {"latents": ("F32", [2, 1, 2, 2], f32(8))})
st("small_f16.safetensors", {"latents": ("F16", [1, 2, 1, 2, 2], b"\x00\x3c" * 8)})
st("small_video.safetensors", {"video": ("F32", [3, 1, 2, 2], f32(12)), "x.weight": ("BF16", [2], b"\x80\x3f" * 2)})
def npy(name, descr, shape, data, major=1):
    h = "{'descr': '%s', 'fortran_order': False, 'shape': %s, }" % (descr, repr(tuple(shape)))
    pre = 10 if major == 1 else 12
    h += " " * ((64 - (pre + len(h) + 1) % 64) % 64) + "\n"
    ln = struct.pack("<H", len(h)) if major == 1 else struct.pack("<I", len(h))
    open(os.path.join(out, name), "wb").write(b"\x93NUMPY" + bytes([major, 0]) + ln + h.encode() + data)
npy("small.npy", "<f4", [2, 1, 2, 2], f32(8))
npy("small_v2.npy", "<f2", [1, 3, 1, 1, 2], b"\x00\x3c" * 6, major=2)
PY

for t in "${targets[@]}"; do
  corpus=$build/corpus/$t
  mkdir -p "$corpus"
  case $t in
    fuzz_pth) cp -n "$data"/*.pth "$data"/*.pt "$corpus"/ || true ;;
    fuzz_safetensors) cp -n "$data"/*.safetensors "$build"/seeds/*.safetensors "$corpus"/ || true ;;
    *) cp -n "$data"/*.safetensors "$data"/*.pt "$build"/seeds/* "$corpus"/ || true ;;
  esac
  echo "== $t: ${seconds}s, corpus $corpus" >&2
  rc=0
  # Leak detection off: LibTorch keeps process-lifetime allocations that LSan reports
  # at exit; per-input growth is still bounded by -rss_limit_mb.
  ASAN_OPTIONS=detect_leaks=0 "$build/tests/fuzz/$t" "$corpus" -max_total_time="$seconds" -max_len=65536 \
    -timeout=20 -rss_limit_mb=4096 -print_final_stats=1 -artifact_prefix="$build/artifacts/$t-" \
    >"$build/logs/$t.log" 2>&1 || rc=$?
  grep -E "^stat::number_of_executed_units|^stat::peak_rss_mb|^#[0-9]+ *DONE" "$build/logs/$t.log" >&2 || true
  if [ $rc -ne 0 ]; then
    echo "== $t: FINDING (exit $rc); see $build/logs/$t.log and $build/artifacts/" >&2
    grep -E "ERROR: (AddressSanitizer|libFuzzer)|SUMMARY|Test unit written|uncaught exception|what\(\)" \
      "$build/logs/$t.log" | head -8 >&2 || true
  fi
done
