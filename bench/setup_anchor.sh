#!/usr/bin/env bash
# Create the anchor venv bench/.anchor/ with fastapi-code-generator (and the
# datamodel-code-generator it pins) from bench/anchor-requirements.txt.
# Idempotent: does nothing when the venv already satisfies the requirements.
# Usage: bash bench/setup_anchor.sh [--force]
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
venv="$here/.anchor"
reqs="$here/anchor-requirements.txt"
stamp="$venv/.requirements.sha256"
python="${PYTHON:-python3}"

if [[ "${1:-}" == "--force" ]]; then
    rm -rf "$venv"
fi

want="$(sha256sum "$reqs" | cut -d' ' -f1)"
if [[ -x "$venv/bin/fastapi-codegen" && -x "$venv/bin/datamodel-codegen" \
      && -f "$stamp" && "$(cat "$stamp")" == "$want" ]]; then
    echo "anchor venv already set up: $venv"
    exit 0
fi

if [[ ! -x "$venv/bin/python" ]]; then
    "$python" -m venv "$venv"
fi
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check --upgrade pip
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r "$reqs"
"$venv/bin/python" -m pip check
echo "$want" > "$stamp"

echo "anchor venv ready: $venv"
"$venv/bin/python" -m pip list --disable-pip-version-check 2>/dev/null \
    | grep -iE '^(fastapi-code-generator|datamodel-code-generator|pydantic) '
