#!/usr/bin/env bash
# build-image.sh - build the AgroBridge API image from uv.lock and containers/Containerfile.
#
# Everything Python comes from uv.lock: the locked requirements are exported with their hashes,
# the wheels are downloaded here on the host (pip --require-hashes), and the build installs them
# with no index at all. So the same lock gives the same packages, and the build itself needs
# no PyPI (only apt: tini, ca-certificates and, on a plain Debian base, python3.11).
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
readonly root
# The pip that downloads the wheelhouse here is the one the build installs with.
PIP_VERSION=$(sed -n 's/^pip==\([^ ]*\).*/\1/p' "$root/containers/build-tools.txt")
readonly PIP_VERSION

usage() {
  cat <<EOF
Usage: ${0##*/} [options] [-- EXTRA_BUILD_ARGS...]

Build the API image (target 'runtime', the default) or the test image (target 'test') from
containers/Containerfile, with Python dependencies from uv.lock only.

Options:
  -t, --tag REF          image reference (default agrobridge-api:VERSION, or
                         agrobridge-api:VERSION-test for the test target)
      --target TARGET    runtime (default) or test
      --base-image REF   base image: Python 3.11 on Debian bookworm, or plain Debian bookworm
                         (default \$BASE_IMAGE, else docker.io/library/python:3.11-slim-bookworm;
                         where no registry is reachable: localhost/debian-base:bookworm)
      --engine NAME      podman or docker (default \$CONTAINER_ENGINE, else podman if installed)
  -h, --help             this text

Environment:
  VCS_REF            revision label (default: git HEAD)
  SOURCE_URL         source label (default: git's origin, credentials removed)
  SOURCE_DATE_EPOCH  default: HEAD's commit time; podman stamps every file and the image with it
  BUILD_NETWORK      default 'host' with podman, so that apt works inside builds on hosts like
                     CI's; '' for the engine's default
  ARCH               wheel platform (default \$(uname -m))
Prints the image reference, id, size and build time when done.
EOF
}

die() { printf '%s: %s\n' "${0##*/}" "$*" >&2; exit 1; }
log() { printf '[build-image %4ss] %s\n' "$SECONDS" "$*" >&2; }

tag='' target=runtime extra=()
base_image=${BASE_IMAGE:-docker.io/library/python:3.11-slim-bookworm}
engine=${CONTAINER_ENGINE:-}
while (($#)); do
  case $1 in
    -h | --help) usage; exit 0 ;;
    -t | --tag) tag=${2:?--tag needs a value}; shift 2 ;;
    --target) target=${2:?--target needs a value}; shift 2 ;;
    --base-image) base_image=${2:?--base-image needs a value}; shift 2 ;;
    --engine) engine=${2:?--engine needs a value}; shift 2 ;;
    --) shift; extra=("$@"); break ;;
    *) usage >&2; die "unknown argument: $1" ;;
  esac
done
[[ $target == runtime || $target == test ]] || die "--target must be runtime or test, not '$target'"
if [[ -z $engine ]]; then
  if command -v podman >/dev/null; then engine=podman; else engine=docker; fi
fi
[[ $engine == podman || $engine == docker ]] || die "--engine must be podman or docker, not '$engine'"
for tool in "$engine" uv python3; do
  command -v "$tool" >/dev/null || die "$tool is not installed"
done
[[ -n $PIP_VERSION ]] || die "no pip==VERSION line in containers/build-tools.txt"

version=$(python3 -c 'import sys, tomllib; print(tomllib.load(open(sys.argv[1], "rb"))["project"]["version"])' \
  "$root/pyproject.toml")
if [[ -z $tag ]]; then
  tag=agrobridge-api:$version
  [[ $target == runtime ]] || tag+=-$target
fi
vcs_ref=${VCS_REF:-$(git -C "$root" rev-parse HEAD 2>/dev/null || echo unknown)}
# The repository's address for the source label, without any credentials in it.
source_url=${SOURCE_URL:-$(git -C "$root" remote get-url origin 2>/dev/null || echo unknown)}
source_url=$(sed -E 's#^([a-z+]+://)[^@/]*@#\1#' <<<"$source_url")
source_date_epoch=${SOURCE_DATE_EPOCH:-$(git -C "$root" log -1 --format=%ct 2>/dev/null || true)}
arch=${ARCH:-$(uname -m)}

ctx=$(mktemp -d "${TMPDIR:-/tmp}/agrobridge-image.XXXXXX")
trap 'rm -rf -- "$ctx"' EXIT

# pip download for the image's platform (CPython 3.11 on glibc 2.36, bookworm's), not the host's.
platforms=()
for minor in $(seq 36 -1 17); do platforms+=(--platform "manylinux_2_${minor}_${arch}"); done
platforms+=(--platform "manylinux2014_${arch}" --platform "manylinux2010_${arch}"
  --platform "manylinux1_${arch}")
