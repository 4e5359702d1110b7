#!/usr/bin/env bash
# Hostile input: files that shadow built-ins, endless or binary input, tokens that name code, names that carry escapes or commands.
# Usage: bash hostile.sh PATH-TO-MODSIM BUILD-DIR  (MODSIM_MODULE_PATH set by CTest)
#
# Every refusal is one line on stderr and a non-zero status; nothing a file
# or a token holds runs as code (no file PWNED appears), and nothing hangs
# (each command runs under `timeout`).
# LABELS: faults, freerun
set -u

here=$(cd "$(dirname "$0")" && pwd)
modsim=$(readlink -f "$1")
build=$(readlink -f "$2")
tmp=$(mktemp -d "${TMPDIR:-/tmp}/modsim-hostile.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
failures=0
cd "$tmp" || exit 1

fail() {
	echo "FAIL: $*" >&2
	failures=$((failures + 1))
}

# check NAME WANT-STATUS NEEDLE: the last command's status and its one line on stderr
check() {
	local lines
	lines=$(wc -l <err)
	[ "$status" -eq "$2" ] || fail "$1: exit $status, want $2 (stderr: $(cat err))"
	[ "$lines" -eq 1 ] || fail "$1: $lines lines on stderr, want 1: $(cat err)"
	grep -qF -- "$3" err || fail "$1: stderr does not say '$3': $(cat err)"
}

# No command named in hostile input ran.
no_pwned() {
	if [ -e PWNED ] || [ -e "$tmp/PWNED" ]; then
		fail "$1: a command from the input ran (PWNED exists)"
		rm -f PWNED "$tmp/PWNED"
	fi
}

quick=(--workers 1 --cycles 2 --no-amplify --seed 1)

# --- a file in the current directory does not shadow a built-in.
printf '[module]\nname = %s\n' "$build/tests/strategies/ctormark.so" >unload-race
MODSIM_CTOR_MARK=$tmp/PWNED timeout 60 "$modsim" run --strategy inc --scenario unload-race "${quick[@]}" >out 2>err
status=$?
[ "$status" -eq 0 ] || fail "built-in unload-race with a file of that name here: exit $status: $(cat err)"
grep -q "scenario unload-race (hazard A+L)" out || fail "the built-in did not run: $(head -3 out)"
no_pwned "a file named unload-race"
cp unload-race mine
timeout 20 "$modsim" run --strategy inc --scenario mine "${quick[@]}" >out 2>err
status=$?
check "a scenario file named without a path" 2 "give ./mine"
rm -f unload-race mine

# --- endless input is bounded; non-regular files are refused.
timeout 20 "$modsim" run --strategy inc --scenario /dev/zero "${quick[@]}" >out 2>err
status=$?
check "run --scenario /dev/zero" 2 "/dev/zero: not a regular file"
timeout 20 "$modsim" merge /dev/zero >out 2>err
status=$?
check "merge /dev/zero" 1 "/dev/zero: not a regular file"
timeout 20 "$modsim" merge - </dev/zero >out 2>err
status=$?
check "merge - </dev/zero" 1 "a line longer than 8192 bytes"
head -c 20000 /dev/zero | tr '\0' 'x' >long.jsonl
timeout 20 "$modsim" merge long.jsonl >out 2>err
status=$?
check "merge: a 20000-byte line" 1 "long.jsonl:1: a line longer than 8192 bytes"
mkdir adir
# A FIFO nobody writes to: refused at once, not waited on.
mkfifo fifo.ini
timeout 20 "$modsim" run --strategy inc --scenario ./fifo.ini "${quick[@]}" >out 2>err
status=$?
check "run --scenario FIFO" 2 "fifo.ini: not a regular file"
timeout 20 "$modsim" merge fifo.ini >out 2>err
status=$?
check "merge FIFO" 1 "fifo.ini: not a regular file"
timeout 20 "$modsim" merge adir >out 2>err
status=$?
check "merge a directory" 1 "adir: not a regular file"

# --- a directory, a read error or a NUL byte is an error, not the end of input.
timeout 20 "$modsim" shell adir >out 2>err
status=$?
check "shell DIR" 1 "adir: a directory"
printf 'lsmod\nstats\n' >script
timeout 20 "$modsim" shell - <adir >out 2>err
status=$?
check "shell reading a directory on stdin" 1 "line 1: cannot read the input"
printf 'insmod hello\0 extra\nlsmod\n' >nul.txt
timeout 20 "$modsim" shell nul.txt >out 2>err
status=$?
check "a NUL byte in a shell line" 1 "line 1: a NUL byte in the line"
grep -q '^hello ' out && fail "the shell ran lines after the NUL byte: $(cat out)"
printf 'ls\033[2Jmod\n' >esc.txt
timeout 20 "$modsim" shell esc.txt >out 2>err
status=$?
check "a shell line with an escape sequence" 2 "line 1: unknown command 'ls\\x1b[2Jmod'"
grep -q "$(printf '\033')" err && fail "the shell printed an escape sequence: $(cat -v err)"
{ printf 'lsmod #'; head -c 5000 /dev/zero | tr '\0' 'x'; printf '\n'; } >longline.txt
timeout 20 "$modsim" shell longline.txt >out 2>err
status=$?
check "a 5000-byte shell line" 1 "line 1: a line longer than 4095 bytes"

# --- a replay token that names a strategy .so does not make modsim load it.
so=$build/tests/strategies/ctormark.so
[ -f "$so" ] || fail "$so was not built"
timeout 60 "$modsim" run --strategy "$so" --scenario unload-race --sched pct --seed 1 --workers 1 --steps 300 >out 2>err
status=$?
[ "$status" -eq 0 ] || fail "a controlled run under ctormark.so: exit $status: $(cat err)"
tok=$(sed -n 's/^replay: modsim run --replay \(ms1\.[A-Za-z0-9_-]*\) --strategy .*/\1/p' out)
[ -n "$tok" ] || fail "no replay line naming --strategy: $(grep '^replay' out)"
grep -qF -- "--strategy $so" out || fail "the replay line does not name the .so again: $(grep '^replay' out)"
MODSIM_CTOR_MARK=$tmp/PWNED timeout 60 "$modsim" run --replay "$tok" >out 2>err
status=$?
check "run --replay TOKEN naming a .so" 2 "a token alone does not load code: give --strategy $so"
no_pwned "run --replay TOKEN naming a .so"
MODSIM_CTOR_MARK=$tmp/PWNED timeout 60 "$modsim" shrink "$tok" >out 2>err
status=$?
check "shrink TOKEN naming a .so" 2 "give --strategy $so"
no_pwned "shrink TOKEN naming a .so"
MODSIM_CTOR_MARK=$tmp/PWNED timeout 60 "$modsim" run --replay "$tok" --strategy inc >out 2>err
status=$?
check "run --replay TOKEN --strategy OTHER" 2 "the token's strategy is $so"
no_pwned "run --replay TOKEN --strategy OTHER"
# Named again, it runs (and the test's .so shows that it was loaded).
MODSIM_CTOR_MARK=$tmp/loaded timeout 60 "$modsim" run --replay "$tok" --strategy "$so" >out 2>err
status=$?
[ "$status" -eq 0 ] || fail "run --replay TOKEN --strategy SO: exit $status: $(cat err)"
[ -e loaded ] || fail "run --replay TOKEN --strategy SO did not load the strategy"
# A token naming a scenario file (whose modules would be loaded) needs --scenario too.
printf '[module]\nname = hello\n[workers]\nhook = 1\n' >one.ini
timeout 60 "$modsim" run --strategy inc --scenario ./one.ini --sched pct --seed 1 --workers 1 --steps 200 >out 2>err
status=$?
[ "$status" -eq 0 ] || fail "a controlled run of ./one.ini: exit $status: $(cat err)"
tok=$(sed -n 's/^replay: modsim run --replay \(ms1\.[A-Za-z0-9_-]*\) --scenario \.\/one\.ini$/\1/p' out)
[ -n "$tok" ] || fail "no replay line naming --scenario ./one.ini: $(grep '^replay' out)"
timeout 60 "$modsim" run --replay "$tok" >out 2>err
status=$?
check "run --replay TOKEN naming a scenario file" 2 "give --scenario ./one.ini"
timeout 60 "$modsim" run --replay "$tok" --scenario ./one.ini >out 2>err
status=$?
[ "$status" -eq 0 ] || fail "run --replay TOKEN --scenario ./one.ini: exit $status: $(cat err)"

# merge searches replays by running trials: never of a strategy .so or scenario file its input names.
timeout 120 "$modsim" matrix --strategies none --scenarios unload-race --trials 1 --schedules 0 --duration 0.05 \
	--workers 1 --jsonl >m0.jsonl 2>err || fail "matrix --jsonl: $(cat err)"
sed "s|\"strategy\":\"none\"|\"strategy\":\"$so\"|" m0.jsonl >so.jsonl
MODSIM_CTOR_MARK=$tmp/PWNED timeout 60 "$modsim" merge so.jsonl >out 2>err
status=$?
[ "$status" -eq 0 ] || fail "merge of trial lines naming a .so: exit $status: $(cat err)"
no_pwned "merge of trial lines naming a .so"
if grep -q "found a violation" out; then
	grep -q "not searched: merge loads no strategy .so" out ||
		fail "merge of trial lines naming a .so: no word on the replay not searched: $(grep -A2 '^replay' out)"
fi

# --- names from files reach the terminal escaped; copy-paste lines are shell-quoted.
esc=$(printf '\033')
scn=$(printf 'my \033[31mred\033[0m scn.ini')
printf '[scenario]\nhazard = A\033]0;title\007\n[module]\nname = hello\n[workers]\nhook = 1\n' >"$scn"
timeout 60 "$modsim" run --strategy inc --scenario "./$scn" --workers 1 --cycles 2 --seed 1 --no-amplify >out 2>err
status=$?
[ "$status" -eq 0 ] || fail "a scenario file with an escape in its name: exit $status: $(cat err)"
grep -q "$esc" out && fail "an escape sequence reached the output: $(cat -v out | head -3)"
grep -qF 'scenario ./my \x1b[31mred\x1b[0m scn.ini (hazard A\x1b]0;title\x07)' out ||
	fail "the names are not shown escaped: $(head -1 out)"
line=$(sed -n 's/^repeat: //p' out)
case "$line" in
*"--scenario \$'./my \\x1b[31mred\\x1b[0m scn.ini'"*) ;;
*) fail "the repeat line does not quote the scenario: $line" ;;
esac
# The repeat line, pasted into bash, runs the same trial.
bash -c "modsim() { \"$modsim\" \"\$@\"; }; $line" >out2 2>err
status=$?
[ "$status" -eq 0 ] || fail "the pasted repeat line: exit $status: $(cat err)"
grep -qF 'scenario ./my \x1b[31mred\x1b[0m scn.ini' out2 || fail "the pasted repeat line ran something else: $(head -1 out2)"
no_pwned "the pasted repeat line"

