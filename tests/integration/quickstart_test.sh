#!/usr/bin/env bash
# deploy/quickstart.sh --detach, with the suite's binaries (VIGIL_BIN) in a temp dir: it
# must start a collector and an agent, print the HTTPS API's URL with a credential and a
# curl line, and that very line must answer; vigilctl query and audit must work with the
# config it wrote; --stop must stop both daemons.
#
#   tests/integration/quickstart_test.sh BIN_DIR
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
BIN=${1:?usage: quickstart_test.sh BIN_DIR}
DIR=$(mktemp -d /tmp/vigil-quickstart-test.XXXXXX)
quickstart() { VIGIL_BIN=$BIN "$ROOT/deploy/quickstart.sh" --dir "$DIR" "$@"; }
cleanup() {
  quickstart --stop >/dev/null 2>&1 || true
  rm -rf "$DIR"
}
trap cleanup EXIT
fail() {
  echo "FAIL: $*" >&2
  for log in "$DIR"/logs/*.log; do echo "--- $log" >&2; tail -20 "$log" >&2; done
  exit 1
}

out=$(quickstart --detach) || fail "quickstart.sh --detach exited non-zero"
echo "$out"

grep -q "The HTTPS API (Prometheus' query API: Grafana, curl) is at https://127.0.0.1:" <<<"$out" ||
  fail "no HTTPS URL printed"
# The printed curl command spans two lines joined by a backslash.
curl_line=$(grep -A1 '^  curl ' <<<"$out" | sed 's/\\$//' | tr -d '\n')
[ -n "$curl_line" ] || fail "no curl line printed"
answer=$(bash -c "$curl_line") || fail "the printed curl line failed: $curl_line"
grep -q '"resultType":"vector"' <<<"$answer" || fail "curl answer is not a vector: $answer"
grep -q '"__name__":"node_load1"' <<<"$answer" || fail "curl answer has no node_load1: $answer"

# A POST without a body or Content-Length (curl -X POST, parameters in the URL) is
# answered like the GET.
api=$(grep -o 'https://127.0.0.1:[0-9]*' <<<"$out" | head -1)
post=$(curl -sS -X POST --cacert "$DIR/certs/ca.crt" -H "Authorization: Bearer $(cat "$DIR/api-token")" \
  "$api/api/v1/query?query=count(node_load1)")
grep -q '"resultType":"vector"' <<<"$post" || fail "curl -X POST without a body: $post"

ctl() { "$BIN/vigilctl" --config "$DIR/vigilctl.yaml" "$@"; }
ctl query 'count(node_load1)' | grep -q '^{} *1$' || fail "vigilctl query count(node_load1) != 1"

# A request without a credential is refused (401) and the refusal is in the audit log.
code=$(curl -s -o /dev/null -w '%{http_code}' --cacert "$DIR/certs/ca.crt" "$api/api/v1/query?query=1")
[ "$code" = 401 ] || fail "an anonymous query answered $code, not 401"
ctl audit --since 1h | grep -q 'refused' || fail "vigilctl audit shows no refused request"
# Alerting is on with the built-in rules: the rules answer and are healthy or not yet run.
ctl alerts >/dev/null || fail "vigilctl alerts failed"
curl -sS --cacert "$DIR/certs/ca.crt" -H "Authorization: Bearer $(cat "$DIR/api-token")" \
  "https://127.0.0.1:$(cat "$DIR/http-port")/api/v1/rules" | grep -q '"name":"HostDown"' \
  || fail "/api/v1/rules does not list the built-in HostDown rule"

quickstart --stop >/dev/null
for name in collector agent; do
  [ ! -f "$DIR/$name.pid" ] || fail "$name.pid left after --stop"
done
echo "PASS"
