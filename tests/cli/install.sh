#!/usr/bin/env bash
# An installed modsim works like the built one: install into a temporary prefix, run its jobs from there, build examples/cmocka against it.
# Usage: bash install.sh PATH-TO-MODSIM BUILD-DIR  (runs with MODSIM_MODULE_PATH unset)
#
# From the prefix, with no MODSIM_MODULE_PATH and away from the build tree:
# the main job (the quick matrix, one preset's row: the full matrix is
# `modsim` with no argument and takes about a minute), `modsim run` on every
# built-in scenario that `modsim run --help` lists and on every installed
# scenario file, `modsim hazards` with every cell forced, the example
# strategy mine.so, modsim-bench with its installed benchfn.so, a host
# compiled with `pkg-config modsim` that finds the installed modules from
# libmodsim.so's own place, hosts of modsim::modsim and modsim::static, and
# examples/cmocka built with find_package(modsim) and run.  Sanitizer
# builds: the hosts and the example are built with the flags the build used
# (CMakeCache.txt), so they link its libmodsim.so.
# Under TSan the free-running jobs run linux26 (safe against every hazard)
# instead of none, and the bench runs no unload race: a preset racing unsafely
# free running is not evidence under TSan ("freerun" in tests/CMakeLists.txt).
# LABELS: faults
set -u
unset MODSIM_MODULE_PATH

build=${2:?usage: install.sh PATH-TO-MODSIM BUILD-DIR}
build=$(cd "$build" && pwd)
src=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cmake=${CMAKE:-cmake}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/modsim-install.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
prefix=$tmp/prefix
failures=0

fail() {
	echo "FAIL: $*" >&2
	failures=$((failures + 1))
}

# check WHAT CMD...: run CMD (output in $tmp/out, $tmp/err); fail unless it exits 0.
check() {
	local what=$1 status
	shift
	"$@" >"$tmp/out" 2>"$tmp/err"
	status=$?
	[ "$status" -eq 0 ] && return 0
	fail "$what: exit $status: $(tail -n 5 "$tmp/err")"
	return 1
}

# A module that was not found is the failure this script exists for.
no_missing_module() {
	if grep -h "no module named" "$tmp/out" "$tmp/err" >"$tmp/miss"; then
		fail "$1: $(head -n 1 "$tmp/miss")"
	fi
}

# The value of NAME in the build's CMakeCache.txt.
cache() {
	sed -n "s/^$1:[A-Z]*=//p" "$build/CMakeCache.txt"
}

cd "$tmp" || exit 1 # nothing found through the working directory

# The preset of the free-running jobs, and the bench's unload races.
preset=none
bench_unloads=2
case " $(cache CMAKE_C_FLAGS) " in
*-fsanitize=thread*)
	preset=linux26
	bench_unloads=0
	;;
esac

# Install.
if ! "$cmake" --install "$build" --prefix "$prefix" >"$tmp/install.log" 2>&1; then
	cat "$tmp/install.log" >&2
	echo "FAIL: cmake --install $build --prefix $prefix" >&2
	exit 1
fi
libdir=$(cache CMAKE_INSTALL_LIBDIR)
libdir=${libdir:-lib}
modsim=$prefix/bin/modsim
# The bench is built unless configured off (MODSIM_BENCH=OFF).
bench=
[ -x "$build/modsim-bench" ] && bench="bin/modsim-bench $libdir/modsim/bench/benchfn.so"
# shellcheck disable=SC2086 # $bench is two words or none
for f in bin/modsim "$libdir/libmodsim.so" "$libdir/libmodsim.a" \
	"$libdir/pkgconfig/modsim.pc" "$libdir/cmake/modsim/modsimConfig.cmake" \
	"$libdir/cmake/modsim/modsimTargets.cmake" "$libdir/modsim/strategies/mine.so" \
	$bench include/modsim/kernel.h include/modsim/lab/run.h; do
	[ -e "$prefix/$f" ] || fail "the install has no $f"
