#!/usr/bin/env bash
# The copy-paste lines name the binary as invoked, and the matrix's replay lines fit the terminal (whole in a file).
# Usage: bash progname.sh PATH-TO-MODSIM BUILD-DIR  (MODSIM_MODULE_PATH set by CTest)
#
# Off PATH, `repeat:` and `replay:` start with the path modsim was run by
# (quoted for a shell when it needs it), and the line runs as printed; on
# PATH they say `modsim`.  With COLUMNS set (or on a terminal), no replay
# line is wider, and every full line is in the file the table names.
# LABELS: faults, freerun
set -u

modsim=$1
tmp=$(mktemp -d "${TMPDIR:-/tmp}/modsim-progname.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
failures=0
offpath=/usr/local/bin:/usr/bin:/bin

fail() {
	echo "FAIL: $*" >&2
	failures=$((failures + 1))
}

[ "$(PATH=$offpath command -v modsim)" = "" ] || fail "a modsim is on $offpath: this test needs one that is not"

# Off PATH: the path as given.
PATH=$offpath "$modsim" run --strategy none --scenario unload-race --sched pct --seed 1 >"$tmp/run.out" 2>&1
grep -qxF "repeat: $modsim run --strategy none --scenario unload-race --workers 2 --seed 1 --sched pct --depth 3 --steps 2000" "$tmp/run.out" ||
	fail "off PATH: the repeat line does not name $modsim: $(grep '^repeat:' "$tmp/run.out")"
line=$(sed -n 's/^replay: //p' "$tmp/run.out")
case $line in
"$modsim run --replay ms1."*) ;;
*) fail "off PATH: the replay line does not name $modsim: $line" ;;
esac
# The line runs as printed (our own output, in a test).
PATH=$offpath bash -c "$line" >"$tmp/replay.out" 2>&1 || true
grep -q "^replay: reproduced" "$tmp/replay.out" || fail "the printed replay line did not reproduce: $(tail -3 "$tmp/replay.out")"

# On PATH: "modsim".
PATH=$(dirname "$modsim"):$offpath "$modsim" run --strategy none --scenario unload-race --sched pct --seed 1 >"$tmp/on.out" 2>&1
grep -q "^repeat: modsim run " "$tmp/on.out" || fail "on PATH: $(grep '^repeat:' "$tmp/on.out")"
grep -q "^replay: modsim run --replay ms1\." "$tmp/on.out" || fail "on PATH: $(grep '^replay:' "$tmp/on.out")"

# A name a shell must quote: a blank and a quote.  The printed line still runs.
odd="$tmp/my mod'sim"
ln -s "$modsim" "$odd"
PATH=$offpath "$odd" run --strategy none --scenario unload-race --sched pct --seed 1 >"$tmp/odd.out" 2>&1
line=$(sed -n 's/^replay: //p' "$tmp/odd.out")
case $line in
"'$tmp/my mod'\\''sim' run --replay ms1."*) ;;
*) fail "a name with a blank and a quote is not quoted: $line" ;;
esac
PATH=$offpath bash -c "$line" >"$tmp/oddreplay.out" 2>&1 || true
grep -q "^replay: reproduced" "$tmp/oddreplay.out" || fail "the quoted replay line did not run: $(tail -3 "$tmp/oddreplay.out")"

# The matrix under a 70-column terminal: one line per cell, none wider, the file whole.
(cd "$tmp" && PATH=$offpath TMPDIR=$tmp COLUMNS=70 "$modsim" matrix --strategies none,inc \
	--scenarios unload-race,timer --duration 0.1 >"$tmp/m.out" 2>"$tmp/m.err")
status=$?
[ "$status" -eq 0 ] || fail "matrix: exit $status: $(cat "$tmp/m.err")"
replays=$(sed -n '/^replay[ ,]/,/^$/p' "$tmp/m.out")
cells=$(printf '%s\n' "$replays" | grep -c ' x ')
found=$(grep -E '^(none|inc) ' "$tmp/m.out" | grep -oE ' [1-9][0-9]*/[0-9]+ [US] ' | wc -l)
[ "$found" -ge 1 ] || fail "matrix: no cell found a violation: $(cat "$tmp/m.out")"
[ "$cells" -eq "$found" ] || fail "matrix: $cells replay lines for $found cells that found a violation: $replays"
wide=$(printf '%s\n' "$replays" | grep -v '^  in full: ' | awk 'length > 70')
[ -z "$wide" ] || fail "replay lines wider than 70 columns: $wide"
file=$(printf '%s\n' "$replays" | sed -n 's/^  in full: //p')
[ -n "$file" ] && [ -f "$file" ] || fail "the table names no file of replay lines: $replays"
if [ -f "$file" ]; then
	[ "$(grep -c ' x ' "$file")" -eq "$cells" ] || fail "$file: not one line per cell: $(cat "$file")"
	tok=$(grep -o 'ms1\.[A-Za-z0-9_-]*' "$file" | head -1)
	[ -n "$tok" ] || fail "$file holds no token: $(cat "$file")"
	"$modsim" run --replay "$tok" >"$tmp/tok.out" 2>&1
	grep -q "^replay: reproduced" "$tmp/tok.out" || fail "a token of $file did not reproduce: $(tail -2 "$tmp/tok.out")"
fi

# A MISMATCH line on a terminal leaves its command to the cell's replay line; to a pipe it keeps it.
liar=$(dirname "$modsim")/tests/strategies/liar.so
if [ -f "$liar" ]; then
	(cd "$tmp" && TMPDIR=$tmp COLUMNS=70 "$modsim" matrix --strategies "$liar" --scenarios dependency \
		--duration 0.1 >"$tmp/mm.out" 2>&1)
	grep -q "^MISMATCH .*(its replay line is below)$" "$tmp/mm.out" ||
		fail "a MISMATCH line under COLUMNS=70 keeps its command: $(grep '^MISMATCH' "$tmp/mm.out")"
	"$modsim" matrix --strategies "$liar" --scenarios dependency --duration 0.1 >"$tmp/mp.out" 2>&1
	grep -q "^MISMATCH .* (modsim run --.*)$" "$tmp/mp.out" ||
		fail "a MISMATCH line to a pipe lacks its command: $(grep '^MISMATCH' "$tmp/mp.out")"
else
	fail "$liar was not built"
fi

# --replays FILE: the file asked for; without a width the table keeps the lines whole.
"$modsim" matrix --strategies none --scenarios unload-race --duration 0.1 --replays "$tmp/r.txt" >"$tmp/r.out" 2>&1
grep -q "^  none x unload-race: use-after-unload: .* run --replay ms1\." "$tmp/r.out" || fail "--replays: the table's line is not whole: $(cat "$tmp/r.out")"
grep -qF "in full: $tmp/r.txt" "$tmp/r.out" || fail "--replays: the table does not name $tmp/r.txt"
grep -q "^none x unload-race: use-after-unload: .* run --replay ms1\." "$tmp/r.txt" || fail "--replays: $tmp/r.txt: $(cat "$tmp/r.txt")"
"$modsim" matrix --strategies none --scenarios unload-race --duration 0.1 --json --replays "$tmp/j.txt" >/dev/null 2>"$tmp/j.err"
status=$?
[ "$status" -eq 2 ] || fail "--replays with --json: exit $status, want 2"

if [ "$failures" -ne 0 ]; then
	echo "$failures check(s) failed" >&2
	exit 1
fi
echo "progname: all checks passed"
