#!/usr/bin/env bash
# Build the web apps the services serve (web/<app>/dist): `npm ci` when the lockfile is
# newer than node_modules, `vite build` for each app whose sources (or generated contract
# types) are newer than its dist/index.html. Without npm it says so and does nothing: the
# services then run without their web apps.
set -euo pipefail
cd "$(dirname "$0")"
if ! command -v npm >/dev/null 2>&1; then
    echo "web: npm not found; the services will run without their web apps" >&2
    exit 0
fi
exec 9>.build.lock
flock 9
if [[ ! -f node_modules/.package-lock.json || package-lock.json -nt node_modules/.package-lock.json ]]; then
    npm ci --no-audit --no-fund --silent
fi
for app in pp cp; do
    [[ -f "$app/index.html" ]] || continue
    index="$app/dist/index.html"
    if [[ ! -f "$index" ]] || [[ -n "$(find "$app" shared package-lock.json vite.shared.ts "../waooaw/generated/$app" ../waooaw/generated/gateway \
            -newer "$index" -type f -not -path "$app/dist/*" -print -quit 2>/dev/null)" ]]; then
        echo "web: building $app" >&2
        npm run --silent "build:$app" >/dev/null
    fi
done
