#!/usr/bin/env bash
#-------------------------------------------------------------------------
# test/fresh_check.sh
#	`make fresh-check`: the README's two commands on a fresh Debian
#	bookworm root, as a new user would run them.
#
# Builds a minimal bookworm root with debootstrap (--variant=minbase: the
# required packages and apt, nothing else), puts a clean clone of HEAD in
# it (committed work only) at /root/vecext, and runs the commands of the
# README's first ```sh block there one after the other: chroot, as root,
# with /proc, /sys, /dev, /dev/pts and a fresh /dev/shm mounted.  Prints
# each command's last lines and wall time, then compares the test
# command's "N passed, M failed" with a run of `bash test/run` in this
# checkout on this machine (skip that with --no-host, or give the log of
# such a run with --host-log FILE).  Exit 0 only when every command passed
# and the counts agree.
#
# The chroot shares this machine's network, so the root is given what this
# machine uses to reach the package registries and nothing else: the apt
# sources (and the keyrings they name), the apt.conf.d files that set
# proxies or date checks, the npm global config files,
# the local CA certificates (/usr/local/share/ca-certificates, trusted
# once the scripts install ca-certificates), resolv.conf and the proxy and
# npm_config_* environment variables.  A policy-rc.d keeps package
# scripts from starting services (postgresql's main cluster) in the root.
#
# The debootstrapped root is cached as a tarball in $CACHE (default
# /var/cache/vecext-fresh-check; delete it to rebuild), so a second run
# starts in seconds; everything the README's commands install is fetched
# anew every time.  The root lives in a temporary dir under /var/tmp that
# is unmounted and removed on any exit, Ctrl-C included.
#
# The full logs stay in /var/tmp/vecext-fresh-check.logs.XXXXXX/ (one dir
# per run: runs may overlap), {cmd1,cmd2,host}.log.
# The chroot shares this machine's ports: the quickstart's fixed port 5499
# is moved (VECEXT_PORT) if something here listens on it.
#
# Not part of CI (it takes long: the image-search example installs
# PyTorch), hence here and not in .ci/.  Run it before resolving any issue
# that touches installs.
#
# Usage: bash test/fresh_check.sh [--no-host | --host-log FILE] [--keep]
#   --keep   leave the root in place (unmounted) for a look
# Environment: PG_CONFIG, VECEXT_TEST_PORT   for the run on this machine
#              FRESH_CHECK_CACHE            the tarball's directory
#              FRESH_CHECK_MIRROR           Debian mirror for debootstrap
#                                           (default: this machine's)
#-------------------------------------------------------------------------
set -uo pipefail
# All in one function, read whole before it runs: editing this file while
# it runs (it runs long) cannot change what it does.
main() {

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
SUITE=bookworm
ARCH=$(dpkg --print-architecture)
CACHE=${FRESH_CHECK_CACHE:-/var/cache/vecext-fresh-check}
BASE=$CACHE/$SUITE-minbase-$ARCH.tar.gz
TAIL=25

HOST=1 HOST_LOG="" KEEP=0
while [ $# -gt 0 ]; do
	case "$1" in
	--no-host) HOST=0 ;;
	--host-log) HOST_LOG=${2:?--host-log needs a file}; shift ;;
	--keep) KEEP=1 ;;
	-h|--help) sed -n '2,/^#---/p' "${BASH_SOURCE[0]}" | sed 's/^#\s\?//'; exit 0 ;;
	*) echo "fresh_check: unknown argument $1" >&2; exit 2 ;;
	esac
	shift
done

log()  { printf '\n=== %s\n' "$*"; }
die()  { echo "fresh_check: $*" >&2; exit 1; }
[ "$(id -u)" -eq 0 ] || die "must run as root (debootstrap, chroot, mount)"
git -C "$ROOT" rev-parse --verify -q HEAD >/dev/null || die "$ROOT is not a git checkout"

