#!/usr/bin/env bash
# Create or refresh a virtual environment with uv.
#   scripts/bootstrap.sh            .venv from uv.lock (HA 2025.4.4, every extra)
#   scripts/bootstrap.sh ha-latest  .venv-ha-latest from requirements/ha-latest.txt (HA 2026.2.3)
set -euo pipefail
cd "$(dirname "$0")/.."

target="${1:-default}"
python="$(scripts/find-python313.sh)"
uv="$(scripts/ensure-uv.sh "$python")"

case "$target" in
default)
    UV_PROJECT_ENVIRONMENT=.venv "$uv" sync --locked --all-extras --python "$python"
    touch .venv/.synced
    ;;
ha-latest)
    # HA 2026.2 declares Python >= 3.13.2; its wheels run on any 3.13, so resolve for 3.13.2.
    [ -x .venv-ha-latest/bin/python ] || "$uv" venv --quiet --python "$python" .venv-ha-latest
    VIRTUAL_ENV=.venv-ha-latest "$uv" pip sync --quiet --python-version 3.13.2 requirements/ha-latest.txt
    VIRTUAL_ENV=.venv-ha-latest "$uv" pip install --quiet --no-deps --python-version 3.13.2 -e .
    touch .venv-ha-latest/.synced
    ;;
*)
    echo "unknown target: $target (default or ha-latest)" >&2
    exit 2
    ;;
esac
