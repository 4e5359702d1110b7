#!/usr/bin/env bash
# Four shards run with GNU parallel, merged, equal the unsharded run of the same seeds.
# Usage: bash shards.sh PATH-TO-MODSIM BUILD-DIR  (MODSIM_MODULE_PATH set by CTest)
#
# Same seeds, same cells, same trials; the verdicts are certain (nounload
# never unloads; try only unloads an unused module), so the cells must be
# equal byte for byte: the text grid, the JSON cells, the CSV verdict
# columns.  The cost columns are timings and differ from run to run; for
# them the merge must be exact over the same trial lines: the shards merged
# in any order equal the same lines merged from one file.
set -u

modsim=$1
tmp=$(mktemp -d "${TMPDIR:-/tmp}/modsim-shards.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
failures=0

fail() {
	echo "FAIL: $*" >&2
	failures=$((failures + 1))
}

if ! command -v parallel >/dev/null; then
	echo "FAIL: GNU parallel is not installed (tools/install-deps installs it)" >&2
	exit 1
fi

args=(--strategies nounload,try --scenarios unload-race,long-session,put-return --trials 3
      --duration 0.03 --workers 1 --seed 11 --schedules 2)

# The unsharded run, as trial lines and as its table.
"$modsim" matrix "${args[@]}" --jsonl >"$tmp/single.jsonl" 2>"$tmp/single.err" ||
	fail "the unsharded run failed: $(cat "$tmp/single.err")"

# Four shards, two at a time, as a user spreads them.
parallel --will-cite -j2 "'$modsim'" matrix "${args[@]}" --shard {}/4 --jsonl '>' "$tmp/shard{}.jsonl" \
	::: 1 2 3 4 2>"$tmp/parallel.err" || fail "parallel: $(cat "$tmp/parallel.err")"

n=0
for k in 1 2 3 4; do
	lines=$(wc -l <"$tmp/shard$k.jsonl")
	[ "$lines" -ge 7 ] && [ "$lines" -le 8 ] || fail "shard $k has $lines trials, want 7 or 8 of 30"
	n=$((n + lines))
done
[ "$n" -eq 30 ] || fail "the shards hold $n trials, want 30"

# The same trials: cell, trial number and seed, each exactly once.
keys() {
	sed -E 's/.*"strategy":"([^"]*)","scenario":"([^"]*)".*"trial":([0-9]+),"seed":([0-9]+),.*/\1 \2 \3 \4/' "$@" | sort
}
keys "$tmp/single.jsonl" >"$tmp/single.keys"
keys "$tmp"/shard?.jsonl >"$tmp/shards.keys"
[ "$(wc -l <"$tmp/single.keys")" -eq 30 ] || fail "the unsharded run has $(wc -l <"$tmp/single.keys") trials, want 30"
cmp -s "$tmp/single.keys" "$tmp/shards.keys" ||
	fail "the shards ran other trials than the unsharded run: $(diff "$tmp/single.keys" "$tmp/shards.keys")"
[ "$(sort -u "$tmp/shards.keys" | wc -l)" -eq 30 ] || fail "a trial ran in two shards"

for fmt in text json csv; do
	opt=()
	[ "$fmt" != text ] && opt=(--"$fmt")
	"$modsim" merge "${opt[@]}" "$tmp/single.jsonl" >"$tmp/single.$fmt" 2>"$tmp/merge.err" ||
		fail "merge of the unsharded run: $(cat "$tmp/merge.err")"
	"$modsim" merge "${opt[@]}" "$tmp/shard3.jsonl" "$tmp/shard1.jsonl" "$tmp/shard4.jsonl" \
		"$tmp/shard2.jsonl" >"$tmp/merged.$fmt" 2>"$tmp/merge.err" ||
		fail "merge of the shards: $(cat "$tmp/merge.err")"
	[ -s "$tmp/merge.err" ] && fail "merge of 4 complete shards warned: $(cat "$tmp/merge.err")"
	# Exact over the same lines, whatever the order of the files.
	cat "$tmp"/shard?.jsonl >"$tmp/cat.jsonl"
	"$modsim" merge "${opt[@]}" "$tmp/cat.jsonl" >"$tmp/cat.$fmt" 2>/dev/null
	cmp -s "$tmp/cat.$fmt" "$tmp/merged.$fmt" || fail "$fmt: the same lines merged in another order differ"
done

# The table without the timings: header, grid, verdicts, repeat line.
grid() {
	awk '/^strategy +trials/ { skip = 1 } skip && /^$/ { skip = 0; next } !skip' "$1"
}
grid "$tmp/single.text" >"$tmp/single.grid"
grid "$tmp/merged.text" >"$tmp/merged.grid"
grep -q "6 cells: 6 MATCH, 0 MISMATCH" "$tmp/single.grid" || fail "the unsharded table: $(cat "$tmp/single.text")"
cmp -s "$tmp/single.grid" "$tmp/merged.grid" ||
	fail "the merged table differs from the unsharded one: $(diff "$tmp/single.grid" "$tmp/merged.grid")"

sed -n '/"cells": \[/,/^  \],/p' "$tmp/single.json" >"$tmp/single.cells"
sed -n '/"cells": \[/,/^  \],/p' "$tmp/merged.json" >"$tmp/merged.cells"
[ "$(wc -l <"$tmp/single.cells")" -eq 8 ] || fail "the JSON has no 6 cells: $(cat "$tmp/single.json")"
cmp -s "$tmp/single.cells" "$tmp/merged.cells" ||
	fail "the merged JSON cells differ: $(diff "$tmp/single.cells" "$tmp/merged.cells")"
grep -v '"shard"' "$tmp/single.json" | sed -n '1,/^  },/p' >"$tmp/single.config"
grep -v '"shard"' "$tmp/merged.json" | sed -n '1,/^  },/p' >"$tmp/merged.config"
cmp -s "$tmp/single.config" "$tmp/merged.config" || fail "the merged JSON config differs"

cut -d, -f1-10 "$tmp/single.csv" >"$tmp/single.cv"
cut -d, -f1-10 "$tmp/merged.csv" >"$tmp/merged.cv"
cmp -s "$tmp/single.cv" "$tmp/merged.cv" || fail "the merged CSV verdicts differ"

if [ "$failures" -ne 0 ]; then
	echo "$failures failure(s)" >&2
	exit 1
fi
echo "shards: 4 shards merged equal the unsharded run"
