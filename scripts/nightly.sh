#!/usr/bin/env bash
# Nightly run for a scheduler (cron or systemd). Runs the pipeline on the store, keeps a JSON-lines log per
# night under var/log/, and passes OneSource's exit code on so the scheduler can tell outcomes apart:
#   0  clean              3  ran, found data defects (reports and tasks are ready: not an operations failure)
#   1  could not run      2  catalog or pipeline invalid      75  another run holds the store (try later)
# Environment: ONESOURCE_HOME (repository, default: this script's parent), ONESOURCE_STORE,
# ONESOURCE_PIPELINE, ONESOURCE_BIN (default: release build in the repository).
set -uo pipefail
home=${ONESOURCE_HOME:-$(cd "$(dirname "$0")/.." && pwd)}
cd "$home" || exit 1
store=${ONESOURCE_STORE:-var/onesource.sqlite}
pipeline=${ONESOURCE_PIPELINE:-Pipelines/nightly.json}
bin=${ONESOURCE_BIN:-.build/release/onesource}
if [ ! -x "$bin" ]; then swift build -c release --product onesource >/dev/null || exit 1; fi
mkdir -p var/log
log="var/log/nightly-$(date +%Y%m%d-%H%M%S).log"
"$bin" run "$pipeline" --store "$store" > "$log.summary" 2> "$log"
status=$?
case $status in
  0) echo "onesource nightly: clean run (summary: $log.summary)" ;;
  3) echo "onesource nightly: ran, data defects found; reports and tasks ready (summary: $log.summary)" ;;
  75) echo "onesource nightly: another run holds the store; not started (see $log)" >&2 ;;
  2) echo "onesource nightly: catalog or pipeline invalid; fix and re-run (see $log)" >&2 ;;
  *) echo "onesource nightly: could not run (exit $status); resume with: $bin run --resume <id> --store $store (see $log)" >&2 ;;
esac
exit $status
