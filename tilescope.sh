#!/usr/bin/env bash
# TileScope setup and launcher (Debian 12 / Ubuntu 22.04+).
#
#   ./tilescope.sh run [ARGS...]   install what is missing, build, start the GUI
#                                  (ARGS default to --demo)
#   ./tilescope.sh test            install what is missing, build, run every test
#   ./tilescope.sh build           install what is missing, build
#   ./tilescope.sh deps            install the missing Debian packages only
#
# Idempotent: packages are only installed when dpkg says one is missing, CMake only
# configures once (build/), and the build only recompiles what changed.
# Environment: BUILD_DIR (default build), BUILD_TYPE (default Release), JOBS (default nproc),
# TILESCOPE_CMAKE_ARGS (extra arguments for the first configure).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$ROOT"

BUILD_DIR="${BUILD_DIR:-build}"
BUILD_TYPE="${BUILD_TYPE:-Release}"
JOBS="${JOBS:-$(nproc 2>/dev/null || echo 2)}"

# What the build, the GUI and the tests need. qt6-base-dev pulls in libgl-dev,
# libglx-dev, libopengl-dev and libvulkan-dev, which Qt6Gui's CMake package looks for;
# they are listed anyway so a partial install is repaired. xvfb and xauth run the GUI on a
# machine without a display; fonts-dejavu-core gives Qt a font to draw with.
# libopenblas0-openmp: Debian's LibTorch links the generic libblas.so.3, which is the netlib
# reference BLAS unless an optimised one is installed; the attention block's matrix products
# run 15-25x faster on OpenBLAS (engine/core/blas_library.h). The OpenMP build shares
# LibTorch's thread pool instead of starting its own threads beside it.
PACKAGES=(
  cmake ninja-build g++ pkg-config
  qt6-base-dev libgl-dev libglx-dev libopengl-dev libvulkan-dev
  libqcustomplot-dev libqcustomplot2.1-qt6
  libtorch-dev libopenblas0-openmp
  nlohmann-json3-dev
  libavformat-dev libavcodec-dev libswscale-dev libavutil-dev
  zlib1g-dev
  xvfb xauth fonts-dejavu-core
)

if [[ -t 1 ]]; then BOLD=$'\033[1m' PLAIN=$'\033[0m'; else BOLD='' PLAIN=''; fi
say()  { printf '%s[tilescope]%s %s\n' "$BOLD" "$PLAIN" "$*"; }
die()  { printf '[tilescope] error: %s\n' "$*" >&2; exit 1; }

usage() {
  sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//'
}

missing_packages() {
  local pkg status
  for pkg in "${PACKAGES[@]}"; do
    status="$(dpkg-query -W -f='${db:Status-Status}' "$pkg" 2>/dev/null || true)"
    [[ "$status" == "installed" ]] || printf '%s\n' "$pkg"
  done
}

deps() {
  command -v dpkg-query >/dev/null 2>&1 \
    || die "dpkg-query not found: this script installs Debian packages; on other systems install the equivalents of: ${PACKAGES[*]}"
  local missing
  mapfile -t missing < <(missing_packages)
  if ((${#missing[@]} == 0)); then
    say "all ${#PACKAGES[@]} required Debian packages are installed"
    return 0
  fi
  say "installing ${#missing[@]} missing Debian package(s): ${missing[*]}"
  local sudo=()
  if [[ "$(id -u)" -ne 0 ]]; then
    command -v sudo >/dev/null 2>&1 \
      || die "not root and sudo is not available: as root, run: apt-get install ${missing[*]}"
    sudo=(sudo)
  fi
  "${sudo[@]}" apt-get update
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive \
    apt-get install -y --no-install-recommends "${missing[@]}"
  local still
  mapfile -t still < <(missing_packages)
  ((${#still[@]} == 0)) || die "still missing after apt-get install: ${still[*]}"
  say "packages installed"
}

configure() {
  if [[ -f "$BUILD_DIR/CMakeCache.txt" && -f "$BUILD_DIR/build.ninja" ]]; then
    return 0  # configured; the build re-runs CMake itself when a CMakeLists.txt changes
  fi
  if [[ -f "$BUILD_DIR/CMakeCache.txt" ]]; then
    die "$BUILD_DIR/ was configured with another generator than Ninja: remove $BUILD_DIR/ and run again"
  fi
  say "configuring $BUILD_DIR/ ($BUILD_TYPE)"
  # shellcheck disable=SC2086  # TILESCOPE_CMAKE_ARGS is a list of arguments
  cmake -S . -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE="$BUILD_TYPE" ${TILESCOPE_CMAKE_ARGS:-}
}

build() {
  deps
  configure
  say "building in $BUILD_DIR/ with $JOBS job(s)"
  cmake --build "$BUILD_DIR" -j"$JOBS"
  say "build complete"
}

run() {
  build
  local app="$BUILD_DIR/app/tilescope"
  [[ -x "$app" ]] \
    || die "$app was not built: the GUI needs Qt 6 (is TILESCOPE_GUI=OFF in $BUILD_DIR/CMakeCache.txt?)"
  # No options: the GUI opens the demo, and on its very first launch (an empty run
  # history) decodes it at once; --demo would open it without decoding.
  local args=("$@")
  if [[ -n "${DISPLAY:-}" || -n "${WAYLAND_DISPLAY:-}" ]]; then
    say "starting $app ${args[*]}"
    exec "$app" "${args[@]}"
  fi
  say "no DISPLAY or WAYLAND_DISPLAY is set, so there is no screen to open the window on."
  say "running it on a virtual X server (xvfb-run) instead: the window is not visible, but"
  say "--run --screenshot FILE --quit still work, e.g. ./tilescope.sh run --demo --run --screenshot shot.png --quit"
  command -v xvfb-run >/dev/null 2>&1 || die "xvfb-run not found (install xvfb)"
  exec xvfb-run -a "$app" "${args[@]}"
}

test_() {
  build
  say "running the tests"
  QT_QPA_PLATFORM="${QT_QPA_PLATFORM:-offscreen}" ctest --test-dir "$BUILD_DIR" --output-on-failure -j1
}

cmd="${1:-}"
(($# > 0)) && shift
case "$cmd" in
  run)   run "$@" ;;
  test)  test_ ;;
  build) build ;;
  deps)  deps ;;
  -h|--help|help) usage ;;
  "") usage; exit 2 ;;
  *) printf '[tilescope] unknown command: %s\n\n' "$cmd" >&2; usage >&2; exit 2 ;;
esac
