# bash completion for modsim and modsim-bench: commands, options, preset and scenario names.
# Installed as share/bash-completion/completions/modsim (and loaded for modsim-bench too).

# The preset names, from the binary being completed (modsim strategies --names).
_modsim_presets()
{
	local bin=$1
	"$bin" strategies --names 2>/dev/null
}

# The built-in scenario names: the second column of a matrix plan.
_modsim_scenarios()
{
	local bin=$1
	"$bin" matrix --plan --strategies none 2>/dev/null | while IFS=$' \t' read -r _ scenario _; do
		printf '%s\n' "$scenario"
	done
}

# _modsim_list CUR WORDS...: complete the last item of a comma-separated list.
_modsim_list()
{
	local cur=$1 head="" item
	shift
	if [[ $cur == *,* ]]; then
		head=${cur%,*},
		item=${cur##*,}
	else
		item=$cur
	fi
	# Offer only what the list does not hold yet.
	local words=() w
	for w in "$@"; do
		[[ ,$head == *,"$w",* ]] || words+=("$w")
	done
	local IFS=$'\n'
	COMPREPLY=($(compgen -P "$head" -W "${words[*]}" -- "$item"))
	compopt -o nospace 2>/dev/null
}

_modsim()
{
	local cur prev bin cmd="" i
	cur=${COMP_WORDS[COMP_CWORD]}
	prev=${COMP_WORDS[COMP_CWORD - 1]}
	bin=${COMP_WORDS[0]}
	COMPREPLY=()

	# The command: the first word after the global options and their values.
	for ((i = 1; i < COMP_CWORD; i++)); do
		case ${COMP_WORDS[i]} in
		-s | --strategy | --seed) ((i++)) ;;
		-*) ;;
		*)
			cmd=${COMP_WORDS[i]}
			break
			;;
		esac
	done

	case $prev in
	-s | --strategy)
		local IFS=$'\n'
		COMPREPLY=($(compgen -W "$(_modsim_presets "$bin")" -- "$cur"))
		if [[ $cur == */* || $cur == .* ]]; then
			COMPREPLY+=($(compgen -f -- "$cur"))
		fi
		return
		;;
	--strategies)
		_modsim_list "$cur" $(_modsim_presets "$bin")
		return
		;;
	-c | --scenario)
		local IFS=$'\n'
		COMPREPLY=($(compgen -W "$(_modsim_scenarios "$bin")" -- "$cur") $(compgen -f -X '!*.ini' -- "$cur"))
		return
		;;
	--scenarios)
		_modsim_list "$cur" $(_modsim_scenarios "$bin")
		return
		;;
	--hazards)
		_modsim_list "$cur" A B P T L S
		return
		;;
	--sched)
		if [[ $cmd == run ]]; then
			COMPREPLY=($(compgen -W "pct random replay" -- "$cur"))
		else
			COMPREPLY=($(compgen -W "pct random" -- "$cur"))
		fi
		return
		;;
	--plot | --trace | --timeline | --replays)
		COMPREPLY=($(compgen -f -- "$cur"))
		return
		;;
	--seed | --workers | -w | --duration | -d | --cycles | -n | --trials | --depth | --steps | \
		--pct-k | --max-runs | --shard | --amplify | -a | --replay)
		return
		;;
	esac

	local opts
	case $cmd in
	"")
		opts="run matrix merge shrink hazards strategies shell demo --strategy --seed --help --version"
		;;
	run)
		opts="--strategy --scenario --workers --duration --cycles --seed --amplify --no-amplify
			--json --jsonl --csv --fail-on-violation --no-hunt --sched --depth --pct-k --steps
			--replay --verify-replay --trace --timeline --help"
		;;
	matrix)
		opts="--strategies --scenarios --trials --duration --seed --workers --json --csv --jsonl
			--check --check-strict --plot --shard --plan --no-hunt --replays --sched --depth
			--steps --help"
		;;
	merge)
		opts="--json --csv --jsonl --check --check-strict --plot --no-hunt --replays --help"
		[[ $cur != -* ]] && COMPREPLY=($(compgen -f -- "$cur"))
		;;
	shrink) opts="--max-runs --json --trace --timeline --help" ;;
	hazards) opts="--strategies --hazards --markdown --json --help" ;;
	strategies) opts="--strategy --markdown --names --help" ;;
	shell)
		opts="--help"
		[[ $cur != -* ]] && COMPREPLY=($(compgen -f -- "$cur"))
		;;
	demo) opts="--help" ;;
	*) return ;;
	esac
	if [[ $cur == -* || -z $cmd ]]; then
		COMPREPLY+=($(compgen -W "$opts" -- "$cur"))
	fi
}

_modsim_bench()
{
	local cur prev bin
	cur=${COMP_WORDS[COMP_CWORD]}
	prev=${COMP_WORDS[COMP_CWORD - 1]}
	bin=$(dirname -- "${COMP_WORDS[0]}")/modsim
	[[ -x $bin ]] || bin=modsim
	COMPREPLY=()
	case $prev in
	--strategies)
		_modsim_list "$cur" all $(_modsim_presets "$bin")
		return
		;;
	--clock)
		COMPREPLY=($(compgen -W "cpu wall" -- "$cur"))
		return
		;;
	--plot | --module)
		COMPREPLY=($(compgen -f -- "$cur"))
		return
		;;
	--threads | --loops | --runs | --unloads | --cycles | --rss-cycles | --init-timeout) return ;;
	esac
	COMPREPLY=($(compgen -W "--strategies --threads --loops --runs --pin --clock --json --csv
		--plot --unloads --cycles --rss-cycles --init-timeout --module --quiet --help --version" -- "$cur"))
}

complete -F _modsim modsim
complete -F _modsim_bench modsim-bench
