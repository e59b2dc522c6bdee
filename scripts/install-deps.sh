#!/usr/bin/env bash
# Installs what building and testing Portcullis needs, from Debian's packages.
# Idempotent: packages already present are left as they are.
set -euo pipefail
packages=(
  build-essential cmake ninja-build pkg-config ccache
  libpoco-dev zlib1g-dev libssl-dev openssl libsqlite3-dev sqlite3
  protobuf-compiler libprotobuf-dev libpcap-dev doctest-dev
  nftables busybox iproute2 procps python3
  isc-dhcp-client isc-dhcp-relay kea-dhcp4-server kea-admin kea-dev libboost-dev
  clamav clamav-daemon
  dpkg-dev lintian systemd systemd-container adduser
  gpgv gnupg debian-archive-keyring liblzma-dev xz-utils liblz4-dev lz4
  chromium chromium-driver
  tcpdump tshark jq
  postgresql postgresql-client libpq-dev
)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q ' installed$' || missing+=("$p")
done
if ((${#missing[@]})); then
  if [ "$(id -u)" -ne 0 ]; then
    echo "install-deps: missing packages: ${missing[*]}; run as root (or with sudo)" >&2
    exit 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
