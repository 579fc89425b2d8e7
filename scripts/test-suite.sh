#!/usr/bin/env bash
# test-suite.sh - the whole suite, as `just test` runs it without arguments: every tier but
# the deploy tier first, then the deploy tier's three sites side by side (they share no host,
# network, port or image tag). Each site's output goes to build/test-logs/ and is printed when
# it ends, with what each passed test printed (its measurements: requests sent and failed,
# times). AGROBRIDGE_DEPLOY_TIER=0 leaves the deploy tier out. Exits non-zero when any part
# fails.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

logs=build/test-logs
status=0
uv run --frozen pytest tests --ignore=tests/deploy || status=$?
[[ ${AGROBRIDGE_DEPLOY_TIER:-1} == 0 ]] && exit "$status"

# What every site would otherwise build for itself: the hosts' image, and the release image unless
# one is given.
uv run --frozen python -c 'from tests.deploy.hosts import build_host_image; build_host_image()'
if [[ -z ${AGROBRIDGE_TEST_IMAGE:-} ]]; then
  scripts/build-image.sh --base-image "${AGROBRIDGE_DEPLOY_BASE_IMAGE:-localhost/debian-base:bookworm}" \
    --tag localhost/agrobridge-api:deploy-test >/dev/null
  export AGROBRIDGE_TEST_IMAGE=localhost/agrobridge-api:deploy-test
fi

mkdir -p "$logs"
# Three sites: a host released, rolled back and operated; a host (with a backup host)
# provisioned, released, destroyed and restored from its backups; the same playbooks over a
# balancer, two app hosts and a database host.
declare -A parts=(
  [single-host]="tests/deploy/test_deploy.py tests/deploy/test_webhook_worker.py tests/deploy/test_operations.py"
  [restore-drill]="tests/deploy/test_restore_drill.py"
  [scale-out]="tests/deploy/test_scale_out.py"
)
declare -A pids=()
for part in "${!parts[@]}"; do
  # shellcheck disable=SC2086 # the list of test files splits on purpose
  uv run --frozen pytest -rP ${parts[$part]} >"$logs/deploy-$part.log" 2>&1 &
  pids[$part]=$!
  echo "deploy tier, $part: running (log: $logs/deploy-$part.log)"
done
for part in "${!pids[@]}"; do
  code=0
  wait "${pids[$part]}" || code=$?
  echo "=== deploy tier, $part: exit $code"
  cat "$logs/deploy-$part.log"
  ((code == 0)) || status=$code
done
exit "$status"
