#!/bin/sh
# deps.sh - install the Debian 12 packages Ferry needs to build, run and test.
# Idempotent: installs only what is missing, and runs apt-get update only then.
# (clang and its runtime: the libFuzzer harnesses of `make fuzz`.)
set -eu

PKGS="build-essential pkg-config libmicrohttpd-dev libjansson-dev libpq-dev
libvirt-dev libxml2-dev libcmocka-dev libinih-dev uuid-dev libgnutls28-dev
postgresql postgresql-client
libvirt-daemon-system libvirt-daemon-driver-qemu libvirt-clients qemu-system-x86
qemu-utils python3-libvirt python3-novaclient python3-openstackclient python3-openstacksdk
python3-prometheus-client
curl jq iproute2 procps util-linux nftables gnuplot-nox
clang libclang-rt-14-dev"

missing=""
for p in $PKGS; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
        missing="$missing $p"
    fi
done
# Node.js (for the OpenAPI contract tests) may come from elsewhere with its
# own npm; install Debian's only when there is none.
command -v node >/dev/null 2>&1 || missing="$missing nodejs"
command -v npm >/dev/null 2>&1 || missing="$missing npm"
if [ -z "$missing" ]; then
    echo "deps: all packages present"
    exit 0
fi
if [ "$(id -u)" != 0 ]; then
    echo "deps: missing packages:$missing (run as root to install them)" >&2
    exit 1
fi
echo "deps: installing$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get -o DPkg::Lock::Timeout=600 update -q
# shellcheck disable=SC2086
apt-get -o DPkg::Lock::Timeout=600 install -y -q --no-install-recommends $missing
