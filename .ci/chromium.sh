#!/usr/bin/env bash
# Install Debian's chromium for the end-to-end browser tests (tests/web/test_e2e.py,
# driven by playwright-core; no browser download of Playwright's own).
set -euo pipefail
if [[ ! -x /usr/bin/chromium ]]; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >&2
    apt-get install -y -qq chromium >&2
fi
/usr/bin/chromium --version >&2
