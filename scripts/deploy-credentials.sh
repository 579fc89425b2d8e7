#!/usr/bin/env bash
# deploy-credentials.sh - put one environment's deploy credentials where `just deploy` looks for
# them, from environment variables (a CI job's secrets). Nothing is echoed.
set -euo pipefail

usage() {
  cat <<EOF2
Usage: ${0##*/} ENV [ENV...]

For each ENV (staging or production), reads from the environment (NAME is ENV in capitals):
  NAME_SSH_KEY         the deploy user's private SSH key
  NAME_KNOWN_HOSTS     the hosts' keys, as ssh-keyscan prints them
  NAME_VAULT_PASSWORD  the ansible-vault password of ansible/inventories/ENV
  NAME_VAULT           ansible/inventories/ENV/group_vars/agrobridge/vault.yml (encrypted)
  NAME_BACKUPS_VAULT   ansible/inventories/ENV/group_vars/all/vault.yml (encrypted; optional)
and writes them as 0600 files: the key into ~/.ssh, the vaults into the inventory, the password
under \$RUNNER_TEMP (else /tmp). Prints the variables to export (vault identities for all ENVs),
e.g. \`${0##*/} staging production >> "\$GITHUB_ENV"\`.
EOF2
}

die() { printf '%s: %s\n' "${0##*/}" "$*" >&2; exit 1; }

if [[ ${1:-} == -h || ${1:-} == --help ]]; then usage; exit 0; fi
(($#)) || { usage >&2; exit 2; }

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
ssh_dir=$HOME/.ssh

# Every secret is checked before anything is written.
for env in "$@"; do
  [[ $env == staging || $env == production ]] || die "ENV must be staging or production, not '$env'"
  for var in SSH_KEY KNOWN_HOSTS VAULT_PASSWORD VAULT; do
    [[ -n $(printenv "${env^^}_$var" || true) ]] || die "${env^^}_${var} is not set"
  done
done

umask 077
secrets=$(mktemp -d "${RUNNER_TEMP:-/tmp}/agrobridge-deploy.XXXXXX")
mkdir -p "$ssh_dir"
identities=()
for env in "$@"; do
  name=${env^^}
  printenv "${name}_SSH_KEY" >"$ssh_dir/agrobridge-$env"
  printenv "${name}_KNOWN_HOSTS" >>"$ssh_dir/known_hosts"
  # ssh offers every listed key; each environment's hosts accept their own.
  printf 'IdentityFile %s\n' "$ssh_dir/agrobridge-$env" >>"$ssh_dir/config"
  printenv "${name}_VAULT_PASSWORD" >"$secrets/vault-$env"
  inventory=$root/ansible/inventories/$env/group_vars
  printenv "${name}_VAULT" >"$inventory/agrobridge/vault.yml"
  if [[ -n $(printenv "${name}_BACKUPS_VAULT" || true) ]]; then
    printenv "${name}_BACKUPS_VAULT" >"$inventory/all/vault.yml"
  fi
  identities+=("$env@$secrets/vault-$env")
done

# Ansible tries each identity on every vault, so one run can read both inventories (production
# checks on staging's hosts that staging released the image).
printf 'ANSIBLE_VAULT_IDENTITY_LIST=%s\n' "$(IFS=,; echo "${identities[*]}")"
