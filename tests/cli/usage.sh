#!/usr/bin/env bash
# modsim's own command line: --help, --version, unknown options, and `modsim demo`.
# (No arguments runs the quick matrix; tests/cli/matrix.sh checks that.)
# Usage: bash usage.sh PATH-TO-MODSIM BUILD-DIR  (MODSIM_MODULE_PATH set by CTest)
#
# The demo runs under the default preset (none), where its racing rmmod of
# chardev is a real use-after-unload: workers fault on purpose, free running
# (see "freerun" in tests/CMakeLists.txt).
# LABELS: faults, freerun
set -u

modsim=$1
tmp=$(mktemp -d "${TMPDIR:-/tmp}/modsim-usage.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
failures=0

fail() {
	echo "FAIL: $*" >&2
	failures=$((failures + 1))
}

expect_in() {
	grep -qF -- "$2" "$1" || fail "$3 lacks '$2'"
}

for opt in --help -h; do
	"$modsim" "$opt" >"$tmp/out" 2>"$tmp/err"
	status=$?
	[ "$status" -eq 0 ] || fail "$opt: exit $status, want 0"
	[ -s "$tmp/err" ] && fail "$opt wrote to stderr: $(cat "$tmp/err")"
	for word in "usage: modsim" shell demo --strategy --seed --help --version; do
		expect_in "$tmp/out" "$word" "$opt"
	done
done

"$modsim" --version >"$tmp/out" 2>"$tmp/err"
status=$?
[ "$status" -eq 0 ] || fail "--version: exit $status, want 0"
grep -qE '^modsim [0-9]+\.[0-9]+\.[0-9]+$' "$tmp/out" || fail "--version printed '$(cat "$tmp/out")'"

for opt in --bogus -q; do
	"$modsim" "$opt" >"$tmp/out" 2>"$tmp/err"
	status=$?
	[ "$status" -eq 2 ] || fail "$opt: exit $status, want 2"
	[ "$(wc -l <"$tmp/err")" -eq 1 ] || fail "$opt: want one line on stderr: $(cat "$tmp/err")"
	expect_in "$tmp/err" "$opt" "stderr of $opt"
done
"$modsim" --strategy >"$tmp/out" 2>"$tmp/err"
status=$?
[ "$status" -eq 2 ] || fail "--strategy without a value: exit $status, want 2"

# The demo, by name.
"$modsim" demo >"$tmp/out" 2>"$tmp/err" </dev/null
status=$?
[ "$status" -eq 0 ] || fail "modsim demo: exit $status, want 0"
for word in "modsim demo" "insmod hello: loaded" "insmod chardev: loaded" "operations:" \
	"rmmod timer: unloaded"; do
	expect_in "$tmp/out" "$word" "the demo's output"
done

if [ "$failures" -ne 0 ]; then
	echo "--- the demo printed:" >&2
	cat "$tmp/out" >&2
	echo "$failures check(s) failed" >&2
	exit 1
fi
echo "usage: all checks passed"
