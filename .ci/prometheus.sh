#!/usr/bin/env bash
# Install Debian's prometheus for the end-to-end metrics test (tests/observability/
# test_prometheus.py starts its own server on a free port; the packaged service is not used).
set -euo pipefail
if ! command -v prometheus >/dev/null 2>&1; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >&2
    apt-get install -y -qq --no-install-recommends prometheus >&2
fi
prometheus --version 2>&1 | head -1 >&2
