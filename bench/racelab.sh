#!/usr/bin/env bash
# The race lab's figures: detection in every unsafe cell, silence over many cycles in the safe ones, a cycle's cost.
#
# Usage: bench/racelab.sh [--build DIR] [--trials N] [--duration S] [--safe-trials N]
#                         [--safe-duration S] [--seed N] [--strategies LIST]
#                         [--scenarios LIST] [--cycles N] [--out DIR] [--quick]
#
# 1. Every cell the post predicts unsafe: N seeded trials of S seconds
#    (default 20 x 2 s); the detection rate (trials that found a race
#    violation) and the median time to the first violation.  Target: at
#    least 19 of 20 (95 %) per cell.
# 2. Every cell predicted safe: --safe-trials x --safe-duration (default
#    2 x 2 s); the load/unload cycles done (successful unloads) and the
#    violations.  Target: zero violations, and at least 100,000 cycles in
#    all, over every safe cell (VERDICT safe) and over the presets that are
#    safe in every cell (VERDICT safe-presets).
# 3. A load/unload cycle against a bare dlopen/dlclose loop of the same .so
#    in the same process, with the ratio (modsim-bench's CYCLES lines: the
#    median over 10 rounds that alternate the two).  Target: at most 1.5x.
#
# Prints PASS/FAIL verdict lines as it finds them; the exit status is 0
# whatever they say (2 only for bad usage, 1 when modsim cannot run).  The
# trial lines are kept in --out DIR (default: a new directory under /tmp),
# ready for `modsim merge --plot`.
# The full run takes about half an hour on 2 cores; --quick is a smoke run.
set -u

root=$(cd "$(dirname "$0")/.." && pwd)
build=""
trials=20
duration=2
safe_trials=2
safe_duration=2
seed=1
strategies=""
scenarios=""
cycles=20000
out=""
target_cycles=100000
limit_ratio=1.5

die_usage() {
	echo "racelab: $*" >&2
	sed -n '3,6p' "$0" | sed 's/^# \{0,1\}//' >&2
	exit 2
}

while [ $# -gt 0 ]; do
	case $1 in
	--build) build=${2:?}; shift ;;
	--trials) trials=${2:?}; shift ;;
	--duration) duration=${2:?}; shift ;;
	--safe-trials) safe_trials=${2:?}; shift ;;
	--safe-duration) safe_duration=${2:?}; shift ;;
	--seed) seed=${2:?}; shift ;;
	--strategies) strategies=${2:?}; shift ;;
	--scenarios) scenarios=${2:?}; shift ;;
	--cycles) cycles=${2:?}; shift ;;
	--out) out=${2:?}; shift ;;
	--quick) trials=3; duration=0.3; safe_trials=1; safe_duration=0.3; cycles=2000 ;;
	-h|--help) sed -n '2,27p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	*) die_usage "unknown argument '$1'" ;;
	esac
	shift
done
for v in "$trials" "$safe_trials" "$cycles" "$seed"; do
	[[ $v =~ ^[0-9]+$ ]] || die_usage "'$v' is not a number"
done

if [ -z "$build" ]; then
	for d in "$root/build-release" "$root/build"; do
		[ -x "$d/modsim" ] && { build=$d; break; }
	done
fi
modsim=$build/modsim
if [ ! -x "$modsim" ]; then
	echo "racelab: no modsim binary (build first, or give --build DIR)" >&2
	exit 1
fi
[ -n "$out" ] || out=$(mktemp -d "${TMPDIR:-/tmp}/racelab.XXXXXX")
mkdir -p "$out" || exit 1

sel=()
[ -n "$strategies" ] && sel+=(--strategies "$strategies")
[ -n "$scenarios" ] && sel+=(--scenarios "$scenarios")
if ! "$modsim" matrix "${sel[@]}" --plan >"$out/plan.txt" 2>"$out/plan.err"; then
	echo "racelab: $(cat "$out/plan.err")" >&2
	exit 1
fi

# cells PREDICTION: "STRATEGY LIST" per strategy with cells of that prediction, in order.
cells() {
	awk -v want="$1" '$4 == want {
		if (!seen[$1]++) {
			order[n++] = $1
			list[$1] = $2
		} else {
			list[$1] = list[$1] "," $2
		}
	} END { for (i = 0; i < n; i++) print order[i], list[order[i]] }' "$out/plan.txt"
}

