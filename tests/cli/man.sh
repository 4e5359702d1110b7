#!/usr/bin/env bash
# The manual pages: every page is built, formats with man -l without a warning, and `man modsim-run` works after cmake --install.
# Usage: bash man.sh PATH-TO-MODSIM BUILD-DIR
#
# Needs man-db (tools/install-deps installs it): without it this test fails.
set -u

build=$2
tmp=$(mktemp -d "${TMPDIR:-/tmp}/modsim-man.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
failures=0

fail() {
	echo "FAIL: $*" >&2
	failures=$((failures + 1))
}

command -v man >/dev/null || { echo "FAIL: man is not installed (Debian man-db)" >&2; exit 1; }

pages="modsim.1 modsim-run.1 modsim-matrix.1 modsim-merge.1 modsim-shrink.1 modsim-hazards.1
modsim-strategies.1 modsim-shell.1 modsim-demo.1 modsim-bench.1 modsim-scenario.5 modsim-module.7"

for p in $pages; do
	f=$build/man/$p
	if [ ! -s "$f" ]; then
		fail "$p was not built ($f)"
		continue
	fi
	# --warnings: groff's warnings on stderr; any line there is a failure.
	MANWIDTH=80 man --warnings -E UTF-8 -l "$f" >"$tmp/out" 2>"$tmp/err"
	status=$?
	[ "$status" -eq 0 ] || fail "man -l $p: exit $status"
	[ ! -s "$tmp/err" ] || fail "man -l $p warns: $(head -3 "$tmp/err")"
	lines=$(grep -c . "$tmp/out")
	[ "$lines" -ge 15 ] || fail "man -l $p: $lines lines, want a page"
	name=${p%.*}
	grep -q "^NAME" "$tmp/out" || fail "$p has no NAME section"
	grep -q "^ *$name - " "$tmp/out" || fail "$p: NAME does not read '$name - ...'"
	grep -q "^SEE ALSO" "$tmp/out" || fail "$p has no SEE ALSO section"
	if grep -Eiq 'issue[ #]*[0-9]' "$tmp/out"; then fail "$p cites the tracker"; fi
done

# Every page the manual names in SEE ALSO exists.
for f in "$build"/man/*.[157]; do
	for ref in $(MANWIDTH=200 man -l "$f" 2>/dev/null | grep -o 'modsim[a-z-]*([157])' | sort -u); do
		page="${ref%(*}.${ref: -2:1}"
		[ -s "$build/man/$page" ] || fail "$(basename "$f") refers to $ref, which is not built"
	done
done

# Installed: man finds them under share/man.
cmake --install "$build" --prefix "$tmp/prefix" >"$tmp/install.log" 2>&1 || fail "cmake --install failed: $(tail -3 "$tmp/install.log")"
for p in $pages; do
	sec=${p##*.}
	[ -s "$tmp/prefix/share/man/man$sec/$p" ] || fail "$p not installed in share/man/man$sec"
done
MANPATH=$tmp/prefix/share/man MANWIDTH=80 man modsim-run >"$tmp/run.txt" 2>"$tmp/run.err" ||
	fail "man modsim-run after install: $(cat "$tmp/run.err")"
grep -q "race one strategy against one scenario" "$tmp/run.txt" || fail "man modsim-run: $(head -5 "$tmp/run.txt")"
for cmd in modsim modsim-bench; do
	[ -s "$tmp/prefix/share/bash-completion/completions/$cmd" ] || fail "the bash completion of $cmd is not installed"
done

if [ "$failures" -ne 0 ]; then
	echo "$failures check(s) failed" >&2
	exit 1
fi
echo "man: all checks passed"
