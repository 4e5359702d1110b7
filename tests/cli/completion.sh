#!/usr/bin/env bash
# Bash completion (completion/modsim.bash): commands, options, preset and scenario names, driven through COMP_WORDS.
# Usage: bash completion.sh PATH-TO-MODSIM BUILD-DIR
set -u

modsim=$1
build=$2
src=$(cd "$(dirname "$0")/../.." && pwd)
failures=0

fail() {
	echo "FAIL: $*" >&2
	failures=$((failures + 1))
}

# shellcheck source=../../completion/modsim.bash
. "$src/completion/modsim.bash" || { echo "FAIL: the completion does not source" >&2; exit 1; }

complete -p modsim | grep -q -- "-F _modsim modsim$" || fail "complete -p modsim: $(complete -p modsim)"
complete -p modsim-bench | grep -q -- "-F _modsim_bench modsim-bench$" || fail "complete -p modsim-bench: $(complete -p modsim-bench)"

# complete_line FUNCTION WORDS...: complete the last word; the answer in $got (sorted, one line)
complete_line() {
	local fn=$1
	shift
	COMP_WORDS=("$@")
	COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
	COMP_LINE="$*"
	COMP_POINT=${#COMP_LINE}
	COMPREPLY=()
	"$fn"
	got=$(printf '%s\n' "${COMPREPLY[@]}" | sort | tr '\n' ' ')
	got=${got% }
}

# expect WANT FUNCTION WORDS...
expect() {
	local want=$1
	shift
	complete_line "$@"
	[ "$got" = "$want" ] || fail "completing '${*:2}': got '$got', want '$want'"
}

expect "linux26 linux319" _modsim "$modsim" run --strategy li
expect "linux26 linux319" _modsim "$modsim" run -s li
expect "linux26 linux319" _modsim "$modsim" --strategy li
expect "none,linux26 none,linux319" _modsim "$modsim" matrix --strategies none,li
expect "unload-race" _modsim "$modsim" run --strategy none --scenario unl
expect "half-init,timer" _modsim "$modsim" matrix --scenarios half-init,ti
expect "matrix merge" _modsim "$modsim" m
expect "shell shrink strategies" _modsim "$modsim" s
expect "matrix" _modsim "$modsim" --strategy try ma
expect "--scenario --sched --seed --steps --strategy" _modsim "$modsim" run --s
expect "--replays" _modsim "$modsim" matrix --rep
expect "--strategy" _modsim "$modsim" strategies --strat
expect "A,B A,L A,P A,S A,T" _modsim "$modsim" hazards --hazards A,
expect "pct random replay" _modsim "$modsim" run --sched ""
expect "rcu rundown" _modsim_bench "$build/modsim-bench" --strategies r
expect "--version" _modsim_bench "$build/modsim-bench" --vers

# Every preset the binary knows is offered after --strategy.
complete_line _modsim "$modsim" run --strategy ""
want=$("$modsim" strategies --names | sort | tr '\n' ' ')
[ "$got" = "${want% }" ] || fail "--strategy '': got '$got', want every preset: '$want'"

if [ "$failures" -ne 0 ]; then
	echo "$failures check(s) failed" >&2
	exit 1
fi
echo "completion: all checks passed"
