#!/usr/bin/env bash
# What the per-line run, agent and time indexes of LogEntries cost the logs ingest end to end: runs the logs phase of
# bench/run-hub-agents.sh with the schema as it is and with those three b-trees dropped (after the hub's migrations,
# before the load), alternating, RUNS times each. A measurement only: without the indexes the run, agent and time
# filters would scan a retailer's whole log. PostgreSQL is reached as the local postgres user (run as root).
#
#   bench/run-log-index-experiment.sh          # RUNS=3
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${RUNS:-3}

psql_as_postgres() { su postgres -c "psql -Atq $*"; }

drop_indexes_when_migrated() {
  for _ in $(seq 600); do
    db=$(psql_as_postgres "-c \"select datname from pg_database where datname like 'gs_bench_agents_%' order by datname desc limit 1\"")
    if [ -n "$db" ] && [ "$(psql_as_postgres "-d $db -c \"select count(*) from pg_indexes where indexname = 'IX_LogEntries_JobRunId_Id'\"" 2>/dev/null)" = 1 ]; then
      psql_as_postgres "-d $db -c 'DROP INDEX \"IX_LogEntries_JobRunId_Id\", \"IX_LogEntries_AgentId_Id\", \"IX_LogEntries_RetailerId_Timestamp\"'"
      echo "# dropped in $db; left: $(psql_as_postgres "-d $db -c \"select string_agg(indexname, ', ') from pg_indexes where tablename = 'LogEntries'\"")"
      return
    fi
    sleep 0.2
  done
  echo "# the bench database never got its LogEntries indexes" >&2
}

for i in $(seq "$runs"); do
  echo "as it is, run $i: $(bench/run-hub-agents.sh --only logs | tail -1)"
  drop_indexes_when_migrated &
  echo "primary key and warnings index only, run $i: $(bench/run-hub-agents.sh --only logs | tail -1)"
  wait
done
