#!/usr/bin/env bash
# release.sh - the operator's entry point to the AgroBridge hosts (the `just` deploy recipes).
set -euo pipefail

# shellcheck source=ansible/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

usage() {
  cat <<EOF
Usage: ${0##*/} COMMAND ENV [options] [-- ANSIBLE_ARGS...]

Commands (ENV is staging or production):
  provision ENV            the whole site (ansible/playbooks/site.yml); safe to rerun
  deploy ENV [--yes] [IMAGE]
                           release one image that CI passed: IMAGE is a local image reference
                           or id; without it (staging only), the image CI passed at this
                           checkout's commit. production takes only an image id that staging
                           released, and asks for confirmation unless --yes
  rollback ENV [IMAGE]     back to the previous release (or to IMAGE, still on the host)
  releases ENV             the release history of each host

Environment:
  AGROBRIDGE_INVENTORIES        folder holding staging/ and production/ (default ansible/inventories)
  ANSIBLE_VAULT_PASSWORD_FILE   the vault password file (docs/deploy.md: where it comes from)
  AGROBRIDGE_CI_PASSED_DIR      CI's attestations of the images it passed (default build/ci-passed)
  AGROBRIDGE_CI_SIGNERS         the CI keys trusted to attest (default ansible/ci-allowed-signers)
  AGROBRIDGE_REGISTRY           REGISTRY/REPOSITORY to pull release images from by digest
                                (the image must have been pushed there); unset: podman save/load over SSH
Everything after -- goes to ansible-playbook (e.g. -e ansible_user=admin for a first run of
every host; for some hosts only, set ansible_user on their lines in hosts.yml: docs/deploy.md).
EOF
}

# Who runs this, for the release history: the local user, not the SSH user the hosts see.
operator() { echo "${USER:-$(id -un)}@$(hostname)"; }

command_and_env "$@"
shift 2

yes='' image='' extra=()
while (($#)); do
  case $1 in
    --yes) yes=1; shift ;;
    --) shift; extra=("$@"); break ;;
    -*) die "unknown option: $1" ;;
    *) [[ -z $image ]] || die "one IMAGE only"; image=$1; shift ;;
  esac
done

use_ansible "$env"

case $command in
  provision) playbook site "$env" ;;
  releases) playbook releases "$env" ;;
  rollback)
    args=(-e "agrobridge_release_by=$(operator)")
    [[ -z $image ]] || args+=(-e "agrobridge_rollback_image=$image")
    playbook rollback "$env" "${args[@]+"${args[@]}"}"
    ;;
  deploy)
    engine=${CONTAINER_ENGINE:-podman}
    # Only what CI passed (docs/deploy.md, "What CI passed").
    attest=("$root/scripts/ci-attest.sh") passed=${AGROBRIDGE_CI_PASSED_DIR:-$root/build/ci-passed}
    signers=${AGROBRIDGE_CI_SIGNERS:-$root/ansible/ci-allowed-signers}
    if [[ -z $image ]]; then
      [[ $env == staging ]] || die "production takes an image id that staging released: just deploy production IMAGE_ID"
      image=$("${attest[@]}" commit "$(git -C "$root" rev-parse HEAD)" "$passed" "$signers")
    fi
    id=$("$engine" image inspect --format '{{.Id}}' "$image" 2>/dev/null) ||
      die "no image $image here (load the image CI passed, or give its id)"
    id=${id#sha256:}
    "${attest[@]}" verify "$id" "$passed" "$signers"
    echo "CI passed image ${id:0:12}"
    commit=$("$engine" image inspect --format '{{index .Labels "org.opencontainers.image.revision"}}' "$id")
    by=$(operator)
    echo "releasing image ${id:0:12} (commit ${commit:0:12}) to $env as $by"
    if [[ $env == production ]]; then
      [[ ${image#sha256:} == "$id" || ${image#sha256:} == "${id:0:${#image}}" ]] ||
        die "production takes an image id, not a name ('$image' is $id)"
      playbook promoted staging -e "agrobridge_release_image=$id" >/dev/null ||
        die "image ${id:0:12} did not go live on staging: production takes only what staging released"
      echo "staging released ${id:0:12}: promotion allowed"
      if [[ -z $yes ]]; then
        read -r -p "Release ${id:0:12} to production? Type 'yes': " answer
        [[ $answer == yes ]] || die "not confirmed"
      fi
    fi
    args=(-e "agrobridge_release_image=$id" -e "agrobridge_release_commit=${commit:-unknown}"
      -e "agrobridge_release_by=$by")
    [[ -z ${AGROBRIDGE_REGISTRY:-} ]] || args+=(-e "agrobridge_release_registry_ref=$AGROBRIDGE_REGISTRY@$(
      "$engine" image inspect --format '{{.Digest}}' "$id")")
    # The image archive shipped over SSH is made in a folder of this run, removed whatever happens.
    archives=$(mktemp -d)
    trap 'rm -rf "$archives"' EXIT
    TMPDIR=$archives playbook deploy "$env" "${args[@]}"
    ;;
  *) usage >&2; die "unknown command: $command" ;;
esac
