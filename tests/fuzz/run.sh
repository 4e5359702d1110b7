#!/usr/bin/env bash
# Run every libFuzzer harness of the fuzz preset for SECONDS each (default 20); exit 1 on the first finding.
# Usage: tests/fuzz/run.sh [SECONDS] [HARNESS...]   (after: cmake --preset fuzz && cmake --build --preset fuzz)
#
# Each harness starts from its seeds (tests/fuzz/corpus/NAME, never written)
# and keeps what it learns in build-fuzz/fuzz/corpus/NAME, so a later run
# goes on from there.  A crash, leak or timeout is written to
# build-fuzz/fuzz/findings/ and named in the output.
set -u
cd "$(dirname "$0")/../.." || exit 1
seconds=${1:-20}
shift $(($# > 0 ? 1 : 0))
case "$seconds" in
'' | *[!0-9]*) echo "usage: tests/fuzz/run.sh [SECONDS] [HARNESS...]" >&2; exit 2 ;;
esac
bin=build-fuzz/fuzz
if [ $# -eq 0 ]; then
	set -- token scenario merge amplify params shell
fi
mkdir -p "$bin/findings"
# The library's fault guard is not armed here; sanitizer reports stop the run.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
status=0
for name in "$@"; do
	exe=$bin/fuzz_$name
	if [ ! -x "$exe" ]; then
		echo "fuzz: $exe is not built (cmake --preset fuzz && cmake --build --preset fuzz)" >&2
		exit 2
	fi
	mkdir -p "$bin/corpus/$name"
	echo "fuzz: $name for ${seconds} s"
	if ! "$exe" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=16384 \
		-print_final_stats=1 -artifact_prefix="$bin/findings/$name-" \
		"$bin/corpus/$name" "tests/fuzz/corpus/$name" >"$bin/$name.log" 2>&1; then
		echo "fuzz: $name FOUND something: see $bin/$name.log and $bin/findings/" >&2
		tail -40 "$bin/$name.log" >&2
		status=1
		continue
	fi
	grep -E '^stat::number_of_executed_units|^stat::peak_rss_mb' "$bin/$name.log" | tr '\n' ' '
	echo
done
exit $status
