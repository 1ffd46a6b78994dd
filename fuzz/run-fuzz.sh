#!/bin/sh
# Runs one fuzz target for SECONDS (default 600) on stable Rust, niced (shared machine).
# cargo-fuzz needs nightly flags; RUSTC_BOOTSTRAP=1 lets stable accept them, and `-s none`
# skips the sanitizer (all fuzzed code is safe Rust; libFuzzer still finds panics/hangs).
# Build once with `RUSTC_BOOTSTRAP=1 cargo fuzz build -s none`; NO_BUILD=1 runs the binary
# already built (the core may be mid-edit in a shared tree).
# New inputs go to corpus-work/<target>; merge the interesting ones back into corpus/<target>:
#   target/x86_64-unknown-linux-gnu/release/<target> -merge=1 corpus/<target> corpus-work/<target>
set -e
target="$1"
seconds="${2:-600}"
cd "$(dirname "$0")"
mkdir -p "corpus-work/$target" "artifacts/$target"
args="-max_total_time=$seconds -timeout=10 -rss_limit_mb=2048 -max_len=65536 -print_final_stats=1"
if [ -n "$NO_BUILD" ]; then
  triple=$(rustc -vV | sed -n 's/^host: //p')
  exec nice -n 19 "target/$triple/release/$target" -artifact_prefix="artifacts/$target/" $args "corpus-work/$target" "corpus/$target"
fi
RUSTC_BOOTSTRAP=1 exec nice -n 19 cargo fuzz run -s none "$target" "corpus-work/$target" "corpus/$target" -- $args
