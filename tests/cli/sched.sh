#!/usr/bin/env bash
# The controlled scheduler from the command line: run --sched, --replay, --verify-replay, traces, shrink, matrix --sched.
# Usage: bash sched.sh PATH-TO-MODSIM BUILD-DIR  (MODSIM_MODULE_PATH set by CTest)
#
# Controlled schedules fault on purpose, one thread at a time.  (That a
# free run's find comes with a replay line is checked in run.sh: free
# running is for the builds that run "freerun" suites.)
# LABELS: faults
set -u

modsim=$1
tmp=$(mktemp -d "${TMPDIR:-/tmp}/modsim-sched.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
failures=0

fail() {
	echo "FAIL: $*" >&2
	failures=$((failures + 1))
}

# cmd WANT-STATUS ARGS...: run `modsim ARGS`, check the status.
cmd() {
	local want=$1
	shift
	"$modsim" "$@" >"$tmp/out" 2>"$tmp/err"
	status=$?
	[ "$status" -eq "$want" ] || fail "modsim $*: exit $status, want $want; stderr: $(cat "$tmp/err")"
}

# usage ARGS...: exit 2 and exactly one line on stderr, nothing on stdout.
usage() {
	cmd 2 "$@"
	[ "$(wc -l <"$tmp/err")" -eq 1 ] || fail "modsim $*: want one line on stderr, got: $(cat "$tmp/err")"
	[ -s "$tmp/out" ] && fail "modsim $*: wrote to stdout on a usage error"
}

has() {
	grep -qF -- "$2" "$1" || fail "$3: no '$2' in: $(head -c 600 "$1")"
}

json_ok() {
	python3 -c 'import json, sys; json.load(sys.stdin)' <"$1" 2>/dev/null ||
		fail "$2: not JSON: $(head -c 300 "$1")"
}

cell=(--strategy none --scenario unload-race)

# Usage errors name what is wrong, in one line.
usage run "${cell[@]}" --sched bogus
has "$tmp/err" "pct" "--sched bogus lists the policies"
usage run "${cell[@]}" --sched pct --duration 1
usage run "${cell[@]}" --sched pct --amplify call.after_lookup:0.5
usage run "${cell[@]}" --depth 3
usage run "${cell[@]}" --sched random --depth 3
usage run "${cell[@]}" --sched pct --steps 0
usage run "${cell[@]}" --sched replay
usage run --replay garbage
has "$tmp/err" "does not start with ms1." "a bad token"
usage run --replay ms1.AAAA
usage run "${cell[@]}" --verify-replay
usage shrink
usage shrink not-a-token
usage shrink ms1.x --max-runs 0
usage matrix --sched replay
usage matrix --sched pct --duration 1
usage matrix --schedules 0 --depth 2

# A pct schedule of none x unload-race ends on the violation, attributed, with its replay line.
cmd 0 run "${cell[@]}" --sched pct --seed 1
has "$tmp/out" "ended: violation at step" "run --sched pct"
has "$tmp/out" "schedule: pct, seed 1, depth 3" "run --sched pct"
has "$tmp/out" "repeat: modsim run --strategy none --scenario unload-race --workers 2 --seed 1 --sched pct" "run --sched pct"
tok=$(sed -n 's/^replay: modsim run --replay \(ms1\.[A-Za-z0-9_-]*\)$/\1/p' "$tmp/out")
[ -n "$tok" ] || fail "run --sched pct: no replay line"

cmd 3 run "${cell[@]}" --sched pct --seed 1 --fail-on-violation

# The token replays it: the same violation at the same step, every time.
for i in 1 2 3; do
	cmd 0 run --replay "$tok"
	has "$tmp/out" "replay: reproduced" "replay $i"
done
cmd 0 run --replay "$tok" --verify-replay
has "$tmp/out" "verify-replay: the replay took the same" "--verify-replay"
usage run --replay "$tok" --strategy try

# JSON carries the schedule and its token.
cmd 0 run "${cell[@]}" --sched pct --seed 1 --json
json_ok "$tmp/out" "run --sched --json"
has "$tmp/out" "\"token\": \"$tok\"" "run --sched --json"
has "$tmp/out" '"end": "violation"' "run --sched --json"

# Traces: Chrome trace JSON and an SVG timeline.
cmd 0 run --replay "$tok" --trace "$tmp/t.json" --timeline "$tmp/t.svg"
json_ok "$tmp/t.json" "--trace"
has "$tmp/t.json" '"traceEvents"' "--trace"
has "$tmp/t.json" "VIOLATION" "--trace"
has "$tmp/t.svg" "<svg" "--timeline"
has "$tmp/t.svg" "loader" "--timeline"
cmd 1 run --replay "$tok" --trace "$tmp/no/such/dir/t.json"
has "$tmp/err" "--trace" "an unwritable trace"

# A deadlock (hazard S) ends the run with every thread's place, not a hang.
cmd 0 run --strategy stopworld --scenario init-sleep --sched pct --seed 1
has "$tmp/out" "ended: deadlock" "stopworld x init-sleep"
has "$tmp/out" "stuck: loader waits (firmware)" "stopworld x init-sleep"

# Shrinking: a shorter schedule that still fails, and it replays.
cmd 0 shrink "$tok" --max-runs 100
has "$tmp/out" "after:" "shrink"
small=$(sed -n 's/^replay: modsim run --replay \(ms1\.[A-Za-z0-9_-]*\)$/\1/p' "$tmp/out")
[ -n "$small" ] || fail "shrink: no replay line"
cmd 0 run --replay "$small"
has "$tmp/out" "replay: reproduced" "the shrunk token"
cmd 0 shrink "$tok" --max-runs 50 --json
json_ok "$tmp/out" "shrink --json"

# A schedule that does not fail cannot be shrunk.
cmd 0 run --strategy try --scenario unload-race --sched pct --seed 1
ok=$(sed -n 's/^replay: modsim run --replay \(ms1\.[A-Za-z0-9_-]*\)$/\1/p' "$tmp/out")
cmd 4 shrink "$ok"
has "$tmp/err" "does not end on a violation" "shrink of a passing schedule"

# The matrix under the scheduler: cells judged, a replay line per cell that found a violation.
cmd 0 matrix --sched pct --trials 2 --strategies none,try --scenarios unload-race,put-return --check
has "$tmp/out" "pct schedules of depth 3" "matrix --sched"
has "$tmp/out" "replay (the first schedule of each cell that found a violation):" "matrix --sched"
has "$tmp/out" "none x unload-race:" "matrix --sched"
has "$tmp/out" "4 cells: 4 MATCH, 0 MISMATCH" "matrix --sched"

if [ "$failures" -ne 0 ]; then
	echo "$failures failure(s)" >&2
	exit 1
fi
echo "sched: all checks passed"
