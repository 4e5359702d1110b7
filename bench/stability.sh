#!/usr/bin/env bash
# Run the main job (the quick matrix, `modsim` with no arguments) N times and
# count how many cells kept one verdict in every run.
#
#   bench/stability.sh N [MODSIM]      (MODSIM: default ./build-release/modsim)
#
# Prints one line per run (its summary, or FAILED and the run's last words),
# then
#   stability: R of N runs finished, C cells: S identical in every finished
#   run, F flipped; X runs failed
# and, for each flipped cell, the verdicts it took.  Exit status: 0 when every
# run finished and every cell was identical, 3 when one flipped, 1 when a
# run failed.
set -euo pipefail

n=${1:?usage: bench/stability.sh N [MODSIM]}
modsim=${2:-./build-release/modsim}
case $n in
'' | *[!0-9]*) echo "stability.sh: N must be a number of runs, not '$n'" >&2; exit 2 ;;
esac
[ "$n" -ge 1 ] || { echo "stability.sh: N must be at least 1" >&2; exit 2; }
[ -x "$modsim" ] || { echo "stability.sh: $modsim is not an executable" >&2; exit 1; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

failed=0
runs=()
for i in $(seq 1 "$n"); do
	start=$(date +%s)
	if ! "$modsim" matrix --csv >"$tmp/run$i.csv" 2>"$tmp/err$i"; then
		# A run that could not finish gives no verdicts: say so, go on, fail at the end.
		echo "run $i: FAILED: $(tail -3 "$tmp/err$i" | tr '\n' ' ')"
		failed=$((failed + 1))
		continue
	fi
	# strategy,scenario,...,verdict is column 10 of the CSV (docs/matrix-confidence.md).
	awk -F, 'NR > 1 { print $1 "," $2 "," $10 }' "$tmp/run$i.csv" >"$tmp/v$i"
	runs+=("$i")
	echo "run $i: $(cut -d, -f3 "$tmp/v$i" | sort | uniq -c | awk '{ printf "%s%s %s", s, $1, $2; s = ", " }'), $(( $(date +%s) - start )) s"
done
[ "${#runs[@]}" -gt 0 ] || { echo "stability.sh: no run finished" >&2; exit 1; }
first=${runs[0]}

cells=$(wc -l <"$tmp/v$first")
for i in "${runs[@]}"; do
	if ! cut -d, -f1,2 "$tmp/v$i" | cmp -s - <(cut -d, -f1,2 "$tmp/v$first"); then
		echo "stability.sh: run $i has other cells than run $first" >&2
		exit 1
	fi
done
# One line per cell: strategy,scenario then the verdict of every run.
cut -d, -f1,2 "$tmp/v$first" >"$tmp/all"
for i in "${runs[@]}"; do
	cut -d, -f3 "$tmp/v$i" | paste -d, "$tmp/all" - >"$tmp/all.new"
	mv "$tmp/all.new" "$tmp/all"
done
flipped=$(awk -F, '{ for (i = 4; i <= NF; i++) if ($i != $3) { print; break } }' "$tmp/all")
nflip=$(printf '%s' "$flipped" | grep -c . || true)
echo "stability: ${#runs[@]} of $n runs finished, $cells cells: $((cells - nflip)) identical in every finished run, $nflip flipped; $failed runs failed"
if [ "$nflip" -gt 0 ]; then
	printf '%s\n' "$flipped" | awk -F, '{ printf "  flipped: %s x %s:", $1, $2; for (i = 3; i <= NF; i++) printf " %s", $i; print "" }'
	exit 3
fi
[ "$failed" -eq 0 ] || exit 1
