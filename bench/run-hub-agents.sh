#!/usr/bin/env bash
# Agent-protocol benchmarks on PostgreSQL against the real hub (Release build, Kestrel on 127.0.0.1): heartbeats from
# 10,000 enrolled agents, dispatch latency from queueing to the long-poll answer, log lines per second end to end.
# Creates and drops its own database on the server of .ci/services.sh; the load tool is bounded in count and time.
# Usage: bench/run-hub-agents.sh [--agents 10000] [--connections 64] [--seconds 20] [--runs 300] [--pollers 50]
#                                [--log-lines 2000000] [--log-warmup-lines 800000] [--log-batch 5000] [--log-senders 8] [--only heartbeats,dispatch,logs] [--keep]
# Needs wrk (Debian package `wrk`) for the heartbeat load.
# Results: paste the printed markdown into docs/benchmarks.md ("Agent protocol").
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=/dev/null
source .ci/services.sh >/dev/null
command -v wrk >/dev/null || DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends wrk >/dev/null
dotnet build -c Release bench/hub-agents -nologo -v q >/dev/null
echo "# $(date -u +%FT%TZ), $(nproc) cores, load average $(cut -d" " -f1-3 /proc/loadavg), .NET SDK $(dotnet --version), $(psql --version | head -1)"
exec dotnet bench/hub-agents/bin/Release/net10.0/GrocerySync.Bench.HubAgents.dll \
  --hub src/GrocerySync.Hub/bin/Release/net10.0/GrocerySync.Hub.dll "$@"