done
for m in "$src"/modules/*.c; do
	m=$(basename "$m" .c)
	[ -f "$prefix/$libdir/modsim/modules/$m.so" ] || fail "the install has no module $m.so"
done
[ -x "$modsim" ] || { echo "FAIL: no $modsim" >&2; exit 1; }
mods=$(cd "$prefix/$libdir/modsim/modules" && pwd -P)

# A bare name is looked for in the installed modules folder, and only there.
printf 'insmod hello\nlsmod\nrmmod hello\ninsmod nosuchmodule\n' >"$tmp/script"
"$modsim" shell "$tmp/script" >"$tmp/out" 2>"$tmp/err"
grep -Eq '^hello +[0-9]+ +[-0-9]+ +live ' "$tmp/out" || fail "installed shell: hello not loaded: $(cat "$tmp/err")"
grep -qF "no module named nosuchmodule (searched: $mods)" "$tmp/out" "$tmp/err" ||
	fail "installed shell: a miss does not list exactly $mods: $(cat "$tmp/out" "$tmp/err")"

# The main job: the quick matrix (one preset's row, every scenario).  Every
# cell ran and none contradicts its prediction; a short trial that saw no
# violation where one is predicted (UNSEEN) is detection power, not install.
check "modsim --strategy $preset (the quick matrix's row)" "$modsim" --strategy "$preset" &&
	{ grep -Eq '^8 cells: [0-9]+ MATCH, 0 MISMATCH' "$tmp/out" ||
		fail "quick matrix row: no '8 cells: N MATCH, 0 MISMATCH' line: $(grep cells "$tmp/out")"; }
no_missing_module "quick matrix row"

# Every built-in scenario `modsim run --help` lists, then the installed files.
"$modsim" run --help >"$tmp/help" 2>&1
scenarios=$(tr '\n' ' ' <"$tmp/help" | sed -n 's/.*built-in scenario (\([^)]*\)).*/\1/p' |
	tr -d ' ' | tr ',' ' ')
