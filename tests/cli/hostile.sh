#!/usr/bin/env bash
# Hostile input: files that shadow built-ins, endless or binary input, tokens that name code, names that carry escapes or commands.
# Usage: bash hostile.sh PATH-TO-MODSIM BUILD-DIR  (MODSIM_MODULE_PATH set by CTest)
#
# Every refusal is one line on stderr and a non-zero status; nothing a file
# or a token holds runs as code (no file PWNED appears), and nothing hangs
# (each command runs under `timeout`).
set -u

modsim=$(readlink -f "$1")
build=$(readlink -f "$2")
tmp=$(mktemp -d "${TMPDIR:-/tmp}/modsim-hostile.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
failures=0
cd "$tmp" || exit 1

fail() {
	echo "FAIL: $*" >&2
	failures=$((failures + 1))
}

# check NAME WANT-STATUS NEEDLE: the last command's status and its one line on stderr
check() {
	local lines
	lines=$(wc -l <err)
	[ "$status" -eq "$2" ] || fail "$1: exit $status, want $2 (stderr: $(cat err))"
	[ "$lines" -eq 1 ] || fail "$1: $lines lines on stderr, want 1: $(cat err)"
	grep -qF -- "$3" err || fail "$1: stderr does not say '$3': $(cat err)"
}

# No command named in hostile input ran.
no_pwned() {
	if [ -e PWNED ] || [ -e "$tmp/PWNED" ]; then
		fail "$1: a command from the input ran (PWNED exists)"
		rm -f PWNED "$tmp/PWNED"
	fi
}

quick=(--workers 1 --cycles 2 --no-amplify --seed 1)

# --- Item 2: a file in the current directory does not shadow a built-in.
printf '[module]\nname = %s\n' "$build/tests/strategies/ctormark.so" >unload-race
MODSIM_CTOR_MARK=$tmp/PWNED timeout 60 "$modsim" run --strategy inc --scenario unload-race "${quick[@]}" >out 2>err
status=$?
[ "$status" -eq 0 ] || fail "built-in unload-race with a file of that name here: exit $status: $(cat err)"
grep -q "scenario unload-race (hazard A+L)" out || fail "the built-in did not run: $(head -3 out)"
no_pwned "a file named unload-race"
cp unload-race mine
timeout 20 "$modsim" run --strategy inc --scenario mine "${quick[@]}" >out 2>err
status=$?
check "a scenario file named without a path" 2 "give ./mine"
rm -f unload-race mine

# --- Item 10: endless input is bounded; non-regular files are refused.
timeout 20 "$modsim" run --strategy inc --scenario /dev/zero "${quick[@]}" >out 2>err
status=$?
check "run --scenario /dev/zero" 2 "/dev/zero: not a regular file"
timeout 20 "$modsim" merge /dev/zero >out 2>err
status=$?
check "merge /dev/zero" 1 "/dev/zero: not a regular file"
timeout 20 "$modsim" merge - </dev/zero >out 2>err
status=$?
check "merge - </dev/zero" 1 "a line longer than 8192 bytes"
head -c 20000 /dev/zero | tr '\0' 'x' >long.jsonl
timeout 20 "$modsim" merge long.jsonl >out 2>err
status=$?
check "merge: a 20000-byte line" 1 "long.jsonl:1: a line longer than 8192 bytes"
mkdir adir
timeout 20 "$modsim" merge adir >out 2>err
status=$?
check "merge a directory" 1 "adir: not a regular file"

# --- Item 11: a directory, a read error or a NUL byte is an error, not the end of input.
timeout 20 "$modsim" shell adir >out 2>err
status=$?
check "shell DIR" 1 "adir: a directory"
printf 'lsmod\nstats\n' >script
timeout 20 "$modsim" shell - <adir >out 2>err
status=$?
check "shell reading a directory on stdin" 1 "line 1: cannot read the input"
printf 'insmod hello\0 extra\nlsmod\n' >nul.txt
timeout 20 "$modsim" shell nul.txt >out 2>err
status=$?
check "a NUL byte in a shell line" 1 "line 1: a NUL byte in the line"
grep -q '^hello ' out && fail "the shell ran lines after the NUL byte: $(cat out)"
{ printf 'lsmod #'; head -c 5000 /dev/zero | tr '\0' 'x'; printf '\n'; } >longline.txt
timeout 20 "$modsim" shell longline.txt >out 2>err
status=$?
check "a 5000-byte shell line" 1 "line 1: a line longer than 4095 bytes"

if [ "$failures" -ne 0 ]; then
	echo "$failures failure(s)" >&2
	exit 1
fi
echo "hostile: all checks passed"
