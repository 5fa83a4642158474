#!/usr/bin/env bash
# Runs the two-server takeover test (tests/SelfImprove.Server.Tests, CrashRecoveryTests) N times in a row and prints
# how many passed and, for each run, how long the survivor took to move the dead server's run on.
#
#   scripts/two-server-takeover.sh [N=20] [--minutes M]
#
# The test's build output is copied under .selfimprove/takeover/ first, so later builds do not disturb a long series.
# --minutes M stops starting new runs once M minutes have passed (the count says how many ran). Exit 0 only when every
# run passed.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
runs=20
minutes=0
while [[ $# -gt 0 ]]; do
  case "$1" in
    --minutes) minutes="$2"; shift 2 ;;
    -h|--help) sed -n '2,9p' "$0"; exit 0 ;;
    *[!0-9]*|'') echo "usage: $0 [N] [--minutes M]" >&2; exit 2 ;;
    *) runs="$1"; shift ;;
  esac
done

cd "$root"
dotnet build tests/SelfImprove.Server.Tests -v q -nologo >/dev/null
work="$root/.selfimprove/takeover"
rm -rf "$work"
mkdir -p "$work/logs"
cp -r tests/SelfImprove.Server.Tests/bin/Debug/net10.0 "$work/bin"

started=$(date +%s)
passed=0
ran=0
for i in $(seq 1 "$runs"); do
  if [[ "$minutes" -gt 0 && $(( $(date +%s) - started )) -ge $(( minutes * 60 )) ]]; then break; fi
  ran=$i
  log="$work/logs/run-$i.log"
  t0=$(date +%s)
  if dotnet test "$work/bin/SelfImprove.Server.Tests.dll" --filter "FullyQualifiedName~Two_servers_share_one_hub" \
       --logger "console;verbosity=detailed" >"$log" 2>&1; then
    passed=$((passed + 1)); verdict=passed
  else
    verdict=FAILED
  fi
  takeover=$(grep -o 'TAKEOVER .*' "$log" | head -1 || true)
  echo "run $i: $verdict in $(( $(date +%s) - t0 )) s ${takeover:-(no TAKEOVER line; see $log)}"
done
echo "PASSED $passed of $ran"
[[ "$passed" -eq "$ran" ]]
