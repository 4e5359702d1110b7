#!/usr/bin/env bash
# Bad input to modsim: each case exits non-zero with one line on stderr naming what was wrong.
# Usage: bash badinput.sh PATH-TO-MODSIM BUILD-DIR  (MODSIM_MODULE_PATH set by CTest)
#
# Exit statuses: 2 for usage errors (unknown command, option, strategy or
# scenario, bad flag, bad or missing number), 1 for runtime failures (a module
# that is missing or not a module, a script that cannot be opened).  An
# unknown --strategy exits 2 in every command (modsim(1), EXIT STATUS).
set -u

modsim=$1
build=$2
tmp=$(mktemp -d "${TMPDIR:-/tmp}/modsim-badinput.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
failures=0

fail() {
	echo "FAIL: $*" >&2
	failures=$((failures + 1))
}

# check NAME WANT-STATUS NEEDLE: the last command's status and stderr ($tmp/err)
check() {
	local name=$1 want=$2 needle=$3 lines
	lines=$(wc -l <"$tmp/err")
	[ "$status" -eq "$want" ] || fail "$name: exit $status, want $want (stderr: $(cat "$tmp/err"))"
	[ "$lines" -eq 1 ] || fail "$name: $lines lines on stderr, want 1: $(cat "$tmp/err")"
	grep -qF -- "$needle" "$tmp/err" || fail "$name: stderr does not name '$needle': $(cat "$tmp/err")"
}

# shell_case NAME WANT-STATUS NEEDLE SCRIPT: run SCRIPT through `modsim shell`
shell_case() {
	printf '%s\n' "$4" | "$modsim" shell >"$tmp/out" 2>"$tmp/err"
	status=$?
	check "$1" "$2" "$3"
	grep -qF "modsim: line " "$tmp/err" || fail "$1: stderr does not give the line: $(cat "$tmp/err")"
}

# cli_case NAME WANT-STATUS NEEDLE ARGS...: run modsim ARGS with no input
cli_case() {
	local name=$1 want=$2 needle=$3
	shift 3
	"$modsim" "$@" </dev/null >"$tmp/out" 2>"$tmp/err"
	status=$?
	check "$name" "$want" "$needle"
}

shell_case "missing module" 1 "no_such_module" "insmod no_such_module"
shell_case "not a shared object" 1 "notelf" "insmod $build/tests/modules/notelf.so"
shell_case "rmmod of a module not loaded" 1 "hello" "rmmod hello"
shell_case "bad flag to rmmod" 2 "--bogus" "insmod hello
rmmod hello --bogus"
shell_case "bad number to workers" 2 "abc" "workers abc"
shell_case "negative number to workers" 2 "-3" "workers -3"
shell_case "bad number to run" 2 "1x" "run 1x"
shell_case "missing number to run" 2 "run" "run"
shell_case "unknown command" 2 "frobnicate" "frobnicate"
shell_case "unknown strategy in a script" 2 "no_such_strategy" "strategy no_such_strategy"

# Hostile ELF files: one line naming the file and why, exit 1, and the
# process goes on (hello loads after).
head -c 6000 "$build/modules/hello.so" >"$tmp/trunc.so"
mkfifo "$tmp/fifo.so"
shell_case "truncated ELF" 1 "$tmp/trunc.so is truncated" "insmod $tmp/trunc.so
insmod hello"
shell_case "FIFO named .so" 1 "$tmp/fifo.so is not a regular file" "insmod $tmp/fifo.so
insmod hello"
shell_case "name into an unmapped page" 1 "runs without a NUL into unreadable memory" "insmod namerun
insmod hello"
shell_case "name in a PROT_NONE page" 1 "insmod nameprot: the descriptor's name points at unmapped or unreadable memory" "insmod nameprot
insmod hello"
shell_case "wild parameter table" 1 "insmod wildparams: its parameter table (0x1000..0x1080) is not readable" "insmod wildparams x=1
insmod hello"

# A module that calls exit(): reported on one line, status 1 (not the 0 it asked for).
shell_case_nolines() {
	printf '%s\n' "$4" | "$modsim" shell >"$tmp/out" 2>"$tmp/err"
	status=$?
	check "$1" "$2" "$3"
}
shell_case_nolines "exit(0) in init" 1 "modsim: module initexit called exit(0) in init" "insmod initexit
insmod hello"
shell_case_nolines "exit(0) in a constructor" 1 "ctorexit.so: a constructor of the module called exit(0)" "insmod ctorexit
insmod hello"

# A constructor that never returns: the watchdog (2 s by default) gives up
# on dlopen; later loads are refused; the shell still ends, status 1.
printf 'insmod ctorhang\ninsmod hello\n' | "$modsim" shell >"$tmp/out" 2>"$tmp/err"
status=$?
[ "$status" -eq 1 ] || fail "constructor hang: exit $status, want 1 (stderr: $(cat "$tmp/err"))"
grep -qF "modsim: line 1: insmod ctorhang: a constructor of" "$tmp/err" ||
	fail "constructor hang: no time-out on line 1: $(cat "$tmp/err")"
grep -qF "modsim: line 2: insmod hello: refused: a constructor of" "$tmp/err" ||
	fail "constructor hang: line 2 not refused: $(cat "$tmp/err")"

# A module whose init never returns, in a scenario: the free-running trial
# reports the deadlock (watchdog), and the replay hunt finds a controlled
# schedule that ends on it (it aborted after 20 s), which replays.  The
# scenario's watchdog is short; the checks are on what is reported.
cat >"$tmp/hang.ini" <<'INI'
[scenario]
name = hang
hazard = S
description = init never returns
init_timeout_ms = 300

[module]
name = inithang

[workers]
hook = 1

[loader]
action = cycle
INI
"$modsim" run --strategy none --scenario "$tmp/hang.ini" --duration 1 >"$tmp/out" 2>"$tmp/err"
status=$?
[ "$status" -eq 0 ] || fail "hang hunt: exit $status, want 0 (stderr: $(cat "$tmp/err"))"
grep -qF "first deadlock: module inithang gen 1, loader init" "$tmp/out" ||
	fail "hang hunt: no deadlock reported: $(cat "$tmp/out")"
grep -q "ends on deadlock" "$tmp/out" || fail "hang hunt: no replay of the deadlock: $(cat "$tmp/out")"
token=$(grep '^replay: ' "$tmp/out" | grep -o 'ms1\.[A-Za-z0-9_-]*' | head -1)
if [ -n "$token" ]; then
	"$modsim" run --replay "$token" --scenario "$tmp/hang.ini" >"$tmp/out" 2>"$tmp/err"
	status=$?
	[ "$status" -eq 0 ] || fail "hang replay: exit $status (stderr: $(cat "$tmp/err"))"
	grep -qF "replay: reproduced deadlock" "$tmp/out" ||
		fail "hang replay: not reproduced: $(cat "$tmp/out")"
else
	fail "hang hunt: no token printed"
fi
"$modsim" matrix --strategies none --scenarios "$tmp/hang.ini" --trials 1 >"$tmp/out" 2>"$tmp/err"
status=$?
[ "$status" -eq 0 ] || [ "$status" -eq 3 ] || fail "hang matrix: exit $status (stderr: $(cat "$tmp/err"))"
grep -q "none x .*hang.ini: deadlock: modsim run --replay ms1\." "$tmp/out" ||
	fail "hang matrix: no replay of the deadlock: $(cat "$tmp/out")"

# A module whose exit crashes: the kernel's log line names the crash, and
# the script fails (exit 1) on the line of the rmmod.
printf 'insmod exitcrash\nrmmod exitcrash\nlsmod\n' | "$modsim" shell >"$tmp/out" 2>"$tmp/err"
status=$?
[ "$status" -eq 1 ] || fail "exit crash: exit $status, want 1 (stderr: $(cat "$tmp/err"))"
grep -qF "modsim: line 2: rmmod exitcrash: unloaded, but its exit crashed (module-crash" "$tmp/err" ||
	fail "exit crash: stderr does not say so: $(cat "$tmp/err")"
grep -q "exitcrash" "$tmp/out" && fail "exit crash: still listed after rmmod: $(cat "$tmp/out")"

cli_case "unknown command line command" 2 "frobnicate" frobnicate
cli_case "unknown strategy" 2 "no_such_strategy" --strategy no_such_strategy shell
cli_case "bad --seed" 2 "12x" --seed 12x
cli_case "missing --seed value" 2 "--seed" --seed
cli_case "script that does not exist" 1 "$tmp/none.modsim" shell "$tmp/none.modsim"
cli_case "extra argument" 2 "two" shell one two

if [ "$failures" -ne 0 ]; then
	echo "$failures check(s) failed" >&2
	exit 1
fi
echo "badinput: all checks passed"
