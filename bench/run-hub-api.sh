#!/usr/bin/env bash
# Hub API benchmark: GET /api/v1/jobs over 100,000 jobs on PostgreSQL, against the real hub (Release build,
# Kestrel on 127.0.0.1). Creates and drops its own database on the server of .ci/services.sh.
# Usage: bench/run-hub-api.sh [--jobs 100000] [--iterations 300] [--warmup 50] [--keep]
# Results: paste the printed markdown into docs/benchmarks.md, section "Hub API".
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=/dev/null
source .ci/services.sh >/dev/null
command -v wrk >/dev/null || { apt-get install -y -qq wrk >/dev/null 2>&1 || echo "wrk not installed; skipping its numbers" >&2; }
dotnet build -c Release bench/hub-api -nologo -v q >/dev/null
echo "# $(date -u +%FT%TZ), $(nproc) cores, load average $(cut -d" " -f1-3 /proc/loadavg), .NET SDK $(dotnet --version), $(psql --version | head -1)"
exec dotnet bench/hub-api/bin/Release/net10.0/GrocerySync.Bench.HubApi.dll \
  --hub src/GrocerySync.Hub/bin/Release/net10.0/GrocerySync.Hub.dll "$@"
