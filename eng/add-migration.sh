#!/usr/bin/env bash
# Adds a migration NAME for both database providers (SQLite and PostgreSQL). Review both like code.
set -euo pipefail
name=${1:?usage: eng/add-migration.sh NAME}
cd "$(dirname "$0")/.."
dotnet tool restore >/dev/null
for provider in Sqlite Postgres; do
  dotnet ef migrations add "$name" --project src/GrocerySync.Hub --context "${provider}HubDbContext" --output-dir "Data/Migrations/$provider"
done
