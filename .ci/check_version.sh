#!/usr/bin/env bash
# .ci/check_version.sh — the extension version is stated once (EXTVERSION in
# the Makefile) and everything else agrees with it: vecext.control's
# default_version, META.json's "version" and provides.vecext.version, and
# the install script sql/vecext--<version>.sql exists (or the Makefile
# assembles it from sql/parts/, which must all exist).  META.json must parse
# and declare meta-spec 1.0.0.  Exit 0 = all agree.
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.." || exit 1

fail=0
bad() { echo "check_version: $*" >&2; fail=1; }

version=$(sed -n 's/^EXTVERSION[[:space:]]*[:?]\{0,1\}=[[:space:]]*\([^[:space:]#]*\).*/\1/p' Makefile | head -n1)
[ -n "$version" ] || { echo "check_version: no EXTVERSION = ... in Makefile" >&2; exit 1; }

control=$(sed -n "s/^[[:space:]]*default_version[[:space:]]*=[[:space:]]*'\([^']*\)'.*/\1/p" vecext.control)
[ "$control" = "$version" ] ||
	bad "vecext.control default_version is '$control', Makefile EXTVERSION is '$version'"

# The current version's script is either a file or built by the Makefile
# (DATA_built) from sql/parts/, every part of which must exist.
if grep -q '^DATA_built = sql/$(EXTENSION)--$(EXTVERSION).sql' Makefile; then
	for part in $(sed -n '/^SQL_PARTS/,/[^\\]$/p' Makefile | sed 's/^SQL_PARTS *=//; s/\\//g'); do
		[ -f "$part" ] || bad "Makefile SQL_PARTS names $part, which does not exist"
	done
elif [ ! -f "sql/vecext--$version.sql" ]; then
	bad "sql/vecext--$version.sql does not exist and the Makefile does not build it"
fi

if ! /usr/bin/python3 -m json.tool META.json >/dev/null; then
	bad "META.json is not valid JSON"
else
	meta=$(/usr/bin/python3 -c '
import json
m = json.load(open("META.json"))
print(m.get("version", ""))
print(m.get("provides", {}).get("vecext", {}).get("version", ""))
print(m.get("meta-spec", {}).get("version", ""))
print(m.get("provides", {}).get("vecext", {}).get("file", ""))
')
	{ read -r meta_version; read -r provides_version; read -r spec; read -r provides_file; } <<<"$meta"
	[ "$meta_version" = "$version" ] ||
		bad "META.json version is '$meta_version', Makefile EXTVERSION is '$version'"
	[ "$provides_version" = "$version" ] ||
		bad "META.json provides.vecext.version is '$provides_version', Makefile EXTVERSION is '$version'"
	[ "$spec" = "1.0.0" ] || bad "META.json meta-spec version is '$spec', expected '1.0.0'"
	if [ -n "$provides_file" ] && [ ! -f "$provides_file" ]; then
		bad "META.json provides.vecext.file '$provides_file' does not exist"
	fi
fi

[ "$fail" -eq 0 ] && echo "check_version: $version everywhere"
exit "$fail"
