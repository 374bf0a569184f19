# Helpers sourced by the ci/ scripts.
step() { printf '\n==> [%dm%02ds] %s\n' $((SECONDS / 60)) $((SECONDS % 60)) "$*"; }
die() { echo "error: $*" >&2; exit 1; }
# Exercises in the workspace, in chapter order.
TARGET_DIR=${CARGO_TARGET_DIR:-target}
exercises() { ls -d exercises/ex[0-9]* 2>/dev/null | xargs -n1 basename | sort -V; }
