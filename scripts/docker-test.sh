#!/usr/bin/env bash
# docker-test.sh: run the container and deployment tests alone — start the Docker API when this
# machine has none (as root, ../shared/tools/docker-engine.sh), then both tests with the venv.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! docker info >/dev/null 2>&1 && [ -f ../shared/tools/docker-engine.sh ]; then
  sudo=""
  [ "$(id -u)" = 0 ] || sudo="sudo"
  $sudo bash ../shared/tools/docker-engine.sh
fi
scripts/python-env.sh
py=.venv/bin/python3
$py tests/test_deploy_manifests.py
rc=0
$py tests/test_docker_container.py || rc=$?
[ "$rc" != 77 ] || echo "docker-test: no Docker API answers; the container test was skipped (77)" >&2
exit "$rc"
