#!/usr/bin/env bash
# Builds the DPDK shim, libbypassdpdk.so, into <classes dir>/native/linux-x86_64/, where the
# bypass-native jar carries it and DpdkShim loads it from. Called by the Maven build
# (native/pom.xml, compile phase). Without DPDK's development files it prints one line and
# builds nothing: the dpdk link then says at start what to install.
set -euo pipefail
classes=${1:?usage: build.sh <classes dir>}
src=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
out="$classes/native/linux-x86_64/libbypassdpdk.so"

if ! command -v pkg-config >/dev/null 2>&1 || ! pkg-config --exists libdpdk; then
  echo "bypass-native: DPDK shim not built (no pkg-config libdpdk); for the dpdk link: apt-get install libdpdk-dev pkg-config, then rebuild"
  rm -f "$out"
  exit 0
fi
if [ -f "$out" ] && [ "$out" -nt "$src/bypass_dpdk.c" ] && [ "$out" -nt "$src/bypass_dpdk.h" ]; then
  exit 0
fi
mkdir -p "$(dirname "$out")"
# ALLOW_EXPERIMENTAL_API: rte_ipv4_udptcp_cksum_verify is inline (compiled in, no ABI tie).
# shellcheck disable=SC2046
gcc -std=gnu11 -O2 -g -Wall -Wextra -Werror -fPIC -shared -DALLOW_EXPERIMENTAL_API \
  $(pkg-config --cflags libdpdk) -o "$out" "$src/bypass_dpdk.c" $(pkg-config --libs libdpdk)
echo "bypass-native: built $out against DPDK $(pkg-config --modversion libdpdk)"
