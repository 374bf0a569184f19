#!/usr/bin/env bash
# Exercise 2's own checks:
# 1. `ex2 --check`: the facts chapter 2 rests on (jemalloc is the active
#    allocator, its statistics and size classes, purging, equal allocation
#    counts under both allocators). Facts only, never timings.
# 2. The build without jemalloc, which is what Windows MSVC gets, kept
#    compiling, lint-clean, tested and checked on Linux. It has a target
#    directory of its own so it never replaces the jemalloc build's binaries.
set -euo pipefail
cd "$(dirname "$0")/../.."
source ci/lib.sh

cargo build --release --locked --quiet -p ex2
"$TARGET_DIR/release/ex2" --check

nojem="$TARGET_DIR/ex2-no-jemalloc"
echo "ex2 without jemalloc (--no-default-features), target dir $nojem"
cargo clippy --locked --quiet -p ex2 --no-default-features --all-targets --target-dir "$nojem" -- -D warnings
cargo test --release --locked --quiet -p ex2 --no-default-features --target-dir "$nojem"
"$nojem/release/ex2" --check
"$nojem/release/ex2" bench --threads 1,2 --runs 1 --units 500 > /dev/null
