#!/usr/bin/env bash
# Print the path of a Python 3.13 interpreter, or explain where we looked and exit 1.
# Order: $PYTHON313, python3.13 on PATH, pyenv's versions, Debian's /usr/bin, /usr/local/bin.
set -euo pipefail

is_313() {
    [ -x "$1" ] && "$1" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 13))' 2>/dev/null
}

candidates=()
[ -n "${PYTHON313:-}" ] && candidates+=("$PYTHON313")
if command -v python3.13 >/dev/null 2>&1; then
    candidates+=("$(command -v python3.13)")
fi
pyenv_root="${PYENV_ROOT:-$HOME/.pyenv}"
if command -v pyenv >/dev/null 2>&1; then
    pyenv_root="$(pyenv root)"
fi
# Newest 3.13 patch release first.
while IFS= read -r dir; do
    candidates+=("$dir/bin/python3.13")
done < <(ls -d "$pyenv_root"/versions/3.13* 2>/dev/null | sort -t. -k3 -n -r)
candidates+=(/usr/bin/python3.13 /usr/local/bin/python3.13)

for python in "${candidates[@]}"; do
    if is_313 "$python"; then
        echo "$python"
        exit 0
    fi
done

cat >&2 <<MSG
No Python 3.13 interpreter found. Home Assistant 2025.x needs Python 3.13.
Looked at: \$PYTHON313, python3.13 on PATH, $pyenv_root/versions/3.13*/bin/python3.13,
/usr/bin/python3.13 (Debian 13: apt-get install python3.13) and /usr/local/bin/python3.13.
Install one (for example 'pyenv install 3.13' or 'apt-get install python3.13'),
or point PYTHON313 at an interpreter.
MSG
exit 1
