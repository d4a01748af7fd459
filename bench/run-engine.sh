#!/usr/bin/env bash
# Sync engine benchmark: 1,000,000-row catalog CSV -> Google Merchant Center TSV feed, with validation and delta
# state, measured side by side with the peers by shared/bench/compare.sh (hyperfine + /usr/bin/time).
#
#   bench/run-engine.sh            # RUNS=5 ROWS=1000000 by default
#
# 1. publishes gsagent (Release, ReadyToRun, framework-dependent) to $PUB
# 2. full run: no delta state before each timed run (a first run: every row validated, written, hashed, state saved)
# 3. delta run: state of the unchanged catalog restored before each timed run, input has 1% of rows changed
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
shared=${SHARED_BENCH:-$(cd "$repo/../shared/bench" && pwd)}
runs=${RUNS:-5}
rows=${ROWS:-1000000}
pub=${PUB:-/tmp/gsagent-bench}
export BENCH_DATA=${BENCH_DATA:-/tmp/grocerysync-bench}

dotnet publish "$repo/src/GrocerySync.Agent" -c Release -r linux-x64 --self-contained false \
  -p:PublishReadyToRun=true -o "$pub" >/dev/null

work=$BENCH_DATA/engine
mkdir -p "$work" "$BENCH_DATA/out"
export GS_STATE=$work/state GS_OUT_DIR=$BENCH_DATA/out GS_OUT_NAME=ours.out
spec=$repo/bench/engine/gmc-feed.json
ours="GS_IN={in} $pub/gsagent sync $spec --no-progress"

echo "## Full run (first run, no state)"
"$shared/compare.sh" --rows "$rows" --runs "$runs" --prepare "rm -rf $GS_STATE" -- "$ours"

# The committed state of the unchanged catalog, restored before each delta run.
rm -rf "$GS_STATE" "$work/state.saved"
GS_IN=$BENCH_DATA/catalog-$rows.csv "$pub/gsagent" sync "$spec" --no-progress >/dev/null
cp -r "$GS_STATE" "$work/state.saved"

echo
echo "## Delta run (1% of rows changed, state of the previous catalog)"
"$shared/compare.sh" --rows "$rows" --runs "$runs" --changed \
  --prepare "rm -rf $GS_STATE && cp -r $work/state.saved $GS_STATE" -- "$ours"
