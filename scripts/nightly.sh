#!/usr/bin/env bash
# Nightly run for a scheduler (cron or systemd). Runs the pipeline on the store, keeps a JSON-lines log per
# night under var/log/, and passes OneSource's exit code on so the scheduler can tell outcomes apart:
#   0  clean              3  ran, found data defects (reports and tasks are ready: not an operations failure)
#   1  could not run      2  catalog or pipeline invalid      75  another run holds the store (try later)
# It prints only when someone must act, so cron mails only those nights: exit 1 or 2, or exit 3 with tasks
# that fell overdue since the last run (the run's message, counts and names only). A run that was interrupted
# (killed, power cut, a systemd retry) is resumed, not started again (`run --resume-unfinished`).
# Environment: ONESOURCE_HOME (installation, default: this script's parent), ONESOURCE_STORE,
# ONESOURCE_PIPELINE, ONESOURCE_BIN (default: release build in the installation).
set -uo pipefail
home=${ONESOURCE_HOME:-$(cd "$(dirname "$0")/.." && pwd)}
export ONESOURCE_HOME=$home
store=${ONESOURCE_STORE:-$home/var/onesource.sqlite}
pipeline=${ONESOURCE_PIPELINE:-$home/Pipelines/nightly.json}
bin=${ONESOURCE_BIN:-$home/.build/release/onesource}
if [ ! -x "$bin" ]; then (cd "$home" && swift build -c release --product onesource >/dev/null) || { echo "onesource nightly: cannot build $bin" >&2; exit 1; }; fi
logs="$(dirname "$store")/log"
mkdir -p "$logs"
log="$logs/nightly-$(TZ=Asia/Shanghai date +%Y%m%d-%H%M%S%z).log"
"$bin" run "$pipeline" --store "$store" --resume-unfinished > "$log.summary" 2> "$log"
status=$?
case $status in
  0) ;;
  3) "$bin" notify --store "$store" --print --if-attention ;;
  75) echo "onesource nightly: another process holds the store; not started (a retry resumes)" >> "$log" ;;
  2) echo "onesource nightly: catalog or pipeline invalid; nothing was run. Check it with: $bin check $pipeline (log: $log)"
     grep '"event":"error"' "$log" ;;
  *) echo "onesource nightly: could not run (exit $status); resume with: $bin run --resume ID --store $store (log: $log)"
     "$bin" notify --store "$store" --print ;;
esac
exit $status
