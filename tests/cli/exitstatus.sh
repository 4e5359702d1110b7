#!/usr/bin/env bash
# One exit-status rule in every command: usage 2 (an unknown strategy or scenario too), runtime 1; one line on stderr.
# Usage: bash exitstatus.sh PATH-TO-MODSIM BUILD-DIR  (MODSIM_MODULE_PATH set by CTest)
#
# modsim(1), EXIT STATUS: 0 done, 1 a runtime failure, 2 bad usage, 3 a
# verdict failure when asked for (tests/cli/hazards.sh, matrix.sh, run.sh),
# 4 a replay that did not go as recorded (tests/cli/sched.sh).
set -u

modsim=$1
build=$2
bench=$build/modsim-bench
tmp=$(mktemp -d "${TMPDIR:-/tmp}/modsim-exit.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
failures=0

fail() {
	echo "FAIL: $*" >&2
	failures=$((failures + 1))
}

# want STATUS NEEDLE PROGRAM ARGS...: exit STATUS, one line on stderr naming NEEDLE
want() {
	local status want=$1 needle=$2 lines
	shift 2
	"$@" </dev/null >"$tmp/out" 2>"$tmp/err"
	status=$?
	lines=$(wc -l <"$tmp/err")
	[ "$status" -eq "$want" ] || fail "${*#"$build"/}: exit $status, want $want: $(head -2 "$tmp/err")"
	[ "$lines" -eq 1 ] || fail "${*#"$build"/}: $lines lines on stderr, want 1: $(cat "$tmp/err")"
	grep -qF -- "$needle" "$tmp/err" || fail "${*#"$build"/}: stderr does not name '$needle': $(cat "$tmp/err")"
}

# An unknown strategy is bad usage wherever it is given.
want 2 nosuch "$modsim" --strategy nosuch
want 2 nosuch "$modsim" run --strategy nosuch --scenario unload-race
want 2 nosuch "$modsim" matrix --strategies none,nosuch
want 2 nosuch "$modsim" hazards --strategies nosuch
want 2 nosuch "$modsim" --strategy nosuch hazards
want 2 nosuch "$modsim" strategies --strategy nosuch
want 2 nosuch "$modsim" --strategy nosuch strategies
want 2 nosuch "$modsim" --strategy nosuch shell
want 2 nosuch "$modsim" --strategy nosuch demo
want 2 try+sideways "$modsim" --strategy try+sideways shell
want 2 "$tmp/none.so" "$modsim" --strategy "$tmp/none.so" shell
want 2 nosuch "$bench" --strategies nosuch
# So is an unknown scenario, hazard, option or command.
want 2 nosuch "$modsim" run --strategy none --scenario nosuch
want 2 nosuch "$modsim" matrix --scenarios nosuch
want 2 "'X'" "$modsim" hazards --hazards X
for cmd in run matrix merge shrink hazards strategies shell demo; do
	want 2 --bogus "$modsim" "$cmd" --bogus
done
want 2 --bogus "$bench" --bogus
want 2 frobnicate "$modsim" frobnicate
# A runtime failure is 1.
want 1 "$tmp/none.modsim" "$modsim" shell "$tmp/none.modsim"
want 1 "$tmp/none.jsonl" "$modsim" merge "$tmp/none.jsonl"
# In a script, an unknown strategy is a misused line (2), a failed command 1.
printf 'strategy nosuch\n' >"$tmp/s1"
want 2 nosuch "$modsim" shell "$tmp/s1"
printf 'insmod nosuch\n' >"$tmp/s2"
want 1 nosuch "$modsim" shell "$tmp/s2"

if [ "$failures" -ne 0 ]; then
	echo "$failures check(s) failed" >&2
	exit 1
fi
echo "exitstatus: all checks passed"
