#!/usr/bin/env bash
# `modsim hazards`: the harness per cell from the command line; formats, exit 0 on agreement, 3 on a mismatch.
# Usage: bash hazards.sh PATH-TO-MODSIM BUILD-DIR  (MODSIM_MODULE_PATH set by CTest)
#
# Unsafe cells fault on purpose, each at a forced interleaving.
# LABELS: faults
set -u

modsim=$1
build=$2
tmp=$(mktemp -d "${TMPDIR:-/tmp}/modsim-hazards.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
failures=0

fail() {
	echo "FAIL: $*" >&2
	failures=$((failures + 1))
}

expect_in() {
	grep -qF -- "$2" "$1" || fail "$(basename "$1") lacks '$2'"
}

run() {
	local name=$1 want=$2 status
	shift 2
	"$modsim" "$@" >"$tmp/$name.out" 2>"$tmp/$name.err"
	status=$?
	[ "$status" -eq "$want" ] || fail "modsim $*: exit $status, want $want: $(cat "$tmp/$name.err")"
}

# Two presets that the post judges differently, on the unload race and half-init.
run text 0 hazards --strategies none,try --hazards A,B
[ -s "$tmp/text.err" ] && fail "hazards wrote to stderr: $(cat "$tmp/text.err")"
[ "$(grep -c ' MATCH ' "$tmp/text.out")" -eq 4 ] || fail "want 4 MATCH rows: $(cat "$tmp/text.out")"
grep -Eq '^none +A +unsafe +unsafe +MATCH +use-after-unload in selfcount' "$tmp/text.out" ||
	fail "none A is not a use-after-unload in selfcount"
grep -Eq '^try +A +safe +safe +MATCH +1 get refused' "$tmp/text.out" ||
	fail "try A does not show the refused get"
expect_in "$tmp/text.out" "4 cells: 4 match, 0 mismatch, 0 could not be forced"

# The global --strategy picks the row; S under stopworld is the watchdog's deadlock.
run sw 0 --strategy stopworld hazards --hazards S
grep -Eq '^stopworld +S +unsafe +unsafe +MATCH +deadlock: ' "$tmp/sw.out" ||
	fail "stopworld S is not a deadlock: $(cat "$tmp/sw.out")"

# Composed on the init axis: two-stage init protects B, and says how.
run comp 0 hazards --strategies none+twoinit --hazards B --markdown
expect_in "$tmp/comp.out" "| strategy | hazard | predicted | measured | verdict | evidence |"
expect_in "$tmp/comp.out" "| none+twoinit | B | safe | safe | MATCH | nothing init registered was ever visible"

run json 0 hazards --strategies try --hazards L --json
for word in '"strategy": "try"' '"hazard": "L"' '"module": "chardev"' '"match": true' \
	'"rc": -16' '"matched": 1' '"mismatched": 0'; do
	expect_in "$tmp/json.out" "$word"
done

# A strategy whose prediction is wrong: MISMATCH, exit 3.
liar=$build/tests/strategies/liar.so
if [ -f "$liar" ]; then
	run liar 3 hazards --strategies "$liar" --hazards A,B
	grep -Eq '^.*liar.so +A +safe +unsafe +MISMATCH ' "$tmp/liar.out" ||
		fail "the liar's A is not a MISMATCH: $(cat "$tmp/liar.out")"
	grep -Eq '^.*liar.so +B +unsafe +unsafe +MATCH ' "$tmp/liar.out" ||
		fail "the liar's B does not match: $(cat "$tmp/liar.out")"
	expect_in "$tmp/liar.out" "2 cells: 1 match, 1 mismatch"
else
	fail "$liar was not built"
fi

# Bad lists.
run badh 2 hazards --hazards A,X
expect_in "$tmp/badh.err" "unknown hazard 'X'"
run bads 2 hazards --strategies none,nosuch --hazards A # unknown strategy: usage (2), as in run
expect_in "$tmp/bads.err" "nosuch"
run miss 2 hazards --strategies
expect_in "$tmp/miss.err" "needs an argument"

if [ "$failures" -ne 0 ]; then
	echo "$failures check(s) failed" >&2
	exit 1
fi
echo "hazards: all checks passed"