#----------------------------------------------------------------------
# The README's two commands: the first ```sh block, comments stripped
#----------------------------------------------------------------------
mapfile -t COMMANDS < <(git -C "$ROOT" show HEAD:README.md | awk '
	/^```sh$/ && !seen { inblock = 1; seen = 1; next }
	inblock && /^```/ { exit }
	inblock { sub(/[[:space:]]+#.*$/, ""); if ($0 != "") print }')
[ ${#COMMANDS[@]} -gt 0 ] || die "no commands found in the first \`\`\`sh block of README.md"

#----------------------------------------------------------------------
# Cleanup: kill what still runs in the root (the quickstart's cluster
# keeps running by design), unmount, remove; at the end of the commands,
# and on any exit.  Never remove a dir that still has a mount under it.
#----------------------------------------------------------------------
WORK="" R=""
mounts_under() {	# mount points at or below $1, deepest first
	awk -v r="$1" '$2 == r || index($2, r "/") == 1 { print $2 }' /proc/self/mounts | sort -r
}
# remove_root: end what still runs in the root, unmount, remove it.
remove_root() {
	local pids p m tries
	[ -n "$R" ] && [ -d "$R" ] || return 0
	for tries in 1 2 3; do
		pids=()
		for p in /proc/[0-9]*; do
			[ "$(readlink "$p/root" 2>/dev/null)" = "$R" ] && pids+=("${p#/proc/}")
		done
		[ ${#pids[@]} -eq 0 ] && break
		[ "$tries" -eq 1 ] && echo "fresh_check: stopping ${#pids[@]} process(es) left in the root" >&2
		kill "$([ "$tries" -lt 3 ] && echo -TERM || echo -KILL)" "${pids[@]}" 2>/dev/null
		sleep 3
	done
	while IFS= read -r m; do
		umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null ||
			echo "fresh_check: could not unmount $m" >&2
	done < <(mounts_under "$R")
	if [ -n "$(mounts_under "$R")" ]; then
		echo "fresh_check: mounts remain under $R; not removing it" >&2
	elif [ "$KEEP" -eq 1 ]; then
		echo "fresh_check: root kept in $R" >&2
	else
		rm -rf --one-file-system "$WORK"
	fi
	R=""
}
# shellcheck disable=SC2317  # invoked by the EXIT trap
cleanup() {
	trap '' INT TERM HUP
	# test/run on this machine, if interrupted: its own trap cleans up.
	[ -n "${HOST_PID:-}" ] && kill -TERM "$HOST_PID" 2>/dev/null && wait "$HOST_PID"
	remove_root
}
trap cleanup EXIT
trap 'echo "fresh_check: interrupted" >&2; exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

#----------------------------------------------------------------------
# 1. The base root, from the cache or debootstrapped once
#----------------------------------------------------------------------
# The first Debian URI of this machine's apt sources (deb822 or one-line).
host_mirror() {
	local f
	for f in /etc/apt/sources.list.d/*.sources; do
		[ -f "$f" ] && sed -n 's/^URIs:[[:space:]]*\([^[:space:]]*\).*/\1/p' "$f"
	done
	cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null |
		sed -n 's/^deb[[:space:]]\+\(\[[^]]*\][[:space:]]\+\)\?\([^[:space:]]*\)[[:space:]]\+'"$SUITE"'[[:space:]].*/\2/p'
}
MIRROR=${FRESH_CHECK_MIRROR:-$(host_mirror | grep -v -e security -e updates | head -n1)}
MIRROR=${MIRROR:-http://deb.debian.org/debian}

mkdir -p "$CACHE"
exec 9>"$CACHE/.lock"
flock 9	# one build of the tarball at a time
if [ ! -s "$BASE" ]; then
	log "building the $SUITE base root (debootstrap --variant=minbase, $MIRROR); cached in $BASE"
	if ! command -v debootstrap >/dev/null; then
		export DEBIAN_FRONTEND=noninteractive
		apt-get install -y -q --no-install-recommends debootstrap ||
			{ apt-get update -q && apt-get install -y -q --no-install-recommends debootstrap; } ||
			die "could not install debootstrap"
	fi
	build=$(mktemp -d "$CACHE/build.XXXXXX")
	start=$SECONDS
	if ! debootstrap --variant=minbase --arch="$ARCH" "$SUITE" "$build/root" "$MIRROR" >"$build/debootstrap.log" 2>&1; then
		tail -n 30 "$build/debootstrap.log" >&2
		tail -n 30 "$build/root/debootstrap/debootstrap.log" 2>/dev/null >&2
		while IFS= read -r m; do umount "$m" || umount -l "$m"; done < <(mounts_under "$build/root")
		[ -z "$(mounts_under "$build/root")" ] && rm -rf --one-file-system "$build"
		die "debootstrap failed"
	fi
	while IFS= read -r m; do umount "$m" || umount -l "$m"; done < <(mounts_under "$build/root")
	# The package cache is empty in a fresh install too.
	rm -f "$build/root/var/cache/apt/archives/"*.deb
	tar -C "$build/root" --numeric-owner -czf "$BASE.tmp" . && mv "$BASE.tmp" "$BASE"
	rm -rf --one-file-system "$build"
	echo "built in $((SECONDS - start)) s: $(du -h "$BASE" | cut -f1)"
fi
flock -u 9
exec 9>&-

WORK=$(realpath "$(mktemp -d /var/tmp/vecext-fresh.XXXXXX)")
LOGS=$(mktemp -d /var/tmp/vecext-fresh-check.logs.XXXXXX)
R=$WORK/root
mkdir -p "$R"
log "fresh root $R (from $BASE)"
tar -C "$R" --numeric-owner -xzf "$BASE" || die "could not unpack $BASE"

#----------------------------------------------------------------------
# 2. What this machine uses to reach Debian and npm, and nothing else
#----------------------------------------------------------------------
copied=()
copy_in() {	# FILE...: copy each existing FILE to the same path in the root
	local f
	for f in "$@"; do
		[ -f "$f" ] || continue
		mkdir -p "$R$(dirname "$f")"
		cp -L "$f" "$R$f" && copied+=("$f")
	done
}
cp -L /etc/resolv.conf "$R/etc/resolv.conf"
# What an installed system has and debootstrap leaves out.
[ -e "$R/etc/hosts" ] || printf '127.0.0.1\tlocalhost\n::1\t\tlocalhost ip6-localhost ip6-loopback\n' >"$R/etc/hosts"
rm -f "$R/etc/apt/sources.list" "$R"/etc/apt/sources.list.d/*
copy_in /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources
# Keyrings named by Signed-By that a fresh root lacks.
while IFS= read -r k; do
	[ -e "$R$k" ] || copy_in "$k"
done < <(cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources 2>/dev/null |
	grep -o -i -E 'signed-by[=:][[:space:]]*[^] ]+' | sed -E 's/^[^=:]*[=:][[:space:]]*//' | sort -u)
for f in /etc/apt/apt.conf.d/*; do
	[ -f "$f" ] && grep -q -i -E 'Acquire.*(Proxy|Check-Valid-Until|Check-Date)' "$f" && copy_in "$f"
done
copy_in /etc/npmrc /usr/etc/npmrc /usr/local/share/ca-certificates/*.crt
echo "copied from this machine: /etc/resolv.conf ${copied[*]}"
printf '#!/bin/sh\n# fresh_check: no services start in this root\nexit 101\n' >"$R/usr/sbin/policy-rc.d"
chmod 755 "$R/usr/sbin/policy-rc.d"

ENV=(HOME=/root USER=root LOGNAME=root SHELL=/bin/bash TERM=dumb
     PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin)
while IFS= read -r v; do
	ENV+=("$v")
done < <(env | grep -E '^(http_proxy|https_proxy|no_proxy|all_proxy|HTTP_PROXY|HTTPS_PROXY|NO_PROXY|ALL_PROXY|npm_config_[A-Za-z_]*)=' || true)

#----------------------------------------------------------------------
# 3. A clean clone of HEAD
#----------------------------------------------------------------------
HEAD_SHA=$(git -C "$ROOT" rev-parse HEAD)
DEST=/root/vecext
git init -q "$R$DEST" &&
	git -C "$R$DEST" fetch -q "$ROOT" HEAD &&
	git -C "$R$DEST" checkout -q --detach FETCH_HEAD ||
	die "could not clone HEAD into the root"
echo "clone of $(git -C "$ROOT" log -1 --format='%h %s' HEAD) in $DEST"
if [ -n "$(git -C "$ROOT" status --porcelain --untracked-files=no)" ]; then
	echo "note: $ROOT has uncommitted changes; the root has HEAD only"
fi

#----------------------------------------------------------------------
# 4. Mounts, then the README's commands one after the other
#----------------------------------------------------------------------
mount -t proc proc "$R/proc" &&
	mount -t sysfs sysfs "$R/sys" &&
	mount --bind /dev "$R/dev" &&
	mount --bind /dev/pts "$R/dev/pts" &&
	mount -t tmpfs -o mode=1777,size=50% shm "$R/dev/shm" ||
	die "could not mount /proc, /sys, /dev, /dev/pts, /dev/shm in the root"

port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
# The chroot shares this machine's ports: move the quickstart's fixed
# default port (5499) if something here already listens on it.
if ! port_free 5499; then
	p=25499; while ! port_free "$p"; do p=$((p + 1)); done
	ENV+=("VECEXT_PORT=$p")
	echo "port 5499 is in use on this machine: the quickstart gets VECEXT_PORT=$p"
fi

RESULTS=() FRESH_COUNT="" rc_all=0 i=0
for cmd in "${COMMANDS[@]}"; do
	i=$((i + 1))
	out=$WORK/cmd$i.log
	log "[$i/${#COMMANDS[@]}] $cmd   (in the fresh root, cd $DEST, as root; full log $out)"
	start=$SECONDS
	# In the background so that a signal's trap runs at once (cleanup ends
	# what runs in the root).
	chroot "$R" /usr/bin/env -i "${ENV[@]}" /bin/bash -c "cd $DEST && $cmd" </dev/null >"$out" 2>&1 &
	wait $!
	rc=$?
	secs=$((SECONDS - start))
	tail -n "$TAIL" "$out"
	[ "$rc" -eq 0 ] || rc_all=1
	RESULTS+=("$(printf '%-40s exit %d, %dm%02ds' "$cmd" "$rc" $((secs / 60)) $((secs % 60)))")
	echo "--- $cmd: exit $rc, wall time $((secs / 60))m$(printf '%02d' $((secs % 60)))s"
	line=$(grep -E '^([A-Za-z]+: )?[0-9]+ passed, [0-9]+ failed' "$out" | tail -n1)
	[ -n "$line" ] && FRESH_COUNT=$line
	# Keep the logs past the root's removal.
	cp "$out" "$LOGS/cmd$i.log" 2>/dev/null
done

log "removing the fresh root"
remove_root

#----------------------------------------------------------------------
# 5. The same test command on this machine, for the counts
#----------------------------------------------------------------------
HOST_COUNT=""
if [ -n "$HOST_LOG" ]; then
	HOST_COUNT=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$HOST_LOG" | tail -n1)
elif [ "$HOST" -eq 1 ]; then
	log "bash test/run on this machine (PG_CONFIG=${PG_CONFIG:-default}), for the counts"
	hostlog=$LOGS/host.log
	start=$SECONDS
	(cd "$ROOT" && exec bash test/run) </dev/null >"$hostlog" 2>&1 &
	HOST_PID=$!
	wait "$HOST_PID"
	HOST_PID=""
	secs=$((SECONDS - start))
	tail -n 14 "$hostlog"
	HOST_COUNT=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$hostlog" | tail -n1)
	RESULTS+=("$(printf '%-40s %dm%02ds (log %s)' "this machine: bash test/run" $((secs / 60)) $((secs % 60)) "$hostlog")")
fi

log "fresh-check of $HEAD_SHA (logs in $LOGS)"
printf '%s\n' "${RESULTS[@]}"
echo "test command, fresh root:   ${FRESH_COUNT:-no count}"
if [ -n "$HOST_LOG" ] || [ "$HOST" -eq 1 ]; then
	echo "test command, this machine: ${HOST_COUNT:-no count}"
	if [ "$FRESH_COUNT" != "$HOST_COUNT" ]; then
		echo "the counts differ"
		rc_all=1
	fi
fi
[ "$rc_all" -eq 0 ] && echo "fresh-check passed" || echo "fresh-check FAILED"
exit "$rc_all"
}
main "$@"
