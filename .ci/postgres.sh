#!/usr/bin/env bash
# Install (from Debian packages) and start a local PostgreSQL for the test suite;
# prints the URL tests use to create their own databases.
set -euo pipefail
if ! command -v pg_lsclusters >/dev/null 2>&1; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >&2
    apt-get install -y -qq postgresql >&2
fi
cluster=$(pg_lsclusters --no-header | head -n1)
if [[ -z "$cluster" ]]; then
    version=$(ls /usr/lib/postgresql | sort -V | tail -n1)
    pg_createcluster "$version" main >&2
    cluster=$(pg_lsclusters --no-header | head -n1)
fi
read -r version name port status _ <<<"$cluster"
if [[ "$status" != online* ]]; then
    pg_ctlcluster "$version" "$name" start >&2
fi
for _ in $(seq 1 30); do
    if su postgres -c "psql -p $port -Atqc 'select 1'" >/dev/null 2>&1; then break; fi
    sleep 1
done
su postgres -c "psql -p $port -qc \"ALTER USER postgres PASSWORD 'postgres'\"" >&2
echo "postgresql://postgres:postgres@127.0.0.1:$port/postgres"
