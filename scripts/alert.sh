#!/usr/bin/env bash
# Alert for a failed nightly unit (onesource-alert@.service): a critical journal entry, and a mail to
# ONESOURCE_ALERT_MAIL through sendmail with the unit's status and the latest run's message (counts and names only).
set -uo pipefail
unit=${1:-onesource-nightly.service}
home=${ONESOURCE_HOME:-$(cd "$(dirname "$0")/.." && pwd)}
bin=${ONESOURCE_BIN:-$home/.build/release/onesource}
store=${ONESOURCE_STORE:-$home/var/onesource.sqlite}
to=${ONESOURCE_ALERT_MAIL:-root}
sendmail=${ONESOURCE_SENDMAIL:-/usr/sbin/sendmail}
logger -p daemon.crit -t onesource "nightly unit $unit failed; see journalctl -u $unit"
[ -x "$sendmail" ] || exit 0
{
  printf 'To: %s\nSubject: OneSource: %s failed on %s\nContent-Type: text/plain; charset=UTF-8\n\n' "$to" "$unit" "$(hostname)"
  systemctl status --no-pager --lines=20 "$unit" 2>&1 || true
  echo
  "$bin" notify --print --store "$store" 2>&1 || true
} | "$sendmail" -t -oi
