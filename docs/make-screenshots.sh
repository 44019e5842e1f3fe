#!/bin/bash
# Retakes the GUI screenshots in docs/ from a build (default: build/), on a virtual X
# server with a fresh run history, in the order the later ones need (Compare runs and
# Reopen use the runs made before them). Run from the repository root:
#   docs/make-screenshots.sh [BUILD_DIR]
# Needs xvfb-run (./tilescope.sh deps installs it). Takes a few minutes on two cores.
set -euo pipefail
app="${1:-build}/app/tilescope"
[ -x "$app" ] || { echo "make-screenshots: no $app (build first)" >&2; exit 2; }
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
mkdir -p "$scratch/home" "$scratch/xdg"
chmod 700 "$scratch/xdg"

shot() {
    local name=$1
    shift
    XDG_RUNTIME_DIR="$scratch/xdg" HOME="$scratch/home" \
        xvfb-run -a -s "-screen 0 1600x1000x24" "$app" "$@" --screenshot "docs/$name" --quit
}

blend=(--tiling blend --tile 128 --overlap 32)
shot screenshot-main.png --demo --run
shot screenshot-demo-tiles.png --demo --run "${blend[@]}"
shot screenshot-seams.png --demo --run --tiling blend --tile 128 --overlap 16 --seam-check --view heatmap --gain auto
shot screenshot-stats.png --demo --run --select-range 1000:2500
shot screenshot-compare.png --demo --run "${blend[@]}" --compare-tiling exact
shot screenshot-compare-stages.png --demo --run "${blend[@]}" --compare-tiling exact --compare-view stages
shot screenshot-dark.png --demo --run "${blend[@]}" --color-scheme dark
shot screenshot-reopen.png --reopen-last

# The HTML report (a CLI decode's --report) as a browser shows it, where Chromium is
# installed (not a dependency: `apt-get install chromium`).
if command -v chromium >/dev/null; then
    "${1:-build}/app/tilescope-cli" decode --vae builtin:demo --latents resources/demo/demo_latents.safetensors \
        "${blend[@]}" --streams 2 \
        --out "$scratch/frames.safetensors" --report "$scratch/report.html" >/dev/null
    chromium --headless --no-sandbox --disable-gpu --hide-scrollbars --window-size=1280,2400 \
        --screenshot="docs/report-screenshot.png" "file://$scratch/report.html" 2>/dev/null
    echo "make-screenshots: docs/report-screenshot.png"
fi
