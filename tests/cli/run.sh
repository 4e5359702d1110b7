#!/usr/bin/env bash
# modsim run end to end: exit statuses, one-line errors, JSON/CSV output, a scenario file.
# Usage: bash run.sh PATH-TO-MODSIM BUILD-DIR  (MODSIM_MODULE_PATH set by CTest)
#
# Runs the unsafe cell none + unload-race: workers fault on purpose, free
# running (see "freerun" in tests/CMakeLists.txt).
# LABELS: faults, freerun
set -u

modsim=$1
source_dir=$(cd "$(dirname "$0")/../.." && pwd)
tmp=$(mktemp -d "${TMPDIR:-/tmp}/modsim-run.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
failures=0

fail() {
	echo "FAIL: $*" >&2
	failures=$((failures + 1))
}

# run WANT-STATUS ARGS...: run `modsim run ARGS`, check the status.
run() {
	local want=$1
	shift
	"$modsim" run "$@" >"$tmp/out" 2>"$tmp/err"
	status=$?
	[ "$status" -eq "$want" ] || fail "run $*: exit $status, want $want; stderr: $(cat "$tmp/err")"
}

# usage ARGS...: a usage error is exit 2 and exactly one line on stderr.
usage() {
	run 2 "$@"
	[ "$(wc -l <"$tmp/err")" -eq 1 ] || fail "run $*: want one line on stderr, got: $(cat "$tmp/err")"
	[ -s "$tmp/out" ] && fail "run $*: wrote to stdout on a usage error"
}

json_ok() {
	if command -v python3 >/dev/null; then
		python3 -c 'import json, sys; json.load(sys.stdin)' <"$1"
	elif command -v jq >/dev/null; then
		jq -e . <"$1" >/dev/null
	else
		grep -q '^{' "$1"
	fi
}

# Help and usage errors.
run 0 --help
grep -qF "usage: modsim run" "$tmp/out" || fail "--help lacks the usage line"
"$modsim" --help | grep -qF "run OPTIONS" || fail "modsim --help does not list run"
usage --bogus
usage --scenario timer
usage --strategy none
usage --strategy no-such-preset --scenario timer
usage --strategy none --scenario no-such-scenario
usage --strategy none --scenario timer --duration -1
usage --strategy none --scenario timer --duration 1 --cycles 2
usage --strategy none --scenario timer --amplify 'call.after_lookup:2'
usage --strategy none --scenario timer --json --csv
usage --strategy none --scenario "$tmp/missing.ini"

# An unsafe cell: the trial runs (0), and finds its violation (3 when asked).
run 0 --strategy none --scenario unload-race --duration 0.5 --json
json_ok "$tmp/out" || fail "--json output does not parse: $(head -c 300 "$tmp/out")"
grep -q '"use-after-unload"' "$tmp/out" || fail "--json lacks the violation kinds"
run 3 --strategy none --scenario unload-race --duration 0.5 --fail-on-violation
grep -qE '^violations: [1-9]' "$tmp/out" || fail "text output: no violations line: $(cat "$tmp/out")"
grep -qF "repeat: modsim run --strategy none --scenario unload-race" "$tmp/out" ||
	fail "text output: no repeat line"
# A free run's find comes with a controlled schedule that replays one ...
tok=$(sed -n 's/^replay: modsim run --replay \(ms1\.[A-Za-z0-9_-]*\)$/\1/p' "$tmp/out")
[ -n "$tok" ] || fail "text output: no replay line for the violation found: $(tail -4 "$tmp/out")"
run 0 --replay "$tok"
grep -qF "replay: reproduced" "$tmp/out" || fail "the free run's replay line does not reproduce"
# ... in JSON too, and not with --no-hunt.
run 0 --strategy none --scenario unload-race --duration 0.3 --json
grep -q '"hunt": {' "$tmp/out" || fail "--json: no hunt for the violation found"
run 0 --strategy none --scenario unload-race --duration 0.3 --no-hunt
grep -q '^replay:' "$tmp/out" && fail "--no-hunt still printed a replay line"
# The matrix says it did not search, rather than that a search found nothing
# (a free-running find, so it is checked here, under the freerun label).
"$modsim" matrix --strategies none --scenarios unload-race --trials 1 --duration 0.3 --no-hunt \
	>"$tmp/out" 2>"$tmp/err"
grep -qF "none x unload-race: use-after-unload: no controlled schedule searched (--no-hunt); modsim run --strategy none --scenario unload-race" "$tmp/out" ||
	fail "matrix --no-hunt: the replay line does not say the search was skipped: $(grep -A1 '^replay' "$tmp/out")"
grep -q "controlled schedules found one" "$tmp/out" && fail "matrix --no-hunt claims a search it did not run"

# A safe cell: nothing found, so --fail-on-violation still exits 0.
run 0 --strategy try --scenario half-init --cycles 5 --fail-on-violation --csv
[ "$(wc -l <"$tmp/out")" -eq 2 ] || fail "--csv: want a header and one row: $(cat "$tmp/out")"
head -1 "$tmp/out" | grep -q '^strategy,scenario,hazard,' || fail "--csv header: $(head -1 "$tmp/out")"
tail -1 "$tmp/out" | grep -q '^try,half-init,B,' || fail "--csv row: $(tail -1 "$tmp/out")"

run 0 --strategy try --scenario half-init --cycles 2 --jsonl
[ "$(wc -l <"$tmp/out")" -eq 1 ] || fail "--jsonl: want one line"
json_ok "$tmp/out" || fail "--jsonl output does not parse"

# The example scenario files run.
for ini in "$source_dir"/examples/scenarios/*.ini; do
	run 0 --strategy try --scenario "$ini" --duration 0.2 --jsonl
	json_ok "$tmp/out" || fail "$ini: output does not parse"
done

# A scenario file naming a module that does not exist: a runtime error (1), one line.
printf '[module]\nname = no-such-module\n' >"$tmp/bad.ini"
run 1 --strategy none --scenario "$tmp/bad.ini" --cycles 1
[ "$(wc -l <"$tmp/err")" -eq 1 ] || fail "missing module: want one line: $(cat "$tmp/err")"
grep -qF "no-such-module" "$tmp/err" || fail "missing module: the error does not name it"

# A scenario file with a bad line: usage (2), naming file and line.
printf '[module]\nname = hello\n[workers]\nhooks = 3\n' >"$tmp/typo.ini"
usage --strategy none --scenario "$tmp/typo.ini"
grep -qF "typo.ini:4:" "$tmp/err" || fail "bad scenario file: no FILE:LINE in '$(cat "$tmp/err")'"

if [ "$failures" -ne 0 ]; then
	echo "$failures failure(s)" >&2
	exit 1
fi
echo "run: all checks passed"
