#!/usr/bin/env bash
# Out-of-tree build: build examples/outoftree against an installed modsim, then load it there.
#
# usage: outoftree.sh MODSIM_BINARY BUILD_DIR   (CTest passes both)
set -euo pipefail

modsim_bin=${1:?usage: outoftree.sh MODSIM_BINARY BUILD_DIR}
build_dir=${2:?usage: outoftree.sh MODSIM_BINARY BUILD_DIR}
src_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cmake=${CMAKE:-cmake}

tmp=$(mktemp -d "${TMPDIR:-/tmp}/modsim-outoftree.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

fail() {
	echo "outoftree: FAIL: $*" >&2
	exit 1
}

# run WHAT CMD...: run CMD with its output in a log; on failure show the log and stop.
run() {
	local what=$1 log
	shift
	log=$(mktemp "$tmp/log.XXXXXX")
	if ! "$@" >"$log" 2>&1; then
		cat "$log" >&2
		fail "$what (command: $*)"
	fi
}

[[ -x $modsim_bin ]] || fail "modsim binary '$modsim_bin' is missing or not executable"
[[ -f $src_dir/examples/outoftree/CMakeLists.txt ]] ||
	fail "no examples/outoftree under source dir '$src_dir'"

run "cmake --install of $build_dir" "$cmake" --install "$build_dir" --prefix "$tmp/prefix"
installed="$tmp/prefix/bin/modsim"
[[ -x $installed ]] || fail "install did not produce $installed"

run "configure examples/outoftree against the installed package" \
	"$cmake" -S "$src_dir/examples/outoftree" -B "$tmp/b" -DCMAKE_PREFIX_PATH="$tmp/prefix"
run "build examples/outoftree" "$cmake" --build "$tmp/b"
[[ -f $tmp/b/mymod.so ]] || fail "the out-of-tree build did not produce $tmp/b/mymod.so"

cat >"$tmp/script" <<SCRIPT
insmod $tmp/b/mymod.so
lsmod
rmmod mymod
SCRIPT

status=0
"$installed" shell <"$tmp/script" >"$tmp/out" 2>&1 || status=$?
if [[ $status -ne 0 ]]; then
	cat "$tmp/out" >&2
	fail "installed modsim shell exited with status $status"
fi
if ! grep -Eq '^[[:space:]]*mymod([[:space:]]|$)' "$tmp/out"; then
	cat "$tmp/out" >&2
	fail "lsmod output does not list mymod"
fi
echo "outoftree: ok (installed to $tmp/prefix, built and loaded mymod.so)"
