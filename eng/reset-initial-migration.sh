#!/usr/bin/env bash
# Until the first release, the schema is one "Initial" migration per provider: this regenerates both
# from the current model. After a release, add migrations with eng/add-migration.sh instead.
set -euo pipefail
cd "$(dirname "$0")/.."
rm -rf src/GrocerySync.Hub/Data/Migrations/Sqlite src/GrocerySync.Hub/Data/Migrations/Postgres
eng/add-migration.sh Initial
