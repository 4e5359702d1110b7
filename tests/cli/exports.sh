#!/usr/bin/env bash
# libmodsim.so's boundary: its exported symbols hold no CLI entry point (*_main, cmd_*) and it imports no getopt.
# Usage: bash exports.sh PATH-TO-MODSIM BUILD-DIR  (the library is BUILD-DIR/libmodsim.so)
set -u

build=${2:?usage: exports.sh PATH-TO-MODSIM BUILD-DIR}
lib=$build/libmodsim.so
failures=0

fail() {
	echo "FAIL: $*" >&2
	failures=$((failures + 1))
}

[ -f "$lib" ] || { echo "FAIL: no $lib" >&2; exit 1; }
command -v nm >/dev/null || { echo "FAIL: nm (binutils) is not installed" >&2; exit 1; }

defined=$(nm -D --defined-only "$lib" | awk 'NF >= 3 { print $3 }') ||
	{ echo "FAIL: nm -D --defined-only $lib failed" >&2; exit 1; }
undefined=$(nm -D --undefined-only "$lib" | awk '{ print $NF }') ||
	{ echo "FAIL: nm -D --undefined-only $lib failed" >&2; exit 1; }

# The list is the library's API, not an empty answer from a broken nm.
for want in modsim_kernel_create modsim_load modsim_unload register_hook; do
	grep -qx "$want" <<<"$defined" || fail "$lib does not export $want (is this libmodsim?)"
done

# A command's entry point, or anything named like one.
cli=$(grep -E '(^|_)main$|^cmd_|^usage' <<<"$defined")
[ -z "$cli" ] || fail "$lib exports CLI names: $(tr '\n' ' ' <<<"$cli")"

# The library parses no argv: it calls no getopt.
argv=$(grep -E '^(getopt|getopt_long|getopt_long_only|__posix_getopt)(@|$)' <<<"$undefined")
[ -z "$argv" ] || fail "$lib calls $(tr '\n' ' ' <<<"$argv")(argv parsing belongs in cli/)"

if [ "$failures" -ne 0 ]; then
	echo "exports: $failures failure(s)" >&2
	exit 1
fi
echo "exports: ok ($(wc -l <<<"$defined") symbols exported, none a CLI name; no getopt)"
