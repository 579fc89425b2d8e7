#!/usr/bin/env bash
# Give nginx a certificate to start with on a new host, so that it can serve the ACME challenge
# that gets the real one: a self-signed certificate, valid for 30 days, at the paths nginx reads.
# certbot's deploy hook later points those paths at the issued certificate. Does nothing when a
# certificate is already there, so it is safe to run on every deploy.
set -euo pipefail

usage() {
  echo "usage: ${0##*/} TLS_DIR DOMAIN"
  echo "  writes TLS_DIR/{fullchain,privkey,chain}.pem for DOMAIN unless TLS_DIR/fullchain.pem exists"
}

if [[ ${1:-} == -h || ${1:-} == --help ]]; then
  usage
  exit 0
fi
if (($# != 2)) || [[ -z $1 || -z $2 ]]; then
  usage >&2
  exit 2
fi
tls_dir=$1
domain=$2

if [[ -e $tls_dir/fullchain.pem || -L $tls_dir/fullchain.pem ]]; then
  echo "$tls_dir/fullchain.pem exists; leaving it"
  exit 0
fi

mkdir -p "$tls_dir"
umask 077
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 30 \
  -subj "/CN=$domain" -addext "subjectAltName=DNS:$domain" \
  -keyout "$tls_dir/privkey.pem" -out "$tls_dir/fullchain.pem" 2>/dev/null
cp "$tls_dir/fullchain.pem" "$tls_dir/chain.pem"
echo "placeholder certificate for $domain in $tls_dir"
