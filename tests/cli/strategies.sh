#!/usr/bin/env bash
# `modsim strategies`: one row per preset the library has, the same presets in every table, axes, composition.
# Usage: bash strategies.sh PATH-TO-MODSIM BUILD-DIR  (MODSIM_MODULE_PATH set by CTest)
#
# How many presets: the library's own answer (`modsim strategies --names`),
# checked against the sixteen built in, in their listing order; every
# table must then have exactly that many rows.
set -u

modsim=$1
tmp=$(mktemp -d "${TMPDIR:-/tmp}/modsim-strategies.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
failures=0

fail() {
	echo "FAIL: $*" >&2
	failures=$((failures + 1))
}

expect_in() {
	grep -qF -- "$2" "$1" || fail "$(basename "$1") lacks '$2'"
}

# run NAME STATUS ARGS...: run modsim, stdout to $tmp/NAME.out, stderr to $tmp/NAME.err
run() {
	local name=$1 want=$2 status
	shift 2
	"$modsim" "$@" >"$tmp/$name.out" 2>"$tmp/$name.err"
	status=$?
	[ "$status" -eq "$want" ] || fail "modsim $*: exit $status, want $want: $(cat "$tmp/$name.err")"
}

# rows FILE FIRST-LINE-PATTERN: lines after the first line matching the
# pattern, up to the next blank line (a table's body)
rows() {
	awk -v pat="$2" 'found && /^$/ { exit } found { print } $0 ~ pat && !found { found = 1 }' "$1"
}

all16="none inc try try-drain self self-restart self-noquiesce nounload twoinit stopworld linux26 linux319 rcu percpu-ref rundown quiesce"

run names 0 strategies --names
[ -s "$tmp/names.err" ] && fail "--names wrote to stderr: $(cat "$tmp/names.err")"
mapfile -t names <"$tmp/names.out"
n=${#names[@]}
[ "$n" -ge 2 ] || fail "--names listed $n presets, want at least none and try"
# In the listing order of issue 3: each name is one of the sixteen, after the one before it.
rest=" $all16 "
for name in "${names[@]}"; do
	case "$rest" in
	*" $name "*) rest=${rest#*" $name "}; rest=" $rest" ;;
	*) fail "preset '$name' is not one of the sixteen, or out of order" ;;
	esac
done
grep -qx none "$tmp/names.out" || fail "--names lacks none"
grep -qx try "$tmp/names.out" || fail "--names lacks try"
[ "$n" -eq 16 ] || echo "note: $n of the 16 presets are built" >&2

run text 0 strategies
[ -s "$tmp/text.err" ] && fail "strategies wrote to stderr: $(cat "$tmp/text.err")"
expect_in "$tmp/text.out" "Presets built in: $n"
rows "$tmp/text.out" '^  preset +post' >"$tmp/summary"
rows "$tmp/text.out" '^  preset +init' >"$tmp/axes"
[ "$(wc -l <"$tmp/summary")" -eq "$n" ] || fail "summary table has $(wc -l <"$tmp/summary") rows, want $n"
[ "$(wc -l <"$tmp/axes")" -eq "$n" ] || fail "axes table has $(wc -l <"$tmp/axes") rows, want $n"
for name in "${names[@]}"; do
	grep -Eq "^  $name +[^ ].* [US] [US] [US] [US] [US] [US]\$" "$tmp/summary" ||
		fail "summary has no row with six verdicts for $name"
	grep -Eq "^  $name " "$tmp/axes" || fail "axes table has no row for $name"
	grep -q "^  $name (post: " "$tmp/text.out" || fail "no caller/unload/author block for $name"
done
grep -q '?' "$tmp/axes" && fail "a built-in preset has an axis the table does not know: $(grep '?' "$tmp/axes")"
for word in "caller:" "unload:" "author:" "stop-the-world" "two-stage" "free at once" "Hazards"; do
	expect_in "$tmp/text.out" "$word"
done
expect_in "$tmp/summary" "none                 status quo     U U U U U S"

run md 0 strategies --markdown
rows "$tmp/md.out" '^\| preset \| post \|' | tail -n +2 >"$tmp/md_presets"
rows "$tmp/md.out" '^\| preset \| init \|' | tail -n +2 >"$tmp/md_axes"
[ "$(wc -l <"$tmp/md_presets")" -eq "$n" ] || fail "markdown presets table has $(wc -l <"$tmp/md_presets") rows, want $n"
[ "$(wc -l <"$tmp/md_axes")" -eq "$n" ] || fail "markdown axes table has $(wc -l <"$tmp/md_axes") rows, want $n"
expect_in "$tmp/md.out" "## Presets"
expect_in "$tmp/md.out" "## Axes"

# One preset, composed on the init axis: its reasons, and init moved to two-stage.
run one 0 --strategy try+twoinit strategies
expect_in "$tmp/one.out" "Presets: 1"
expect_in "$tmp/one.out" "B safe: reserve fails before anything is visible"
grep -Eq '^  try\+twoinit +two-stage +try count +refuse if busy +every call$' "$tmp/one.out" ||
	fail "try+twoinit is not two-stage / try count / refuse if busy / every call on the axes"
run sw 0 --strategy none+stopworld-init strategies --names
[ "$(cat "$tmp/sw.out")" = "none+stopworld-init" ] || fail "--names of none+stopworld-init: $(cat "$tmp/sw.out")"

# --strategy after the command, as the manual writes it: the same listing.
run after 0 strategies --strategy try+twoinit
cmp -s "$tmp/one.out" "$tmp/after.out" || fail "strategies --strategy try+twoinit differs from --strategy try+twoinit strategies"
run after2 0 strategies --strategy=linux26 --names
[ "$(cat "$tmp/after2.out")" = "linux26" ] || fail "strategies --strategy=linux26 --names: $(cat "$tmp/after2.out")"
run after3 0 strategies -s rcu --names
[ "$(cat "$tmp/after3.out")" = "rcu" ] || fail "strategies -s rcu --names: $(cat "$tmp/after3.out")"
run aftermiss 2 strategies --strategy
expect_in "$tmp/aftermiss.err" "needs an argument"

# Errors: an unknown preset, an unknown composition (usage errors, 2, as in
# every command), a bad argument.
run bad 2 --strategy nosuch strategies
expect_in "$tmp/bad.err" "nosuch"
run bad2 2 strategies --strategy nosuch
expect_in "$tmp/bad2.err" "nosuch"
run badc 2 --strategy try+sideways strategies
expect_in "$tmp/badc.err" "sideways"
run usage 2 strategies --bogus
expect_in "$tmp/usage.err" "--bogus"

if [ "$failures" -ne 0 ]; then
	echo "--- modsim strategies:" >&2
	cat "$tmp/text.out" >&2
	echo "$failures check(s) failed" >&2
	exit 1
fi
echo "strategies: all checks passed ($n presets)"