[ "$(wc -w <<<"$scenarios")" -ge 8 ] || fail "modsim run --help lists too few scenarios: '$scenarios'"
for s in $scenarios "$prefix"/share/modsim/scenarios/*.ini; do
	check "modsim run --strategy $preset --scenario $(basename "$s")" \
		"$modsim" run --strategy "$preset" --scenario "$s" --duration 0.2 --no-hunt
	no_missing_module "scenario $(basename "$s")"
done

# Every hazard forced under every preset.
check "modsim hazards" "$modsim" hazards
grep -q 'could not force' "$tmp/out" && fail "modsim hazards: $(grep -m1 'could not force' "$tmp/out")"
grep -Eq ' 0 could not be forced$' "$tmp/out" ||
	fail "modsim hazards: no '0 could not be forced' summary: $(tail -n 1 "$tmp/out")"

# The example strategy, from its installed place.
printf 'insmod hello\nstats\nrmmod hello\n' >"$tmp/script"
check "modsim --strategy mine.so shell" \
	"$modsim" --strategy "$prefix/$libdir/modsim/strategies/mine.so" shell "$tmp/script"
grep -qF "strategy: spinlock" "$tmp/out" || fail "mine.so: no 'strategy: spinlock' line"

# modsim-bench, with the benchfn.so installed beside it (small counts: the
# format, not the figures; bench.sh checks the output itself).
if [ -n "$bench" ]; then
	LD_DEBUG=files check "modsim-bench" "$prefix/bin/modsim-bench" --threads 1 --runs 3 \
		--loops 2000 --unloads "$bench_unloads" --cycles 3 --quiet
	grep -q '^SUMMARY ' "$tmp/out" || fail "modsim-bench printed no SUMMARY line"
	benchfn=$(cd "$prefix/$libdir/modsim/bench" && pwd -P)/benchfn.so
	grep -qF "file=$benchfn " "$tmp/err" ||
		grep -qF "file=$prefix/bin/../$libdir/modsim/bench/benchfn.so " "$tmp/err" ||
		fail "modsim-bench did not load the installed benchfn.so: $(grep -m1 'file=.*benchfn' "$tmp/err")"
else
	echo "SKIP: modsim-bench was not built (MODSIM_BENCH=OFF)"
fi

# Sanitizer flags of this build, for what is compiled against its library.
cflags="$(cache CMAKE_C_FLAGS)"
ldflags="$(cache CMAKE_EXE_LINKER_FLAGS)"

# A host compiled with pkg-config: libmodsim.so finds the installed modules
# from its own place (this binary lives outside the prefix).
cat >"$tmp/host.c" <<'HOST'
#include <stdio.h>
#include <modsim/kernel.h>
int main(void)
{
	struct modsim_config cfg;
	struct modsim_kernel *k;
	int err;

	modsim_config_default(&cfg);
	if (modsim_kernel_create(&cfg, &k))
		return 1;
	err = modsim_load(k, "hello", 0, NULL, NULL);
	if (!err)
		err = modsim_unload(k, "hello", 0);
	if (err)
		fprintf(stderr, "%s\n", modsim_last_error());
	modsim_kernel_destroy(k);
	return err ? 1 : 0;
}
HOST
if pc=$(PKG_CONFIG_PATH=$prefix/$libdir/pkgconfig pkg-config --cflags --libs modsim 2>"$tmp/err"); then
	# shellcheck disable=SC2086 # the flags are words
	check "cc host.c \$(pkg-config --cflags --libs modsim)" \
		cc $cflags "$tmp/host.c" -o "$tmp/host" $pc $ldflags -Wl,-rpath,"$prefix/$libdir" &&
		check "a pkg-config host loads hello from the installed modules" "$tmp/host"
else
	fail "pkg-config modsim: $(cat "$tmp/err")"
fi

# The same host against the package's two libraries: modsim::modsim
# (libmodsim.so) and modsim::static (libmodsim.a, linked whole and exported
# from the program so the modules it loads bind the module API there).
mkdir -p "$tmp/hosts"
cp "$tmp/host.c" "$tmp/hosts/host.c"
cat >"$tmp/hosts/CMakeLists.txt" <<'CML'
cmake_minimum_required(VERSION 3.24)
project(hosts C)
find_package(modsim REQUIRED)
add_executable(host_shared host.c)
target_link_libraries(host_shared PRIVATE modsim::modsim)
add_executable(host_static host.c)
target_link_libraries(host_static PRIVATE "$<LINK_LIBRARY:WHOLE_ARCHIVE,modsim::static>")
set_target_properties(host_static PROPERTIES ENABLE_EXPORTS ON)
CML
check "configure hosts of modsim::modsim and modsim::static" \
	"$cmake" -S "$tmp/hosts" -B "$tmp/hosts/b" -DCMAKE_PREFIX_PATH="$prefix" \
	-DCMAKE_C_FLAGS="$cflags" -DCMAKE_EXE_LINKER_FLAGS="$ldflags" &&
	check "build the hosts" "$cmake" --build "$tmp/hosts/b" &&
	check "a modsim::modsim host loads hello" "$tmp/hosts/b/host_shared" &&
	check "a modsim::static host loads hello" env MODSIM_MODULE_PATH="$mods" "$tmp/hosts/b/host_static"
ldd "$tmp/hosts/b/host_static" 2>/dev/null | grep -q libmodsim && fail "host_static links libmodsim.so"

# examples/cmocka against the installed package, as its author would build it.
check "configure examples/cmocka with CMAKE_PREFIX_PATH=$prefix" \
	"$cmake" -S "$src/examples/cmocka" -B "$tmp/cmocka" -DCMAKE_PREFIX_PATH="$prefix" \
	-DCMAKE_BUILD_TYPE=Debug -DCMAKE_C_FLAGS="$cflags" -DCMAKE_EXE_LINKER_FLAGS="$ldflags" \
	-DCMAKE_MODULE_LINKER_FLAGS="$(cache CMAKE_MODULE_LINKER_FLAGS)" &&
	check "build examples/cmocka" "$cmake" --build "$tmp/cmocka" &&
	check "examples/cmocka's test against $prefix" "$tmp/cmocka/test_counter" &&
	{ grep -q 'PASSED.*4 test' "$tmp/out" "$tmp/err" || fail "examples/cmocka: not 4 tests passed"; }
grep -qF "$prefix/$libdir/libmodsim.so" "$tmp/cmocka/CMakeFiles/test_counter.dir/link.txt" 2>/dev/null ||
	fail "examples/cmocka did not link the installed libmodsim.so"

if [ "$failures" -ne 0 ]; then
	echo "install: $failures failure(s)" >&2
	exit 1
fi
echo "install: ok (from $prefix: modsim, $(wc -w <<<"$scenarios") built-in scenarios and the scenario files, hazards, mine.so, modsim-bench, a pkg-config host, examples/cmocka)"
