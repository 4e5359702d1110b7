#!/usr/bin/env bash
# On a terminal (tmux): the shell edits lines, keeps history, completes with Tab, goes on after a typo; progress lines and fitted replay lines.
# Usage: bash tty.sh PATH-TO-MODSIM BUILD-DIR  (MODSIM_MODULE_PATH set by CTest)
#
# Needs tmux (tools/install-deps installs it): without it this test FAILS,
# it does not skip.  Each step waits for the screen to show what it expects
# (polling the pane, at most 20 s), never for a fixed time.
# LABELS: faults, freerun
set -u

modsim=$1
build=$2
bench=$build/modsim-bench
tmp=$(mktemp -d "${TMPDIR:-/tmp}/modsim-tty.XXXXXX") || exit 1
sock="modsim-tty-$$"
failures=0

cleanup() {
	tmux -L "$sock" kill-server 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT

fail() {
	echo "FAIL: $*" >&2
	failures=$((failures + 1))
}

if ! command -v tmux >/dev/null; then
	echo "FAIL: tmux is not installed (tools/install-deps installs it); this test needs a terminal" >&2
	exit 1
fi

t() { tmux -L "$sock" "$@"; }
screen() { t capture-pane -p -J -S -200 -t "$1"; }

# wait_for PANE TEXT: poll the pane until TEXT shows (fixed string), 20 s at most
wait_for() {
	local i
	for ((i = 0; i < 400; i++)); do
		screen "$1" | grep -qF -- "$2" && return 0
		sleep 0.05
	done
	fail "the screen never showed '$2'; it shows:"
	screen "$1" >&2
	return 1
}

# wait_file FILE: poll until FILE exists (a command in the pane finished), 60 s at most
wait_file() {
	local i
	for ((i = 0; i < 1200; i++)); do
		[ -s "$1" ] && return 0
		sleep 0.05
	done
	fail "$1 never appeared"
	return 1
}

# A pane 100 columns wide, running a command under a known environment.
pane() {
	t new-session -d -s "$1" -x "$2" -y 40 \
		"env -u COLUMNS -u LINES TERM=xterm MODSIM_MODULE_PATH=$MODSIM_MODULE_PATH PATH=$PATH TMPDIR=$tmp bash --norc --noprofile -c '$3'"
}

# 1. The shell: line editing (C-a goes to the start of the line), history (Up), Tab, a typo goes on.
printf '#!/bin/sh\n"%s" shell\necho "exit=$?" >"%s/shell.status"\nsleep 600\n' "$modsim" "$tmp" >"$tmp/shell.sh"
pane sh 100 "sh $tmp/shell.sh"
wait_for sh "modsim> "
t send-keys -t sh "nsmod hello" C-a "i" Enter
wait_for sh "modsim> insmod hello"
t send-keys -t sh "lsmod" Enter
wait_for sh "hello"
t send-keys -t sh "rmmod hello" Enter
t send-keys -t sh "lsmdo" Enter
wait_for sh "unknown command 'lsmdo'"
# Up four times: lsmdo, rmmod hello, lsmod, insmod hello.
t send-keys -t sh Up Up Up Up Enter
# Tab completes a command, then a module file on the module path.
t send-keys -t sh "modi" Tab "hel" Tab Enter
wait_for sh "name:"
t send-keys -t sh "lsmod" Enter
t send-keys -t sh "quit" Enter
wait_file "$tmp/shell.status"
out=$(screen sh | sed 's/ *$//') # libedit leaves blanks where it redrew
n=$(printf '%s\n' "$out" | grep -c "^modsim> insmod hello$")
[ "$n" -eq 2 ] || fail "history: 'insmod hello' ran $n times, want 2 (typed, then recalled with Up): $out"
last_lsmod=$(printf '%s\n' "$out" | sed -n '/^modsim> lsmod$/h; /^modsim> lsmod$/!H; ${x;p}')
printf '%s\n' "$last_lsmod" | grep -q "^hello " || fail "after the recalled insmod, lsmod does not list hello: $last_lsmod"
printf '%s\n' "$out" | grep -q "^modsim> modinfo hello$" ||
	fail "the session did not go on after the typo, or Tab did not complete 'modi' 'hel': $out"
printf '%s\n' "$out" | grep -q "^name: *hello$" || fail "modinfo hello (completed) printed no name: $out"
grep -qx "exit=2" "$tmp/shell.status" || fail "the session's status: $(cat "$tmp/shell.status"), want exit=2 (a misused line)"

# 2. modsim-bench on a terminal prints its progress lines (tests/cli/help.sh: none to a file).
printf '#!/bin/sh\n"%s" --strategies none --threads 1 --loops 1000 --runs 2 --unloads 0 --cycles 2 >"%s/bench.out"\necho "exit=$?" >"%s/bench.status"\nsleep 600\n' \
	"$bench" "$tmp" "$tmp" >"$tmp/bench.sh"
pane bench 100 "sh $tmp/bench.sh"
wait_file "$tmp/bench.status"
grep -qx "exit=0" "$tmp/bench.status" || fail "modsim-bench: $(cat "$tmp/bench.status")"
screen bench | grep -q "^modsim-bench: caller cost, 1 thread: run 1 of 2" ||
	fail "no progress line on the terminal: $(screen bench)"
grep -q "caller cost" "$tmp/bench.out" && fail "progress went to standard output"

# 3. modsim matrix on an 80-column terminal: replay lines no wider, the full ones in a file.
printf '#!/bin/sh\ncd "%s" && "%s" matrix --strategies none --scenarios unload-race,timer --duration 0.1\necho "exit=$?" >"%s/matrix.status"\nsleep 600\n' \
	"$tmp" "$modsim" "$tmp" >"$tmp/matrix.sh"
pane mx 80 "sh $tmp/matrix.sh"
wait_file "$tmp/matrix.status"
grep -qx "exit=0" "$tmp/matrix.status" || fail "modsim matrix: $(cat "$tmp/matrix.status")"
replays=$(screen mx | sed -n '/^replay[ ,]/,/^$/p' | grep -v '^  in full: ')
found=$(screen mx | grep -E '^none ' | grep -oE ' [1-9][0-9]*/[0-9]+ [US] ' | wc -l)
[ "$found" -ge 1 ] || fail "no cell found a violation: $(screen mx)"
[ "$(printf '%s\n' "$replays" | grep -c ' x ')" -eq "$found" ] || fail "want $found replay lines: $(screen mx)"
wide=$(printf '%s\n' "$replays" | awk 'length > 80')
[ -z "$wide" ] || fail "replay lines wider than the 80-column terminal: $wide"
screen mx | grep -q "^  in full: $tmp/modsim-replays-" || fail "no file of full replay lines named: $(screen mx)"

if [ "$failures" -ne 0 ]; then
	echo "$failures check(s) failed" >&2
	exit 1
fi
echo "tty: all checks passed"
