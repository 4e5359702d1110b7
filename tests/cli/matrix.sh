#!/usr/bin/env bash
# modsim matrix and merge end to end: usage errors, formats, --check, --plot, the progress line, no arguments.
# Usage: bash matrix.sh PATH-TO-MODSIM BUILD-DIR  (MODSIM_MODULE_PATH set by CTest)
#
# Outcomes asserted are certain ones: nounload never unloads and try only
# unloads an unused module (no violation can happen), and with --workers 0
# nobody calls into a module, so none x unload-race (predicted unsafe)
# cannot find its violation: a certain UNSEEN (predicted unsafe, not found).
set -u

modsim=$1
tmp=$(mktemp -d "${TMPDIR:-/tmp}/modsim-matrix.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
failures=0

fail() {
	echo "FAIL: $*" >&2
	failures=$((failures + 1))
}

expect_in() {
	grep -qF -- "$2" "$1" || fail "$3 lacks '$2': $(head -c 2000 "$1")"
}

# run NAME WANT-STATUS ARGS...: modsim ARGS, stdout to $tmp/NAME.out, stderr to $tmp/NAME.err
run() {
	local name=$1 want=$2 status
	shift 2
	"$modsim" "$@" >"$tmp/$name.out" 2>"$tmp/$name.err"
	status=$?
	[ "$status" -eq "$want" ] || fail "modsim $*: exit $status, want $want: $(cat "$tmp/$name.err")"
}

# usage WORD ARGS...: `modsim matrix ARGS` is a usage error: exit 2, one line naming WORD
usage() {
	local word=$1
	shift
	run usage 2 matrix "$@"
	[ "$(wc -l <"$tmp/usage.err")" -eq 1 ] || fail "matrix $*: want one line on stderr: $(cat "$tmp/usage.err")"
	expect_in "$tmp/usage.err" "$word" "stderr of matrix $*"
	[ -s "$tmp/usage.out" ] && fail "matrix $*: wrote to stdout"
}

run help 0 matrix --help
for word in "usage: modsim matrix" --strategies --scenarios --trials --duration --seed --workers \
	--json --csv --jsonl --check --plot --shard --plan; do
	expect_in "$tmp/help.out" "$word" "matrix --help"
done
run mhelp 0 merge --help
expect_in "$tmp/mhelp.out" "usage: modsim merge" "merge --help"

usage --trials --trials 0
usage --trials --trials many
usage --duration --duration 0
usage --duration --duration -1
usage --workers --workers 1000
usage --seed --seed x
usage --shard --shard 0/4
usage --shard --shard 5/4
usage --shard --shard 2
usage --shard --shard 1/4x
usage "only one of" --json --csv
usage no-such-preset --strategies try,no-such-preset
usage twice --strategies try,try
usage no-such-scenario --scenarios no-such-scenario
usage --plot --plot ""
usage bogus --bogus
usage extra extra
usage "needs an argument" --trials

# --plan: the cells and their predictions, nothing run.
run plan 0 matrix --plan --strategies none,stopworld --scenarios unload-race,init-sleep,mixed
[ "$(wc -l <"$tmp/plan.out")" -eq 6 ] || fail "--plan: want 6 cells: $(cat "$tmp/plan.out")"
grep -qx "none unload-race A+L unsafe" "$tmp/plan.out" || fail "--plan: none x unload-race"
grep -qx "none init-sleep S safe" "$tmp/plan.out" || fail "--plan: none x init-sleep"
grep -qx "stopworld init-sleep S unsafe" "$tmp/plan.out" || fail "--plan: stopworld x init-sleep"
grep -qx "stopworld mixed mixed unsafe" "$tmp/plan.out" || fail "--plan: stopworld x mixed"

tiny=(--strategies nounload,try --scenarios unload-race,long-session --trials 2 --duration 0.02
      --workers 1 --seed 7 --schedules 2)

# The table, with no progress line when stderr is not a terminal.
run text 0 matrix "${tiny[@]}" --check
expect_in "$tmp/text.out" "modsim matrix: 2 strategies x 2 scenarios, 2 trials of 0.02 s + 2 controlled schedules (pct, random) per cell, 1 worker, seed 7" "the table"
expect_in "$tmp/text.out" "4 cells: 4 MATCH, 0 MISMATCH" "the table"
expect_in "$tmp/text.out" "refused LIVE*" "the cost columns"
expect_in "$tmp/text.out" "refused C/G*" "the cost columns"
expect_in "$tmp/text.out" "confidence (95 %) per controlled schedule" "the confidence grid"
expect_in "$tmp/text.out" "repeat: modsim matrix --strategies nounload,try --scenarios unload-race,long-session --trials 2 --duration 0.02 --workers 1 --seed 7 --schedules 2" "the table"
grep -qE '^try +0/4 S MATCH +0/4 S MATCH$' "$tmp/text.out" || fail "no try row: $(cat "$tmp/text.out")"
[ -s "$tmp/text.err" ] && fail "progress or errors on a stderr that is not a terminal: $(cat "$tmp/text.err")"

run json 0 matrix "${tiny[@]}" --json
expect_in "$tmp/json.out" '"schema": "modsim-matrix/2"' "--json"
expect_in "$tmp/json.out" '"violation_p_max95": 1.000000' "--json confidence (3/2, capped)"
[ "$(grep -c '"verdict": "MATCH"' "$tmp/json.out")" -eq 4 ] || fail "--json: want 4 MATCH cells"
if command -v jq >/dev/null; then
	jq -e '.cells | length == 4' "$tmp/json.out" >/dev/null || fail "--json is not the JSON of 4 cells"
fi

run csv 0 matrix "${tiny[@]}" --csv
[ "$(wc -l <"$tmp/csv.out")" -eq 5 ] || fail "--csv: want a header and 4 rows: $(cat "$tmp/csv.out")"
head -1 "$tmp/csv.out" | grep -q '^strategy,scenario,hazard,trials,found,violations,' || fail "--csv header"
grep -q '^nounload,long-session,A+L,4,0,0,0,safe,safe,MATCH,' "$tmp/csv.out" || fail "--csv row: $(cat "$tmp/csv.out")"

run jsonl 0 matrix "${tiny[@]}" --jsonl
[ "$(wc -l <"$tmp/jsonl.out")" -eq 16 ] || fail "--jsonl: want 16 trial lines"
[ "$(grep -c '^{"schema":"modsim-matrix-trial/3",' "$tmp/jsonl.out")" -eq 16 ] || fail "--jsonl: lines of another schema"
run merged 0 merge --check "$tmp/jsonl.out"
expect_in "$tmp/merged.out" "4 cells: 4 MATCH, 0 MISMATCH" "merge of the trial lines"
expect_in "$tmp/merged.out" "repeat: modsim matrix --strategies nounload,try" "merge of the trial lines"

# A bad line is named by file and line; exit 1.
{ head -3 "$tmp/jsonl.out"; echo '{"schema":"modsim-matrix-trial/3"'; } >"$tmp/bad.jsonl"
run bad 1 merge "$tmp/bad.jsonl"
expect_in "$tmp/bad.err" "$tmp/bad.jsonl:4: " "merge of a bad line"

# --check: a certain VOID (nobody calls, so the cell has no evidence either
# way); --check fails on it.
nocall=(--strategies none --scenarios unload-race --trials 1 --duration 0.02 --workers 0 --schedules 2)
run nocheck 0 matrix "${nocall[@]}"
expect_in "$tmp/nocheck.out" "0/3 U VOID" "the no-caller matrix"
expect_in "$tmp/nocheck.out" "VOID none x unload-race (hazard A+L): 3 trials, no evidence: no call into module code while an unload was under way" "the no-caller matrix"
run check 3 matrix "${nocall[@]}" --check

# A scenario whose module cannot load: its cell is VOID, naming the loader's reason; exit 1.
printf '[scenario]\nname = bogus\nhazard = A\n[module]\nname = selfcount\nparams = bogus=1\n[workers]\nhook = 1\n' >"$tmp/bogus.ini"
run bogus 1 matrix --strategies try --scenarios "$tmp/bogus.ini" --trials 1 --duration 0.02 --schedules 1
expect_in "$tmp/bogus.out" "0/2 S VOID" "a module that cannot load"
expect_in "$tmp/bogus.out" "unknown parameter 'bogus'" "a module that cannot load"
expect_in "$tmp/bogus.err" "cannot load at all" "a module that cannot load"

# --plot: a PNG when gnuplot is there; a clear error when it is not.
if command -v gnuplot >/dev/null; then
	run plot 0 merge --plot "$tmp/m.png" "$tmp/jsonl.out"
	[ "$(head -c 4 "$tmp/m.png" | od -An -tx1 | tr -d ' ')" = "89504e47" ] || fail "--plot wrote no PNG"
else
	echo "note: gnuplot not installed; the PNG is not checked" >&2
fi
PATH=/nonexistent "$modsim" merge --plot "$tmp/none.png" "$tmp/jsonl.out" >"$tmp/nognu.out" 2>"$tmp/nognu.err"
status=$?
[ "$status" -eq 1 ] || fail "--plot without gnuplot: exit $status, want 1"
expect_in "$tmp/nognu.err" "gnuplot is not installed" "--plot without gnuplot"
expect_in "$tmp/nognu.out" "4 cells: 4 MATCH" "the table printed before the failed plot"

# The progress line goes to a terminal (script(1) gives stderr one).
if command -v script >/dev/null; then
	script -qec "'$modsim' matrix ${tiny[*]} >/dev/null" /dev/null >"$tmp/tty.out" 2>&1 </dev/null
	expect_in "$tmp/tty.out" "matrix: 16/16 trials" "the progress line on a terminal"
	expect_in "$tmp/tty.out" "left" "the progress line on a terminal"
fi

# No command: the quick matrix (here under one preset, so it is quick).
run quick 0 --strategy try --seed 3
expect_in "$tmp/quick.out" "modsim matrix: 1 strategy x 8 scenarios, 1 trial of 0.3 s + 32 controlled schedules (pct, random) per cell, 2 workers, seed 3" "modsim --strategy try"
expect_in "$tmp/quick.out" "8 cells: 8 MATCH, 0 MISMATCH" "modsim --strategy try"
expect_in "$tmp/quick.out" "repeat: modsim matrix --strategies try --trials 1 --duration 0.3 --workers 2 --seed 3 --schedules 32" "modsim --strategy try"

if [ "$failures" -ne 0 ]; then
	echo "$failures failure(s)" >&2
	exit 1
fi
echo "matrix: all checks passed"
