#!/usr/bin/env bash
# {{ ansible_managed }}
# certbot --deploy-hook for the AgroBridge site: runs after each certificate certbot issues or
# renews for it, with RENEWED_LINEAGE set to its live/ directory. Points nginx's stable paths
# at that lineage (replacing the placeholder the first time), then reloads nginx: new
# connections get the new certificate while open ones finish undisturbed.
set -euo pipefail

if [[ ${1:-} == -h || ${1:-} == --help ]]; then
  echo "usage: RENEWED_LINEAGE=/etc/letsencrypt/live/DOMAIN ${0##*/}   (certbot sets it)"
  exit 0
fi
lineage=${RENEWED_LINEAGE:?RENEWED_LINEAGE is not set: this runs as certbot --deploy-hook}
tls_dir="{{ agrobridge_nginx_tls_dir }}"
# A plain command line, split on spaces (no quoting): "systemctl reload nginx" on a host.
read -r -a reload <<<"{{ agrobridge_nginx_reload_command }}"

for file in fullchain.pem privkey.pem chain.pem; do
  [[ -e $lineage/$file ]] || { echo "$lineage/$file is missing; nginx left as it was" >&2; exit 1; }
done
mkdir -p "$tls_dir"
for file in fullchain.pem privkey.pem chain.pem; do
  ln -sfn "$lineage/$file" "$tls_dir/$file"
done
"${reload[@]}"