# --- Plots: no string from input becomes a gnuplot command.
if command -v gnuplot >/dev/null 2>&1; then
	pngstat() { python3 "$here/pngstat.py" "$1"; }
	# Every line of a kept script outside its datablocks is modsim's own: no name, no PWNED.
	script_clean() {
		awk '/<< EOD$/ { d = 1; next } /^EOD$/ { d = 0; next } !d' "$1" | grep -q PWNED &&
			fail "$2: a name from the input is in the gnuplot script's commands"
		true
	}
	# A matrix's trial lines, made hostile: names that would run commands if they were script text.
	timeout 120 "$modsim" matrix --strategies none,inc --scenarios unload-race --trials 1 --duration 0.05 \
		--workers 1 --jsonl >m.jsonl 2>err || fail "matrix --jsonl: $(cat err)"
	sed -e 's/"strategy":"none"/"strategy":"none\\n!touch PWNED\\n`touch PWNED`\\" \\u001b[31m"/' \
	    -e 's/"scenario":"unload-race"/"scenario":"s\\nEOD\\n!touch PWNED"/' \
	    -e 's/"hazard":"A+L"/"hazard":"A\\n!touch PWNED"/' m.jsonl >h.jsonl
	MODSIM_PLOT_SCRIPT=$tmp/h.gp timeout 60 "$modsim" merge --no-hunt --plot h.png h.jsonl >out 2>err
	status=$?
	[ "$status" -eq 0 ] || fail "merge --plot of hostile names: exit $status: $(cat err)"
	no_pwned "merge --plot of hostile names"
	script_clean h.gp "merge --plot"
	grep -q "$esc" out && fail "merge printed an escape sequence: $(cat -v out | head -8)"
	set -- $(pngstat h.png)
	[ "${3:-0}" -gt 50 ] || fail "merge --plot: a picture of ${3:-0} colours"
	# The same through --csv (no replay search): still no command.
	timeout 60 "$modsim" merge --csv --plot h2.png h.jsonl >out 2>err
	status=$?
	[ "$status" -eq 0 ] || fail "merge --csv --plot of hostile names: exit $status: $(cat err)"
	no_pwned "merge --csv --plot"
	# A file name with a newline is refused before anything runs.
	timeout 60 "$modsim" matrix --plot "$(printf 'x\n!touch PWNED\n.png')" --strategies inc \
		--scenarios unload-race --trials 1 --duration 0.05 >out 2>err
	status=$?
	check "matrix --plot NAME-WITH-NEWLINE" 2 "--plot: a control character in the file name"
	no_pwned "matrix --plot NAME-WITH-NEWLINE"
	timeout 60 "$modsim" merge --no-hunt --plot "$(printf 'x\n!touch PWNED\n.png')" m.jsonl >out 2>err
	status=$?
	check "merge --plot NAME-WITH-NEWLINE" 2 "--plot: a control character in the file name"
	no_pwned "merge --plot NAME-WITH-NEWLINE"
	# Quotes and backquotes in the name are a name: the picture is written there.
	timeout 60 "$modsim" merge --no-hunt --plot "it's \`touch PWNED\`.png" m.jsonl >out 2>err
	status=$?
	[ "$status" -eq 0 ] || fail "merge --plot with quotes in the name: exit $status: $(cat err)"
	[ -s "it's \`touch PWNED\`.png" ] || fail "merge --plot with quotes: no picture under that name"
	no_pwned "merge --plot with quotes in the name"
	# A scenario whose name holds a newline, in a matrix of one row and one column: a picture, no command.
	scn=$(printf './sc\n!touch PWNED\n.ini')
	printf '[module]\nname = hello\n[workers]\nhook = 1\n' >"$scn"
	MODSIM_PLOT_SCRIPT=$tmp/one.gp timeout 120 "$modsim" matrix --strategies inc --scenarios "$scn" --trials 1 \
		--duration 0.05 --workers 1 --no-hunt --plot one.png >out 2>err
	status=$?
	[ "$status" -eq 0 ] || fail "matrix --plot with a scenario named with a newline: exit $status: $(cat err)"
	no_pwned "matrix --plot with a scenario named with a newline"
	script_clean one.gp "matrix --plot"
	set -- $(pngstat one.png)
	# A blank heat map (the old "with image" of one cell) leaves the top of the picture near white.
	awk -v f="${4:-0}" 'BEGIN { exit !(f > 0.3) }' || fail "matrix --plot of one cell: the heat map is blank (filled ${4:-0})"
	# gnuplot failing: one line that names what failed, exit 1.
	timeout 60 "$modsim" merge --no-hunt --plot /nonexistent/dir/x.png m.jsonl >out 2>err
	status=$?
	check "merge --plot into a missing directory" 1 "plot /nonexistent/dir/x.png: gnuplot failed (exit status 1): cannot open file"
	# modsim-bench --plot: the same rules, and a colour and point type of its own for each series.
	bench=$build/modsim-bench
	if [ -x "$bench" ]; then
		tiny=(--threads 1 --loops 1000 --runs 1 --unloads 0 --cycles 0 --quiet)
		timeout 60 "$bench" "${tiny[@]}" --strategies inc --plot "$(printf 'x\n!touch PWNED\n.png')" >out 2>err
		status=$?
		check "modsim-bench --plot NAME-WITH-NEWLINE" 2 "--plot: a control character in the file name"
		no_pwned "modsim-bench --plot NAME-WITH-NEWLINE"
		timeout 60 "$bench" "${tiny[@]}" --strategies inc --plot /nonexistent/dir/b.png >out 2>err
		status=$?
		check "modsim-bench --plot into a missing directory" 1 "gnuplot failed (exit status 1): cannot open file"
		MODSIM_PLOT_SCRIPT=$tmp/b.gp timeout 120 "$bench" "${tiny[@]}" --plot "b'\`touch PWNED\`.png" >out 2>err
		status=$?
		[ "$status" -eq 0 ] || fail "modsim-bench --plot: exit $status: $(cat err)"
		no_pwned "modsim-bench --plot with quotes in the name"
		[ -s "b'\`touch PWNED\`.png" ] || fail "modsim-bench --plot: no picture"
		n=$(grep -c 'index [0-9]* using' b.gp)
		[ "$n" -ge 10 ] || fail "modsim-bench --plot: $n series drawn"
		[ "$(grep -o 'lc rgb "#[0-9a-f]*"' b.gp | sort -u | wc -l)" -eq "$n" ] ||
			fail "modsim-bench --plot: the $n series do not each have their own colour: $(grep -o 'lc rgb "#[0-9a-f]*"' b.gp | sort | uniq -d)"
		[ "$(grep -oE 'pt ([0-9]+|"[A-Z]")' b.gp | sort -u | wc -l)" -eq "$n" ] ||
			fail "modsim-bench --plot: the $n series do not each have their own point type"
	fi
else
	echo "note: gnuplot not installed; the plots are not checked" >&2
fi

if [ "$failures" -ne 0 ]; then
	echo "$failures failure(s)" >&2
	exit 1
fi
echo "hostile: all checks passed"
