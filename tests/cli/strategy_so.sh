#!/usr/bin/env bash
# The example strategy .so (examples/strategy/mine.c): loaded with --strategy PATH, it runs a shell and the proof.
# Usage: bash strategy_so.sh PATH-TO-MODSIM BUILD-DIR  (MODSIM_MODULE_PATH set by CTest)
set -u

modsim=$1
build=$2
so=$build/strategies/mine.so
tmp=$(mktemp -d "${TMPDIR:-/tmp}/modsim-strategy-so.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
failures=0

fail() {
	echo "FAIL: $*" >&2
	failures=$((failures + 1))
}

expect_in() {
	grep -qF -- "$2" "$1" || fail "$(basename "$1") lacks '$2'"
}

[ -f "$so" ] || { echo "FAIL: $so was not built" >&2; exit 1; }

# Load, list, unload under the .so's preset.
cat >"$tmp/script" <<'SCRIPT'
insmod hello
lsmod
stats
rmmod hello
lsmod
SCRIPT
"$modsim" --strategy "$so" shell "$tmp/script" >"$tmp/out" 2>"$tmp/err"
status=$?
[ "$status" -eq 0 ] || fail "modsim --strategy mine.so shell: exit $status, want 0: $(cat "$tmp/err")"
[ -s "$tmp/err" ] && fail "the shell wrote to stderr: $(cat "$tmp/err")"
expect_in "$tmp/out" "strategy: spinlock"
grep -Eq '^hello +[0-9]+ +0 +live ' "$tmp/out" || fail "lsmod does not show hello live with count 0"
[ "$(grep -c '^hello ' "$tmp/out")" -eq 1 ] || fail "hello is still listed after rmmod"

# Its description, as `modsim strategies` shows it.
"$modsim" --strategy "$so" strategies >"$tmp/desc" 2>"$tmp/derr"
status=$?
[ "$status" -eq 0 ] || fail "strategies under mine.so: exit $status: $(cat "$tmp/derr")"
grep -Eq '^  spinlock +1 +S S S S S S$' "$tmp/desc" || fail "mine.so's row: $(cat "$tmp/desc")"
expect_in "$tmp/desc" "caller: a per-module spinlock"

# And the proof holds for it: the unload race and the long-held reference.
"$modsim" hazards --strategies "$so" --hazards A,L >"$tmp/hz" 2>"$tmp/hzerr"
status=$?
[ "$status" -eq 0 ] || fail "hazards under mine.so: exit $status: $(cat "$tmp/hz" "$tmp/hzerr")"
[ "$(grep -c ' MATCH ' "$tmp/hz")" -eq 2 ] || fail "want 2 MATCH rows: $(cat "$tmp/hz")"

# A path that is not a strategy is refused, with a reason.
"$modsim" --strategy "$build/modules/hello.so" shell </dev/null >"$tmp/o2" 2>"$tmp/e2"
status=$?
[ "$status" -eq 1 ] || fail "a module as strategy: exit $status, want 1"
expect_in "$tmp/e2" "not a modsim strategy"

if [ "$failures" -ne 0 ]; then
	echo "--- output:" >&2
	cat "$tmp/out" >&2
	echo "$failures check(s) failed" >&2
	exit 1
fi
echo "strategy_so: all checks passed"