# field NAME: the value of "NAME" in each JSON line on stdin (numbers and plain strings).
field() {
	sed -E "s/.*\"$1\":\"?([^\",}]*).*/\\1/"
}

echo "racelab: $modsim ($(nproc) CPUs), results in $out"
echo "racelab: unsafe cells $trials x ${duration} s, safe cells $safe_trials x ${safe_duration} s, seed $seed"
echo "command: $0 --trials $trials --duration $duration --safe-trials $safe_trials --safe-duration $safe_duration --seed $seed${strategies:+ --strategies $strategies}${scenarios:+ --scenarios $scenarios} --cycles $cycles"

# ---- 1. unsafe cells: detection rate, median time to the first violation ----
echo
echo "1. cells predicted unsafe: trials that found a race violation, median time to the first"
ncells=0
npass=0
low=""
while read -r strat list; do
	f="$out/unsafe-$strat.jsonl"
	if ! "$modsim" matrix --strategies "$strat" --scenarios "$list" --trials "$trials" \
		--duration "$duration" --seed "$seed" --jsonl >"$f"; then
		echo "racelab: the matrix of $strat failed" >&2
		continue
	fi
	"$modsim" merge --csv "$f" >"$f.csv" || continue
	# strategy,scenario,hazard,trials,found,violations,first_violation_p50_ns,...
	while IFS=, read -r s c h n found v first rest; do
		ncells=$((ncells + 1))
		if [ $((found * 20)) -ge $((n * 19)) ]; then
			verdict=PASS
			npass=$((npass + 1))
		else
			verdict=FAIL
			low="$low $s/$c($found/$n)"
		fi
		first_ms=$(awk -v ns="$first" 'BEGIN { printf "%.2f", ns / 1e6 }')
		[ "$found" -eq 0 ] && first_ms="-"
		printf 'DETECT %-28s hazard=%-5s found=%s/%s rate=%3d%% first_violation_p50_ms=%s %s\n' \
			"$s/$c" "$h" "$found" "$n" $((100 * found / n)) "$first_ms" "$verdict"
	done < <(tail -n +2 "$f.csv")
done < <(cells unsafe)
if [ "$ncells" -eq 0 ]; then
	echo "VERDICT detection SKIP: no cell predicted unsafe was selected"
elif [ "$npass" -eq "$ncells" ]; then
	echo "VERDICT detection PASS: all $ncells unsafe cells found the violation in >= 95% of $trials trials"
else
	echo "VERDICT detection FAIL: $npass of $ncells unsafe cells found the violation in >= 95% of $trials trials; below:$low"
fi

