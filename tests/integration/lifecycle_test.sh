#!/usr/bin/env bash
# Unit lifecycle, roles, local overrides and usage with real processes (issue 18):
# a brand, two platforms and an observer (customs), all with mTLS peers:
#   - roles and company prefixes in the roster (member add/update/list);
#   - the brand declares a GTIN serialized, commissions units (bulk and one),
#     decommissions one: every node answers allow/commissioned,
#     review/not_commissioned, deny/decommissioned;
#   - a platform's lifecycle report and a brand's report outside its prefixes
#     are refused and store nothing; the observer refuses reports, checks;
#   - a local override changes one node's answer only, until removed;
#   - usage meters the checks of this test; bad --month values are refused.
#
#   lifecycle_test.sh BIN_DIR
set -euo pipefail

BIN=${1:?usage: lifecycle_test.sh BIN_DIR}
CTL="$BIN/authnetctl"
WORK=$(mktemp -d "${TMPDIR:-/tmp}/authnet-life-XXXXXX")
declare -A PID
cleanup() {
  for p in "${PID[@]}"; do kill -9 "$p" 2>/dev/null || true; done
  rm -rf "$WORK"
}
trap cleanup EXIT

fail() {
  echo "FAIL: $*" >&2
  for f in "$WORK"/*.log; do [ -f "$f" ] && sed "s|^|  $(basename "$f"): |" "$f" >&2; done
  exit 1
}
step() { echo "--- $*"; }
free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
api() { echo "unix:$WORK/$1.sock"; }
status() { "$CTL" status --node "$(api "$1")" --json; }
wait_until() {
  local secs=$1; shift
  for _ in $(seq 1 $((secs * 10))); do
    if "$@" >/dev/null 2>&1; then return 0; fi
    sleep 0.1
  done
  return 1
}
# py EXPR: evaluate a Python expression over the JSON on stdin (as d), print it.
py() { python3 -c "import json, sys; d = json.load(sys.stdin); print($1)"; }
field() { status "$1" | py "d['$2']"; }
seq_of() { status "$1" | py "d['version_vector'].get('$2', 0)"; }  # seq_of NODE ORIGIN
stored() { status "$1" | py "(d['records'], sorted(d['version_vector'].items()))"; }

G1=04006381333931   # brand's GTIN (company prefix 4006381)
G2=09506000134352   # GTIN under prefix 9506000, not the brand's at first
START_DAY=$(date -u +%F)
# verdict NODE GTIN SERIAL: "decision code,code,..."; counts successful checks per node.
verdict() {
  local out
  out=$("$CTL" check --node "$(api "$1")" --gtin "$2" --serial "$3" --json) || return 1
  echo >>"$WORK/checks-$1"
  py "d['decision'] + ' ' + ','.join(r['code'] for r in d['reasons'])" <<<"$out"
}
is() {  # is NODE GTIN SERIAL DECISION CODE
  local v
  v=$(verdict "$1" "$2" "$3") || return 1
  [ "${v%% *}" = "$4" ] && [[ ",${v#* }," == *",$5,"* ]]
}
expect() {  # expect NODE GTIN SERIAL DECISION CODE (within 5 s)
  wait_until 5 is "$@" ||
    fail "$1 check $2/$3: want $4 with reason $5, got: $(verdict "$1" "$2" "$3" || echo error)"
}
refused() {  # refused WHAT GREP_ERE COMMAND...: non-zero exit, stderr matches (if ERE given)
  local what=$1 want=$2; shift 2
  if "$@" >/dev/null 2>"$WORK/err"; then fail "$what: was accepted"; fi
  [ -z "$want" ] || grep -qiE "$want" "$WORK/err" ||
    fail "$what: stderr does not match /$want/: $(cat "$WORK/err")"
}

NODES=(brand plat-a plat-b customs)
declare -A PORT
for n in "${NODES[@]}"; do PORT[$n]=$(free_port); done
peers_of() {
  local m list=()
  for m in "${NODES[@]}"; do [ "$m" = "$1" ] || list+=("127.0.0.1:${PORT[$m]}"); done
  (IFS=,; echo "${list[*]}")
}
start() {
  "$BIN/authnetd" --bundle "$WORK/bundle-$1" --data "$WORK/$1-data" \
    --peer-listen "127.0.0.1:${PORT[$1]}" --api-listen "$(api "$1")" --peers "$(peers_of "$1")" \
    >>"$WORK/$1.log" 2>&1 &
  PID[$1]=$!
  wait_until 10 "$CTL" status --node "$(api "$1")" || fail "node $1 did not start"
}
ADMIN="$WORK/admin"

step "enroll brand (prefix 4006381), plat-a and plat-b (platform), customs (observer)"
"$CTL" network init --network lifenet --dir "$ADMIN" >/dev/null || fail "network init"
add() {  # add ID ROLE [more flags]
  local id=$1 role=$2; shift 2
  "$CTL" member add "$id" --dir "$ADMIN" --endpoint "127.0.0.1:${PORT[$id]}" \
    --out "$WORK/bundle-$id" --role "$role" "$@" >/dev/null || fail "member add $id --role $role"
}
add brand brand --prefixes 4006381
add plat-a platform
add plat-b platform
add customs observer
roles=$("$CTL" member list --dir "$ADMIN" --json |
  py "' '.join(sorted(m['id'] + '=' + m['role'] + ':' + ','.join(m.get('prefixes', [])) for m in d))") ||
  fail "member list --json"
[ "$roles" = "brand=brand:4006381 customs=observer: plat-a=platform: plat-b=platform:" ] ||
  fail "member list --json roles/prefixes: $roles"

step "a prefix of 3 digits is refused and changes nothing"
before=$(sha256sum "$ADMIN/roster.pb")
refused "member update --prefixes 400" "prefix" \
  "$CTL" member update brand --dir "$ADMIN" --prefixes 400
[ "$(sha256sum "$ADMIN/roster.pb")" = "$before" ] || fail "a refused update changed the roster"

step "start the four nodes; every node adopts the newest roster"
for n in "${NODES[@]}"; do start "$n"; done
version=$(field customs roster_version) || fail "status customs"
same_roster() {
  local n
  for n in "${NODES[@]}"; do [ "$(field "$n" roster_version)" = "$version" ] || return 1; done
}
wait_until 15 same_roster || fail "the nodes did not adopt roster $version: $(status brand)"

step "the brand serializes G1, commissions LC-1..3 (file) and LC-4, decommissions LC-3"
printf 'LC-1\nLC-2\nLC-3\n' >"$WORK/serials"
brand_report() {
  "$CTL" report --node "$(api brand)" "$@" >/dev/null 2>"$WORK/err" ||
    fail "brand report $*: $(cat "$WORK/err")"
}
brand_report --kind gtin_serialized --gtin "$G1"
brand_report --kind unit_commissioned --gtin "$G1" --serials-file "$WORK/serials"
brand_report --kind unit_commissioned --gtin "$G1" --serial LC-4
brand_report --kind unit_decommissioned --gtin "$G1" --serial LC-3
synced() {  # every node holds all of the brand's records
  local n want
  want=$(seq_of brand brand)
  [ "$want" -gt 0 ] || return 1
  for n in plat-a plat-b customs; do [ "$(seq_of "$n" brand)" = "$want" ] || return 1; done
}
wait_until 15 synced || fail "the brand's records did not reach every node: $(status plat-a)"

step "every node, the observer included: commissioned allow, unknown review, decommissioned deny"
for n in "${NODES[@]}"; do
  expect "$n" "$G1" LC-1 allow commissioned
  expect "$n" "$G1" LC-4 allow commissioned
  expect "$n" "$G1" LC-9 review not_commissioned
  expect "$n" "$G1" LC-3 deny decommissioned
done

step "a platform's lifecycle report is refused by its own node and stores nothing"
before=$(stored plat-a)
refused "plat-a unit_commissioned" "brand" \
  "$CTL" report --node "$(api plat-a)" --kind unit_commissioned --gtin "$G1" --serial LC-9
refused "plat-a gtin_serialized" "brand" \
  "$CTL" report --node "$(api plat-a)" --kind gtin_serialized --gtin "$G2"
sleep 1
[ "$(stored plat-a)" = "$before" ] || fail "plat-a stored a refused report: $(status plat-a)"
expect plat-b "$G1" LC-9 review not_commissioned

step "a brand's report outside its prefixes is refused and stores nothing"
before=$(stored brand)
refused "brand unit_commissioned of $G2" "4006381|subjects\.gtin" \
  "$CTL" report --node "$(api brand)" --kind unit_commissioned --gtin "$G2" --serial OB-1
refused "brand gtin_serialized of $G2" "4006381|subjects\.gtin" \
  "$CTL" report --node "$(api brand)" --kind gtin_serialized --gtin "$G2"
[ "$(stored brand)" = "$before" ] || fail "brand stored a refused report: $(status brand)"

step "the observer refuses reports and publishes nothing"
refused "customs report" "observer" \
  "$CTL" report --node "$(api customs)" --kind counterfeit_suspected --gtin "$G1" --serial LC-1
[ "$(seq_of customs customs)" = 0 ] || fail "customs has its own records: $(status customs)"

step "member update adds prefix 9506000; once adopted, the brand may serialize G2"
"$CTL" member update brand --dir "$ADMIN" --prefixes 4006381,9506000 >/dev/null ||
  fail "member update brand --prefixes"
prefixes=$("$CTL" member list --dir "$ADMIN" --json |
  py "','.join(sorted(p for m in d if m['id'] == 'brand' for p in m['prefixes']))") ||
  fail "member list --json after update"
[ "$prefixes" = "4006381,9506000" ] || fail "member list after update: prefixes $prefixes"
"$CTL" roster push --dir "$ADMIN" --node "$(api brand)" >/dev/null || fail "roster push"
version=$(field brand roster_version) || fail "status brand"
wait_until 15 same_roster || fail "the nodes did not adopt roster $version: $(status plat-b)"
brand_report --kind gtin_serialized --gtin "$G2"
brand_report --kind unit_commissioned --gtin "$G2" --serial OB-1
wait_until 15 synced || fail "the brand's G2 records did not reach every node: $(status plat-b)"
for n in plat-b customs; do
  expect "$n" "$G2" OB-1 allow commissioned
  expect "$n" "$G2" OB-2 review not_commissioned
done

step "override add without a subject is refused and adds nothing"
refused "override without subject" "" \
  "$CTL" override add --node "$(api plat-a)" --deny --reason "no subject"
[ "$("$CTL" override list --node "$(api plat-a)" --json |
  py "len(d if isinstance(d, list) else d['overrides'])")" = 0 ] || fail "an override was added"

step "an allow override for LC-9 on plat-a: plat-a allows (local_override), plat-b still reviews"
out=$("$CTL" override add --node "$(api plat-a)" --allow --gtin "$G1" --serial LC-9 \
  --reason "inspected at the warehouse" --expires-days 30 --json 2>"$WORK/err") ||
  fail "override add: $(cat "$WORK/err")"
id=$(py "d.get('id', d.get('override', {}).get('id'))" <<<"$out") || fail "override add --json: $out"
if [ -z "$id" ] || [ "$id" = None ]; then fail "override add --json printed no id: $out"; fi
ids=$("$CTL" override list --node "$(api plat-a)" --json |
  py "' '.join(str(o['id']) for o in (d if isinstance(d, list) else d['overrides']))")
[ "$ids" = "$id" ] || fail "override list: want [$id], got [$ids]"
"$CTL" override list --node "$(api plat-a)" >/dev/null || fail "override list (text)"
expect plat-a "$G1" LC-9 allow local_override
expect plat-b "$G1" LC-9 review not_commissioned

step "override remove: plat-a reviews LC-9 again"
"$CTL" override remove "$id" --node "$(api plat-a)" >/dev/null || fail "override remove $id"
[ "$("$CTL" override list --node "$(api plat-a)" --json |
  py "len(d if isinstance(d, list) else d['overrides'])")" = 0 ] || fail "override $id still listed"
expect plat-a "$G1" LC-9 review not_commissioned

step "usage meters this test's checks on plat-a, exactly the 5 just made; bad months are refused"
k=$(wc -l <"$WORK/checks-plat-a")
metered=0
for m in $(printf '%s\n' "${START_DAY:0:7}" "$(date -u +%Y-%m)" | sort -u); do
  out=$("$CTL" usage --node "$(api plat-a)" --month "$m" --json) || fail "usage --month $m"
  [ "$(py "d['month']" <<<"$out")" = "$m" ] || fail "usage --month $m answered: $out"
  n=$(py "sum(r['checks'] for r in d['days'] if r['day'] >= '$START_DAY')" <<<"$out") ||
    fail "usage --json rows: $out"
  metered=$((metered + n))
done
[ "$metered" -ge "$k" ] || fail "usage metered $metered checks on plat-a, this test made $k: $out"
out=$("$CTL" usage --node "$(api plat-a)" --json) || fail "usage (current month)"
[ "$(py "d['month']" <<<"$out")" = "$(date -u +%Y-%m)" ] || fail "usage month: $out"
py "d['replica']" <<<"$out" >/dev/null || fail "usage --json has no replica: $out"
[ "$(py "sum(c['checks'] for c in d['clients']) == sum(r['checks'] for r in d['days'])" <<<"$out")" = True ] ||
  fail "usage --json: the clients' totals are not the sum of the days: $out"
# usage_checks: the checks plat-a metered this month, over all clients.
usage_checks() {
  "$CTL" usage --node "$(api plat-a)" --json | py "sum(c['checks'] for c in d['clients'])"
}
before=$(usage_checks)
for i in 1 2 3 4 5; do
  "$CTL" check --node "$(api plat-a)" --gtin "$G1" --serial "U-$i" >/dev/null || fail "check U-$i"
done
after=$(usage_checks)
[ $((after - before)) -eq 5 ] || fail "usage counted $((after - before)) of the 5 checks just made"
"$CTL" usage --node "$(api plat-a)" >/dev/null || fail "usage (text)"
for m in 2026-13 26-12; do
  if "$CTL" usage --node "$(api plat-a)" --month "$m" >/dev/null 2>&1; then
    fail "usage --month $m was accepted"
  fi
done

step "SIGTERM stops every node with exit 0"
for n in "${NODES[@]}"; do kill -TERM "${PID[$n]}"; done
for n in "${NODES[@]}"; do
  rc=0
  wait "${PID[$n]}" || rc=$?
  unset "PID[$n]"
  [ $rc -eq 0 ] || fail "node $n exited $rc on SIGTERM"
done
echo "lifecycle end-to-end: all steps passed"
