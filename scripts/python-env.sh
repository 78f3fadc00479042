#!/usr/bin/env bash
# python-env.sh: create/update .venv with the Python packages the tests use (from PyPI; idempotent).
set -euo pipefail
cd "$(dirname "$0")/.."
req=tests/requirements.txt
[ -x .venv/bin/python3 ] || python3 -m venv .venv
stamp=.venv/.requirements.sha
want=$(sha256sum "$req" | cut -d' ' -f1)
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  .venv/bin/python3 -m pip install -q --disable-pip-version-check -r "$req"
  echo "$want" > "$stamp"
fi