download() { # REQUIREMENTS DEST
  for_image "$1" >"$1.image"
  uvx --quiet --from "pip==$PIP_VERSION" pip download -qq --disable-pip-version-check \
    --no-deps --only-binary :all: --require-hashes --implementation cp --python-version 3.11 \
    --abi cp311 "${platforms[@]}" -r "$1.image" -d "$2"
  rm -f -- "$1.image"
}

# pip download evaluates markers for the host's Python, not the image's: keep each locked
# requirement whose marker holds for CPython 3.11 on Linux at either base's patch level
# (Debian's 3.11.2, or the Python image's latest 3.11), and drop the marker. pip in the build
# evaluates the original markers against the real interpreter and takes what it needs.
for_image() { # REQUIREMENTS
  uv run --quiet --no-project --with packaging==25.0 python3 - "$1" "$arch" <<'PY'
import re, sys
from packaging.markers import Marker

path, machine = sys.argv[1:]
base = {"os_name": "posix", "sys_platform": "linux", "platform_system": "Linux",
        "platform_machine": machine, "implementation_name": "cpython",
        "platform_python_implementation": "CPython", "python_version": "3.11"}
envs = [{**base, "python_full_version": v, "implementation_version": v}
        for v in ("3.11.2", "3.11.99")]
for block in re.split(r"\n(?=\S)", open(path).read()):
    head, _, rest = block.partition("\n")
    requirement, _, marker = head.partition(" ; ")
    if marker and not any(Marker(marker.rstrip(" \\")).evaluate(env) for env in envs):
        continue
    print(requirement.rstrip(" \\") + (" \\\n" + rest if rest else ""))
PY
}

log "exporting uv.lock and downloading the wheelhouse"
cd "$root"
uv export --quiet --frozen --no-header --no-dev --no-emit-project --format requirements-txt \
  -o "$ctx/requirements.txt"
uv export --quiet --frozen --no-header --no-emit-project --format requirements-txt \
  -o "$ctx/requirements-dev.txt"
mkdir -p "$ctx/wheelhouse" "$ctx/wheelhouse-dev" "$ctx/tools" "$ctx/dist"
download "$ctx/requirements.txt" "$ctx/wheelhouse"
download "$root/containers/build-tools.txt" "$ctx/tools"
cp "$root/containers/sbom.py" "$ctx/tools/"
if [[ $target == test ]]; then
  download "$ctx/requirements-dev.txt" "$ctx/wheelhouse-dev"
  for wheel in "$ctx"/wheelhouse/*.whl; do rm -f -- "$ctx/wheelhouse-dev/${wheel##*/}"; done
fi
uv build --quiet --wheel --out-dir "$ctx/dist" "$root"
mkdir -p "$ctx/source"
if [[ $target == test ]]; then
  # The source tree as git would see it (the tests read files beside them, such as .env.example),
  # without what .gitignore leaves out (state, virtualenvs, caches, keys), and without api/:
  # the tests then import the `api` installed from the wheel, i.e. what the runtime image ships.
  tar -C "$root" -c --exclude-vcs --exclude=./api --exclude=./.venv --exclude=./.tools --exclude=./.data \
    --exclude=./dist --exclude=./build --exclude=./containers/.secrets --exclude=__pycache__ \
    --exclude=.pytest_cache --exclude=.mypy_cache --exclude=.ruff_cache --exclude='*.py[cod]' \
    --exclude='*.pem' --exclude=./.env --exclude='./.coverage*' --exclude=./.import_linter_cache . \
    | tar -C "$ctx/source" -x
fi

build=("$engine" build -f "$root/containers/Containerfile" --target "$target" -t "$tag"
  --build-arg "BASE_IMAGE=$base_image" --build-arg "VERSION=$version"
  --build-arg "VCS_REF=$vcs_ref" --build-arg "SOURCE_URL=$source_url")
if [[ $engine == podman ]]; then
  # docker format: the OCI image config has no HEALTHCHECK, and podman would drop it.
  build+=(--format docker)
  network=${BUILD_NETWORK-host}
  [[ -z $source_date_epoch ]] || build+=(--timestamp "$source_date_epoch"
    --build-arg "SOURCE_DATE_EPOCH=$source_date_epoch")
else
  network=${BUILD_NETWORK-}
  [[ -z $source_date_epoch ]] || build+=(--build-arg "SOURCE_DATE_EPOCH=$source_date_epoch")
fi
[[ -z $network ]] || build+=(--network "$network")

log "building $tag (target $target, base $base_image) with $engine"
prepared=$SECONDS
"${build[@]}" "${extra[@]+"${extra[@]}"}" "$ctx"
elapsed=$((SECONDS - prepared))

id=$("$engine" image inspect --format '{{.Id}}' "$tag")
size=$("$engine" image inspect --format '{{.Size}}' "$tag")
log "built $tag"
printf 'image:  %s\nid:     %s\nsize:   %s MB\nbuild:  %s s (plus %s s preparing the context)\n' \
  "$tag" "$id" "$((size / 1000000))" "$elapsed" "$prepared"
