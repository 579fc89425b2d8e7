# common.sh - sourced by release.sh and backup.sh: reading COMMAND ENV, finding the inventory
# and Ansible, and running a playbook. The caller defines usage() and `extra` (the arguments
# after --), and reads the `command`, `env` and `inventories` set here.
# shellcheck shell=bash disable=SC2034,SC2154

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
readonly root

die() { printf '%s: %s\n' "${0##*/}" "$*" >&2; exit 1; }

# command_and_env "$@": sets `command` and `env` from the first two arguments (or answers -h).
command_and_env() {
  (($# >= 1)) || { usage >&2; exit 2; }
  case $1 in -h | --help) usage; exit 0 ;; esac
  (($# >= 2)) || { usage >&2; exit 2; }
  command=$1 env=$2
  [[ $env == staging || $env == production ]] || die "ENV must be staging or production, not '$env'"
}

# use_ansible ENV: the inventories folder, Ansible's settings, and ansible-playbook on PATH.
use_ansible() {
  inventories=${AGROBRIDGE_INVENTORIES:-$root/ansible/inventories}
  [[ -d $inventories/$1 ]] || die "no inventory $inventories/$1"
  export ANSIBLE_CONFIG=$root/ansible/ansible.cfg
  [[ ! -d $root/.venv/bin ]] || PATH=$root/.venv/bin:$PATH
  command -v ansible-playbook >/dev/null || die "ansible-playbook not found: run \`just sync\`"
}

# playbook NAME ENV [ARGS...]: the playbook against ENV's inventory, then the caller's `extra`.
playbook() {
  local name=$1 inventory=$inventories/$2
  shift 2
  ansible-playbook -i "$inventory" "$root/ansible/playbooks/$name.yml" "$@" \
    "${extra[@]+"${extra[@]}"}"
}
