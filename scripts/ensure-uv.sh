#!/usr/bin/env bash
# Print the path of the pinned uv, installing it into .tools/ from PyPI on first use.
set -euo pipefail
cd "$(dirname "$0")/.."
python="$1"
uv_version="0.13.9"

if [ -x .tools/bin/uv ] && [ "$(.tools/bin/uv --version | cut -d' ' -f2)" = "$uv_version" ]; then
    echo "$PWD/.tools/bin/uv"
    exit 0
fi
# A venv needs ensurepip (Debian: python3.13-venv); fall back to a plain --target install.
rm -rf .tools
if "$python" -m venv .tools >/dev/null 2>&1 && .tools/bin/python -m pip install --quiet "uv==$uv_version" >&2; then
    echo "$PWD/.tools/bin/uv"
    exit 0
fi
rm -rf .tools
"$python" -m pip install --quiet --target .tools/pkgs "uv==$uv_version" >&2 \
    || python3 -m pip install --quiet --target .tools/pkgs "uv==$uv_version" >&2
mkdir -p .tools/bin
ln -sf "$PWD/.tools/pkgs/bin/uv" .tools/bin/uv
echo "$PWD/.tools/bin/uv"
