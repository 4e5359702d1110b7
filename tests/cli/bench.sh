#!/usr/bin/env bash
# modsim-bench's output, format only: SUMMARY lines per preset and thread count, verdicts, --json, --csv, usage.
# Usage: bash bench.sh PATH-TO-MODSIM BUILD-DIR  (the bench is BUILD-DIR/modsim-bench)
#
# Timings are never checked (a slow or busy machine must not fail this), and
# a FAIL verdict is a result, not a test failure.  The unload runs race rmmod
# against callers under every preset; under `none` the callers fault on
# purpose (guarded and attributed), free running (see "freerun" in
# tests/CMakeLists.txt).
# LABELS: faults, freerun
set -u

build=$2
bench=$build/modsim-bench
if [ ! -x "$bench" ]; then
	echo "SKIP: $bench was not built (configure with MODSIM_BENCH=ON)"
	exit 0
fi
tmp=$(mktemp -d "${TMPDIR:-/tmp}/modsim-bench.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
failures=0

fail() {
	echo "FAIL: $*" >&2
	failures=$((failures + 1))
}

num='[0-9]+(\.[0-9]+)?'
tiny=(--threads 1,2 --loops 2000 --runs 3 --quiet)

# The text report.
"$bench" "${tiny[@]}" --unloads 2 --cycles 3 >"$tmp/out" 2>"$tmp/err"
status=$?
[ "$status" -eq 0 ] || fail "text run: exit $status: $(cat "$tmp/err")"
presets=$(sed -n 's/^presets   //p' "$tmp/out" | tr ',' ' ')
[ -n "$presets" ] || fail "no 'presets' line in the header"
for word in machine compiler settings missing; do
	grep -q "^$word " "$tmp/out" || fail "no '$word' line in the header"
done
for t in 1 2; do
	for p in $presets; do
		grep -qE "^SUMMARY preset=$p threads=$t ns_per_call=$num min=$num max=$num ratio_bare=$num builtin_ns=$num builtin_ratio=$num " "$tmp/out" ||
			fail "no SUMMARY line for preset $p at $t threads"
		grep -qE "^UNLOAD preset=$p threads=$t samples=[0-9]+ ok=[0-9]+ " "$tmp/out" ||
			fail "no UNLOAD line for preset $p at $t threads"
	done
	for b in bare atomic perthread urcu rwlock percpu-inline percpu-online percpu-call percpu-table percpu-runtime; do
		grep -qE "^SUMMARY baseline=$b threads=$t ns_per_call=$num min=$num max=$num ratio_bare=$num " "$tmp/out" ||
			fail "no SUMMARY line for baseline $b at $t threads"
	done
	grep -qE "^VERDICT dispatch threads=$t (PASS|FAIL): " "$tmp/out" ||
		fail "no dispatch verdict at $t threads"
	grep -qE "^VERDICT vs-urcu threads=$t( preset=[a-z0-9-]+)? (PASS|FAIL|SKIP): " "$tmp/out" ||
		fail "no vs-urcu verdict at $t threads"
done
for p in bare-dlopen $presets; do
	grep -qE "^CYCLES preset=$p " "$tmp/out" || fail "no CYCLES line for $p"
done
grep -qE "^CYCLES preset=inc cycles=3 rounds=3 per_s=$num us_per_cycle=$num dlopen_us_per_cycle=$num slower_than_dlopen=${num}x$" "$tmp/out" ||
	fail "the CYCLES line of inc: $(grep '^CYCLES preset=inc ' "$tmp/out")"
grep -qE "^settings .*; init_timeout_ms=2000$" "$tmp/out" || fail "the settings line lacks the default init_timeout_ms"

# --init-timeout: 0 runs init and exit on the caller; a bad value is a usage error.
"$bench" --strategies inc --threads 1 --loops 1000 --runs 1 --unloads 0 --cycles 13 --quiet \
	--init-timeout 0 >"$tmp/nowd" 2>"$tmp/err"
status=$?
[ "$status" -eq 0 ] || fail "--init-timeout 0: exit $status: $(cat "$tmp/err")"
grep -qE "^settings .*; init_timeout_ms=0$" "$tmp/nowd" || fail "--init-timeout 0 is not in the settings line"
# 13 cycles over 10 rounds: every cycle runs (rounds of 1 and 2).
grep -qE "^CYCLES preset=inc cycles=13 rounds=10 " "$tmp/nowd" ||
	fail "--init-timeout 0, --cycles 13: $(grep '^CYCLES preset=inc' "$tmp/nowd")"
"$bench" --init-timeout -1 >/dev/null 2>"$tmp/err"
status=$?
[ "$status" -eq 2 ] || fail "--init-timeout -1: exit $status, not 2"
grep -q "init-timeout" "$tmp/err" || fail "--init-timeout -1: the error does not name the option: $(cat "$tmp/err")"
for v in safe-floor stable; do
	grep -qE "^VERDICT $v( threads=[0-9]+)?( preset=[a-z0-9-]+)? (PASS|FAIL|SKIP): " "$tmp/out" ||
		fail "no $v verdict"
done

# --json parses, and carries every section.
"$bench" --strategies none,try --threads 1 --loops 1000 --runs 2 --unloads 1 --cycles 2 --quiet \
	--json >"$tmp/json" 2>"$tmp/err"
status=$?
[ "$status" -eq 0 ] || fail "--json: exit $status: $(cat "$tmp/err")"
python3 -m json.tool "$tmp/json" >/dev/null 2>"$tmp/jerr" || fail "--json does not parse: $(cat "$tmp/jerr")"
for key in '"machine"' '"settings"' '"summary"' '"unload"' '"cycles"' '"figures"' '"ratio_bare"'; do
	grep -qF "$key" "$tmp/json" || fail "--json lacks $key"
done
grep -q '^SUMMARY' "$tmp/json" && fail "--json mixed text lines into the JSON"

# --csv: one header, rows of five fields (timed by the wall clock this once).
"$bench" --strategies none --threads 1 --loops 1000 --runs 2 --unloads 0 --cycles 0 --quiet \
	--clock wall --csv >"$tmp/csv" 2>"$tmp/err"
status=$?
[ "$status" -eq 0 ] || fail "--csv: exit $status: $(cat "$tmp/err")"
[ "$(head -1 "$tmp/csv")" = "section,name,threads,metric,value" ] || fail "--csv header: $(head -1 "$tmp/csv")"
grep -qE '^preset,none,1,ns_per_call,[0-9]' "$tmp/csv" || fail "--csv has no ns_per_call row for none"
awk -F, 'NF != 5 { bad = 1 } END { exit bad }' "$tmp/csv" || fail "--csv rows without five fields"

# Usage: --help, and errors exit 2 with one line.
"$bench" --help >"$tmp/out" 2>&1 || fail "--help: exit $?"
grep -q "usage: modsim-bench" "$tmp/out" || fail "--help prints no usage"
for bad in "--threads 0" "--threads 1,1" "--runs x" "--loops 7" "--clock tsc" "--strategies nosuch" "--bogus" "--json --csv"; do
	# shellcheck disable=SC2086 # split on purpose
	"$bench" $bad >"$tmp/out" 2>"$tmp/err"
	status=$?
	[ "$status" -eq 2 ] || fail "'$bad': exit $status, want 2"
	[ "$(wc -l <"$tmp/err")" -eq 1 ] || fail "'$bad': want one line on stderr: $(cat "$tmp/err")"
done

# --plot: a PNG with gnuplot; without it, one clear line and exit 1 (the report is still printed).
"$bench" --strategies none --threads 1,2 --loops 1000 --runs 2 --unloads 0 --cycles 0 --quiet \
	--plot "$tmp/plot.png" >"$tmp/out" 2>"$tmp/err"
status=$?
if command -v gnuplot >/dev/null 2>&1; then
	[ "$status" -eq 0 ] || fail "--plot: exit $status"
	[ "$(head -c 4 "$tmp/plot.png" 2>/dev/null | od -An -c | tr -d ' ')" = '211PNG' ] ||
		fail "--plot wrote no PNG: $(cat "$tmp/err")"
fi
PATH=/nonexistent "$bench" --strategies none --threads 1 --loops 1000 --runs 1 --unloads 0 --cycles 0 \
	--quiet --plot "$tmp/none.png" >"$tmp/out" 2>"$tmp/err"
status=$?
[ "$status" -eq 1 ] || fail "--plot without gnuplot: exit $status, want 1"
[ "$(wc -l <"$tmp/err")" -eq 1 ] || fail "--plot without gnuplot: want one line on stderr: $(cat "$tmp/err")"
grep -q "gnuplot is not installed" "$tmp/err" || fail "--plot without gnuplot says nothing"
grep -q "^SUMMARY " "$tmp/out" || fail "--plot without gnuplot: the report was not printed"

# --rss-cycles: RSS lines and one RSSGROWTH line per safe preset; an unsafe
# one is skipped, one that refuses unload says so.
"$bench" --rss-cycles 40 --strategies linux26,none,nounload --quiet >"$tmp/out" 2>"$tmp/err"
status=$?
[ "$status" -eq 0 ] || fail "--rss-cycles: exit $status: $(cat "$tmp/err")"
grep -qE '^RSS preset linux26 cycles 40 rss_kb [1-9][0-9]* heap_kb [0-9]+' "$tmp/out" ||
	fail "--rss-cycles: no RSS line at 40 cycles: $(cat "$tmp/out")"
grep -qE '^RSSGROWTH preset linux26 cycles 40 ' "$tmp/out" || fail "--rss-cycles: no RSSGROWTH line"
grep -q '^RSS preset none skipped' "$tmp/out" || fail "--rss-cycles: none not skipped"
grep -q '^RSS preset nounload skipped: it refuses to unload' "$tmp/out" ||
	fail "--rss-cycles: nounload not skipped"

# The bench module implements every hook a preset relies on: under self and
# self-restart (stop, restart), unloads raced by
# callers show no violation (before the module had a stop hook: use_after_unload=18).
"$bench" --strategies self,self-restart,rcu --threads 2 --loops 1000 --runs 2 --unloads 40 \
	--cycles 0 --quiet >"$tmp/self.out" 2>"$tmp/self.err"
status=$?
[ "$status" -eq 0 ] || fail "unloads under self: exit $status: $(cat "$tmp/self.err")"
for p in self self-restart rcu; do
	line=$(grep "^UNLOAD preset=$p threads=2 " "$tmp/self.out")
	[ -n "$line" ] || fail "no UNLOAD line for $p"
	case $line in
	*" use_after_unload=0 call_after_exit=0 "*" result=ok") ;;
	*) fail "unloads under $p saw a violation or failed: $line" ;;
	esac
done

[ "$failures" -eq 0 ] || exit 1
echo "bench: all checks passed"
