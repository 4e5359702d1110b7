#!/usr/bin/env bash
# A whole life through `modsim shell`: load, list, run workers, refused, forced and failed unloads.
# Usage: bash lifecycle.sh PATH-TO-MODSIM BUILD-DIR  (MODSIM_MODULE_PATH set by CTest)
set -u

modsim=$1
build=$2 # unused here; CTest passes it to every CLI script
tmp=$(mktemp -d "${TMPDIR:-/tmp}/modsim-lifecycle.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
failures=0

fail() {
	echo "FAIL: $*" >&2
	failures=$((failures + 1))
}

# expect_in FILE TEXT: FILE contains TEXT (fixed string)
expect_in() {
	grep -qF -- "$2" "$1" || fail "$(basename "$1") lacks '$2'"
}

cat >"$tmp/life.modsim" <<'SCRIPT'
# load a few modules and look at them
insmod hello greeting=hi
insmod hook
insmod chardev
insmod exporter
insmod importer
lsmod

# two background workers for 0.3 s
workers 2
run 0.3
workers 0

# plain unload
rmmod hello
# busy: importer uses exporter, so exporter cannot go
! rmmod exporter
# forced: it goes anyway (importer is left with a dangling import)
rmmod exporter --force
rmmod importer
rmmod --nowait chardev
# half init: init fails after registering a hook
! insmod halfinit fail_at=2
lsmod
stats
SCRIPT

"$modsim" shell "$tmp/life.modsim" >"$tmp/out" 2>"$tmp/err"
status=$?
[ "$status" -eq 0 ] || fail "modsim shell FILE exited $status, want 0"
[ -s "$tmp/err" ] && fail "modsim shell FILE wrote to stderr: $(cat "$tmp/err")"
expect_in "$tmp/out" "hello"
expect_in "$tmp/out" "importer"
expect_in "$tmp/out" "run: 2 workers, 0.3 s:"
busy=$(grep -n '^! rmmod exporter' "$tmp/life.modsim" | cut -d: -f1)
half=$(grep -n '^! insmod halfinit' "$tmp/life.modsim" | cut -d: -f1)
expect_in "$tmp/out" "line $busy: failed as expected:"
expect_in "$tmp/out" "line $half: failed as expected:"
expect_in "$tmp/out" "halfinit"

# The same script on standard input ("-" and no file), which is not a terminal here.
"$modsim" shell - <"$tmp/life.modsim" >"$tmp/out2" 2>"$tmp/err2"
status=$?
[ "$status" -eq 0 ] || fail "modsim shell - exited $status, want 0: $(cat "$tmp/err2")"
grep -qF "modsim> " "$tmp/out2" && fail "prompt printed although stdin is not a terminal"
printf 'insmod hello\nlsmod\n' | "$modsim" shell >"$tmp/out3" 2>"$tmp/err3"
status=$?
[ "$status" -eq 0 ] || fail "modsim shell <pipe exited $status, want 0: $(cat "$tmp/err3")"
expect_in "$tmp/out3" "hello"

# Under another preset, chosen on the command line.
printf 'insmod hook\nworkers 1\nrun 0.1\nworkers 0\nrmmod hook\n' |
	"$modsim" --strategy try --seed 7 shell >"$tmp/out4" 2>"$tmp/err4"
status=$?
[ "$status" -eq 0 ] || fail "modsim --strategy try shell exited $status, want 0: $(cat "$tmp/err4")"

# A failing command makes the status 1, and the script runs to its end.
printf 'insmod hello\nrmmod no_such_module\nlsmod\n' | "$modsim" shell >"$tmp/out5" 2>"$tmp/err5"
status=$?
[ "$status" -eq 1 ] || fail "failed rmmod: exit $status, want 1"
expect_in "$tmp/err5" "modsim: line 2: "
expect_in "$tmp/out5" "hello"

if [ "$failures" -ne 0 ]; then
	echo "--- stdout of the lifecycle script:" >&2
	cat "$tmp/out" >&2
	echo "$failures check(s) failed" >&2
	exit 1
fi
echo "lifecycle: all checks passed"
