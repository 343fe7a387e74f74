#!/usr/bin/env bash
# npm run test:dates [-- <vitest files or options>]
#
# Runs tests with the process clock moved by libfaketime (Debian package `faketime`) to moments where
# a date bug would show: a month end and a year end with midnight passing mid-run, a leap day, and
# both DST changes of America/New_York (the service's default zone, Asia/Seoul, has no DST). The
# tests' Node processes see the moved clock; the MariaDB and Redis they talk to keep the real one
# (test/helpers/server-env.ts keeps faketime out of the servers tests start), as servers on other
# hosts would. A test that only passes on the day it was written, or that counts on Redis or
# MariaDB sharing its clock, fails here.
#
# Only the default reporter: vitest's JSON report (test-output/) stays the one `npm test` wrote.
# Without arguments it runs the files whose results depend on the date (CI runs this); pass `.` for
# the whole suite (about 4 minutes per moment on a 2-core machine).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

command -v faketime >/dev/null 2>&1 || {
  echo "faketime not found: apt-get install faketime (Debian)" >&2
  exit 1
}

# "<UTC instant>|<RANKING zone the ranking tests use>|<what it is>"
MOMENTS=(
  "2026-11-30 14:59:30|Asia/Seoul|month end: 23:59:30 in Seoul, midnight passes during the run"
  "2026-12-31 14:59:45|Asia/Seoul|year end: 23:59:45 in Seoul on 31 December"
  "2028-02-29 03:00:00|Asia/Seoul|leap day"
  "2027-03-14 07:30:00|America/New_York|DST starts in New York: 03:30 EDT, a 23-hour day"
  "2026-11-01 05:30:00|America/New_York|DST ends in New York: 01:30 EDT, a 25-hour day, the hour that repeats"
)

if [[ $# -gt 0 ]]; then
  FILES=("$@")
else
  FILES=(
    test/integration/ranking.spec.ts test/integration/ranking-batches.spec.ts test/integration/ranking-rebuild.spec.ts
    test/faults/ranking-clock-skew.spec.ts
    test/integration/points.spec.ts test/integration/rate-limits.spec.ts test/integration/housekeeping.spec.ts
    src/modules/ranking src/modules/member src/auth
  )
fi

failed=0
for moment in "${MOMENTS[@]}"; do
  IFS='|' read -r instant zone label <<<"$moment"
  echo "[test:dates] ${instant} UTC (${label}), ranking zone ${zone}"
  if ! TZ=UTC TEST_RANKING_TIMEZONE="$zone" faketime -f "@${instant}" npx vitest run --coverage.enabled=false --reporter=default "${FILES[@]}"; then
    echo "[test:dates] FAILED at ${instant} UTC (${label})" >&2
    failed=1
  fi
done
exit "$failed"
