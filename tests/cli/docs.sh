#!/usr/bin/env bash
# Every relative link in README.md and docs/*.md resolves: the file exists, and a #anchor names a heading of it.
# Usage: bash docs.sh PATH-TO-MODSIM BUILD-DIR
#
# Links are [text](target) and ![alt](target) outside fenced code blocks;
# http(s) and mailto links are not followed.  Anchors are GitHub's: the
# heading in lower case, without punctuation but - and _, blanks as -.
set -u

src=$(cd "$(dirname "$0")/../.." && pwd)
failures=0
checked=0

fail() {
	echo "FAIL: $*" >&2
	failures=$((failures + 1))
}

# links FILE: each link target of FILE, one a line, as "LINE TARGET"
links() {
	awk '/^```/ { fence = !fence; next }
	     !fence {
		line = $0
		while (match(line, /\]\([^) ]+\)/)) {
			print NR, substr(line, RSTART + 2, RLENGTH - 3)
			line = substr(line, RSTART + RLENGTH)
		}
	     }' "$1"
}

# anchors FILE: the anchor of each heading of FILE, one a line
anchors() {
	awk '/^```/ { fence = !fence; next } !fence && /^#+ / { sub(/^#+ /, ""); print }' "$1" |
		tr '[:upper:]' '[:lower:]' | sed 's/[^a-z0-9 _-]//g; s/ /-/g'
}

files=("$src/README.md" "$src"/docs/*.md)
[ -f "$src/docs/README.md" ] || fail "docs/README.md (the index) is missing"
for f in "${files[@]}"; do
	dir=$(dirname "$f")
	while read -r line target; do
		case $target in
		http://* | https://* | mailto:*) continue ;;
		esac
		checked=$((checked + 1))
		path=${target%%#*}
		anchor=
		[[ $target == *#* ]] && anchor=${target#*#}
		if [ -z "$path" ]; then
			dest=$f
		else
			dest=$dir/$path
		fi
		if [ ! -e "$dest" ]; then
			fail "${f#"$src"/}:$line: $target: no such file"
			continue
		fi
		if [ -n "$anchor" ]; then
			if [ ! -f "$dest" ] || [[ $dest != *.md ]]; then
				fail "${f#"$src"/}:$line: $target: an anchor into a file that is not markdown"
			elif ! anchors "$dest" | grep -qxF -- "$anchor"; then
				fail "${f#"$src"/}:$line: $target: no heading '#$anchor' in ${dest#"$src"/}"
			fi
		fi
	done < <(links "$f")
done

# Every docs page is reachable from the index, and the index from the README.
for f in "$src"/docs/*.md; do
	name=$(basename "$f")
	[ "$name" = README.md ] && continue
	grep -qF "]($name" "$src/docs/README.md" || fail "docs/README.md does not link $name"
done
grep -qF "](docs/README.md)" "$src/README.md" || fail "README.md does not link docs/README.md"

# The README stays a front door.
n=$(wc -l <"$src/README.md")
[ "$n" -lt 300 ] || fail "README.md has $n lines, want fewer than 300"

if [ "$failures" -ne 0 ]; then
	echo "$failures check(s) failed" >&2
	exit 1
fi
echo "docs: all $checked relative links resolve"
