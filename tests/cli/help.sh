#!/usr/bin/env bash
# --help on every command (and --version where there is one): exit 0, text on stdout, no tracker words ("issue N").
# Usage: bash help.sh PATH-TO-MODSIM BUILD-DIR  (MODSIM_MODULE_PATH set by CTest)
#
# Also the user-facing output a newcomer meets first (modsim strategies,
# modsim hazards, a tiny modsim-bench report, the bench scripts' help): none
# may cite the project's tracker.  modsim-bench's progress lines go only to a
# terminal: with stderr redirected to a file there are none (tests/cli/tty.sh
# checks that a terminal does get them).
set -u

modsim=$1
build=$2
src=$(cd "$(dirname "$0")/../.." && pwd)
bench=$build/modsim-bench
tmp=$(mktemp -d "${TMPDIR:-/tmp}/modsim-help.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
failures=0

fail() {
	echo "FAIL: $*" >&2
	failures=$((failures + 1))
}

# no_tracker WHAT FILE: FILE says nothing of the tracker's issues
no_tracker() {
	if grep -Eiq 'issue[ #]*[0-9]' "$2"; then
		fail "$1 cites the tracker: $(grep -Ei 'issue[ #]*[0-9]' "$2" | head -3)"
	fi
}

# help WHAT ARGS...: ARGS exits 0 with a usage text on stdout and nothing on stderr
help() {
	local what=$1 status
	shift
	"$@" </dev/null >"$tmp/out" 2>"$tmp/err"
	status=$?
	[ "$status" -eq 0 ] || fail "$what: exit $status, want 0: $(head -2 "$tmp/err")"
	[ -s "$tmp/out" ] || fail "$what: nothing on stdout"
	[ ! -s "$tmp/err" ] || fail "$what: wrote on stderr: $(head -2 "$tmp/err")"
	grep -qi "usage" "$tmp/out" || fail "$what: no usage line: $(head -2 "$tmp/out")"
	no_tracker "$what" "$tmp/out"
}

help "modsim --help" "$modsim" --help
help "modsim -h" "$modsim" -h
for cmd in run matrix merge shrink hazards strategies shell demo; do
	help "modsim $cmd --help" "$modsim" "$cmd" --help
	help "modsim $cmd -h" "$modsim" "$cmd" -h
done
help "modsim-bench --help" "$bench" --help
help "bench/racelab.sh --help" bash "$src/bench/racelab.sh" --help
if command -v python3 >/dev/null; then
	help "bench/sched.py --help" python3 "$src/bench/sched.py" --help
fi

# modsim shell --help is help, not a script named --help; an unknown option is a usage error.
"$modsim" shell --bogus </dev/null >"$tmp/out" 2>"$tmp/err"
status=$?
[ "$status" -eq 2 ] || fail "modsim shell --bogus: exit $status, want 2"
grep -qF -- "--bogus" "$tmp/err" || fail "modsim shell --bogus: stderr does not name it: $(cat "$tmp/err")"
"$modsim" demo --bogus </dev/null >"$tmp/out" 2>"$tmp/err"
status=$?
[ "$status" -eq 2 ] || fail "modsim demo --bogus: exit $status, want 2"

# --version: one line naming the program and a version.
for prog in "$modsim" "$bench"; do
	"$prog" --version >"$tmp/out" 2>"$tmp/err"
	status=$?
	[ "$status" -eq 0 ] || fail "$(basename "$prog") --version: exit $status"
	grep -Eq "^$(basename "$prog") [0-9]+\.[0-9]+\.[0-9]+$" "$tmp/out" ||
		fail "$(basename "$prog") --version: $(cat "$tmp/out")"
done

# Output a newcomer meets first.
"$modsim" strategies >"$tmp/out" 2>&1 || fail "modsim strategies failed"
no_tracker "modsim strategies" "$tmp/out"
"$modsim" strategies --strategy linux26 >"$tmp/out" 2>&1 || fail "modsim strategies --strategy linux26 failed"
no_tracker "modsim strategies --strategy linux26" "$tmp/out"
"$modsim" hazards --strategies none,try >"$tmp/out" 2>&1
no_tracker "modsim hazards" "$tmp/out"
"$bench" --strategies none,inc --threads 1 --loops 1000 --runs 1 --unloads 1 --cycles 2 \
	>"$tmp/out" 2>"$tmp/err" || fail "modsim-bench (tiny) failed: $(cat "$tmp/err")"
no_tracker "modsim-bench's report" "$tmp/out"
grep -q "^Figures to reach" "$tmp/out" || fail "modsim-bench: no 'Figures to reach' line"
# Not a terminal: no progress lines (no --quiet given).
if grep -q "caller cost\|load/unload cycles\|unload latency" "$tmp/err"; then
	fail "modsim-bench printed progress lines to a file: $(head -3 "$tmp/err")"
fi

if [ "$failures" -ne 0 ]; then
	echo "$failures check(s) failed" >&2
	exit 1
fi
echo "help: all checks passed"
