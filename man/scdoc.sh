#!/bin/sh
# Format one manual page: scdoc SOURCE into OUTPUT (the build's rule; scdoc reads stdin only).
# Usage: sh scdoc.sh SCDOC SOURCE OUTPUT
set -e
"$1" <"$2" >"$3.tmp"
mv "$3.tmp" "$3"
