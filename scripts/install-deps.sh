#!/bin/sh
# Installs the Debian packages nodescope needs to build and test, only if missing.
# Called by make (build, test, demo). Needs root (or sudo) to install; otherwise it
# only reports what is missing.
set -e
PKGS="gcc make pkg-config libelf-dev libdw-dev libedit-dev libcmocka-dev zlib1g-dev gdb nodejs"
[ "${1:-}" = "--test" ] && PKGS="$PKGS lldb chromium"
[ "${1:-}" = "--bench" ] && PKGS="$PKGS lldb liblldb-dev hyperfine linux-perf"
missing=""
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
echo "install-deps: installing:$missing" >&2
SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq >/dev/null 2>&1 || true
# shellcheck disable=SC2086
$SUDO apt-get install -y -qq $missing >/dev/null