# ---- 2. safe cells: no violation over many load/unload cycles ----
echo
echo "2. cells predicted safe: load/unload cycles done (successful unloads) and violations"
total_cycles=0
total_viol=0
bad=""
nsafe=0
# The presets safe in every selected cell, counted apart ("the safe presets").
unsafe_presets=" $(cells unsafe | awk '{ print $1 }' | paste -sd' ' -) "
sp_cycles=0
sp_viol=0
sp_names=""
while read -r strat list; do
	f="$out/safe-$strat.jsonl"
	if ! "$modsim" matrix --strategies "$strat" --scenarios "$list" --trials "$safe_trials" \
		--duration "$safe_duration" --seed "$seed" --jsonl >"$f"; then
		echo "racelab: the matrix of $strat failed" >&2
		continue
	fi
	for c in ${list//,/ }; do
		cyc=$(grep -F "\"scenario\":\"$c\"" "$f" | field unload_done | awk '{ s += $1 } END { print s + 0 }')
		vio=$(grep -F "\"scenario\":\"$c\"" "$f" | field violations | awk '{ s += $1 } END { print s + 0 }')
		nsafe=$((nsafe + 1))
		total_cycles=$((total_cycles + cyc))
		total_viol=$((total_viol + vio))
		verdict=PASS
		if [ "$vio" -ne 0 ]; then
			verdict=FAIL
			bad="$bad $strat/$c($vio)"
		fi
		printf 'SAFE %-28s cycles=%-8s violations=%-6s %s\n' "$strat/$c" "$cyc" "$vio" "$verdict"
		if [[ $unsafe_presets != *" $strat "* ]]; then
			sp_cycles=$((sp_cycles + cyc))
			sp_viol=$((sp_viol + vio))
		fi
	done
	[[ $unsafe_presets != *" $strat "* ]] && sp_names="$sp_names $strat"
done < <(cells safe)
if [ "$nsafe" -eq 0 ]; then
	echo "VERDICT safe SKIP: no cell predicted safe was selected"
elif [ "$total_viol" -eq 0 ] && [ "$total_cycles" -ge "$target_cycles" ]; then
	echo "VERDICT safe PASS: 0 violations in $total_cycles load/unload cycles across $nsafe safe cells (target >= $target_cycles)"
elif [ "$total_viol" -eq 0 ]; then
	echo "VERDICT safe FAIL: 0 violations, but only $total_cycles load/unload cycles across $nsafe safe cells (target >= $target_cycles; raise --safe-trials or --safe-duration)"
else
	echo "VERDICT safe FAIL: $total_viol violations in $total_cycles load/unload cycles across $nsafe safe cells; in:$bad"
fi
if [ -z "$sp_names" ]; then
	echo "VERDICT safe-presets SKIP: no selected preset is predicted safe in every selected cell"
elif [ "$sp_viol" -eq 0 ] && [ "$sp_cycles" -ge "$target_cycles" ]; then
	echo "VERDICT safe-presets PASS: 0 violations in $sp_cycles load/unload cycles across the presets safe in every cell:$sp_names (target >= $target_cycles)"
else
	echo "VERDICT safe-presets FAIL: $sp_viol violations in $sp_cycles load/unload cycles across the presets safe in every cell:$sp_names (target 0 in >= $target_cycles)"
fi

# ---- 3. a load/unload cycle against bare dlopen/dlclose ----
echo
echo "3. one load/unload cycle (insmod + rmmod, no callers) against dlopen + dlclose of the same .so"
bench_list=$(awk '{ print $1 }' "$out/plan.txt" | uniq | paste -sd, -)
if [ ! -x "$build/modsim-bench" ]; then
	echo "VERDICT cycle-cost SKIP: $build/modsim-bench was not built (configure with MODSIM_BENCH=ON)"
else
	# Each preset's ratio is modsim-bench's: the median over 10 rounds, each
	# a block of bare dlopen/dlclose and then a block of insmod + rmmod.
	"$build/modsim-bench" --strategies "$bench_list" --threads 1 --loops 1000 --runs 1 --unloads 0 \
		--cycles "$cycles" --quiet >"$out/bench.txt" 2>"$out/bench.err"
	grep '^CYCLES' "$out/bench.txt" >"$out/cycles.txt"
	worst=""
	nover=0
	nmeas=0
	while read -r line; do
		p=$(sed -E 's/.*preset=([^ ]*).*/\1/' <<<"$line")
		us=$(sed -nE 's/.* us_per_cycle=([0-9.]+).*/\1/p' <<<"$line")
		bare=$(sed -nE 's/.* dlopen_us_per_cycle=([0-9.]+).*/\1/p' <<<"$line")
		ratio=$(sed -nE 's/.* slower_than_dlopen=([0-9.]+)x.*/\1/p' <<<"$line")
		[ -n "$ratio" ] || { echo "CYCLE preset=$p did not complete: $line"; continue; }
		verdict=$(awk -v r="$ratio" -v l="$limit_ratio" 'BEGIN { print (r <= l) ? "PASS" : "FAIL" }')
		nmeas=$((nmeas + 1))
		[ "$verdict" = FAIL ] && { nover=$((nover + 1)); worst="$worst $p(${ratio}x)"; }
		printf 'CYCLE preset=%-15s us_per_cycle=%-8s dlopen_us=%-8s ratio=%sx %s\n' "$p" "$us" "$bare" "$ratio" "$verdict"
	done < <(grep -v 'preset=bare-dlopen' "$out/cycles.txt")
	how="modsim-bench --cycles $cycles, medians of 10 interleaved rounds"
	if [ "$nmeas" -eq 0 ]; then
		echo "VERDICT cycle-cost SKIP: the cycle measurement did not run (see $out)"
	elif [ "$nover" -eq 0 ]; then
		echo "VERDICT cycle-cost PASS: all $nmeas presets within ${limit_ratio}x of bare dlopen/dlclose ($how)"
	else
		echo "VERDICT cycle-cost FAIL: $nover of $nmeas presets above ${limit_ratio}x of bare dlopen/dlclose ($how):$worst"
	fi
fi
echo
echo "racelab: trial lines in $out (modsim merge --plot FILE.png $out/unsafe-none.jsonl, ...)"
exit 0
