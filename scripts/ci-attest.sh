#!/usr/bin/env bash
# ci-attest.sh - CI's word that it passed an image, and the check `just deploy` makes of it.
#
# An attestation is two files named after the image id: `<id>.passed`, one line saying which
# image passed CI at which commit, and `<id>.passed.sig`, its SSH signature (ssh-keygen -Y,
# namespace agrobridge-ci) by CI's signing key. The deploy trusts the keys listed in an
# allowed-signers file (docs/deploy.md, "What CI passed"); the image id is the digest of the
# image's config, the same wherever the image is saved, loaded, pushed or pulled.
set -euo pipefail

readonly NAMESPACE=agrobridge-ci
readonly IDENTITY=ci@agrobridge

die() { printf '%s: %s\n' "${0##*/}" "$*" >&2; exit 1; }

usage() {
  cat <<EOF
Usage: ${0##*/} sign IMAGE KEY DIR     attest that IMAGE passed CI: writes DIR/<id>.passed{,.sig}
       ${0##*/} verify IMAGE DIR SIGNERS
                                       exit 0 only if DIR holds an attestation of IMAGE signed
                                       by a key in the allowed-signers file SIGNERS
       ${0##*/} commit COMMIT DIR SIGNERS
                                       print the id of the image CI passed at COMMIT (the newest
                                       attestation in DIR signed by a key in SIGNERS)
Environment: CONTAINER_ENGINE (default podman)
EOF
}

engine=${CONTAINER_ENGINE:-podman}

image_id() { # IMAGE -> its id, without sha256:
  local id
  id=$("$engine" image inspect --format '{{.Id}}' "$1" 2>/dev/null) || die "no image $1 here"
  echo "${id#sha256:}"
}

statement() { # ID COMMIT
  echo "agrobridge-api image sha256:$1 passed CI at commit $2"
}

signed() { # FILE SIGNERS: the file's signature is good and by a key SIGNERS allows
  ssh-keygen -Y verify -f "$2" -I "$IDENTITY" -n "$NAMESPACE" -s "$1.sig" <"$1" >/dev/null 2>&1
}

(($# >= 1)) || { usage >&2; exit 2; }
case $1 in
  sign)
    (($# == 4)) || { usage >&2; exit 2; }
    id=$(image_id "$2")
    commit=$("$engine" image inspect --format '{{index .Labels "org.opencontainers.image.revision"}}' "$id")
    mkdir -p "$4"
    statement "$id" "${commit:-unknown}" >"$4/$id.passed"
    rm -f "$4/$id.passed.sig"
    ssh-keygen -q -Y sign -f "$3" -n "$NAMESPACE" "$4/$id.passed" >/dev/null 2>&1 ||
      die "could not sign with $3"
    echo "attested: image sha256:$id passed CI (commit ${commit:-unknown})"
    ;;
  verify)
    (($# == 4)) || { usage >&2; exit 2; }
    id=$(image_id "$2")
    grep -qsv '^[[:space:]]*\(#.*\)\{0,1\}$' "$4" ||
      die "no CI signing key is trusted: $4 lists none (docs/deploy.md, \"What CI passed\")"
    file=$3/$id.passed
    [[ -f $file && -f $file.sig ]] || die "CI has not passed image ${id:0:12}: no attestation in $3"
    grep -qx "agrobridge-api image sha256:$id passed CI at commit [0-9a-z]*" "$file" ||
      die "the attestation in $file is not about image ${id:0:12}"
    signed "$file" "$4" || die "the attestation of image ${id:0:12} is not signed by a trusted CI key"
    ;;
  commit)
    (($# == 4)) || { usage >&2; exit 2; }
    found='' newest=''
    for file in "$3"/*.passed; do
      if [[ -f $file ]] && grep -q " passed CI at commit $2\$" "$file" && signed "$file" "$4" &&
        [[ -z $newest || $file -nt $newest ]]; then
        newest=$file found=$(basename "$file" .passed)
      fi
    done
    [[ -n $found ]] || die "CI has not passed an image of commit ${2:0:12}: no signed attestation in $3"
    echo "$found"
    ;;
  -h | --help) usage ;;
  *) usage >&2; exit 2 ;;
esac
