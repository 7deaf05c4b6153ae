#!/usr/bin/env bash
# authnet-bench sim as a user runs it: the table, the --json rows with the
# keys issue 4 names, the same output for the same seed, and usage errors.
set -euo pipefail
BIN=${1:?usage: bench_sim_test.sh BIN_DIR}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

"$BIN/authnet-bench" sim --days 30 --json >"$out/a.json" 2>"$out/a.err"
"$BIN/authnet-bench" sim --days 30 --json >"$out/b.json" 2>/dev/null
cmp "$out/a.json" "$out/b.json" || { echo "FAIL: same seed, different output"; exit 1; }
# A network key rotation mid-run changes no figure: evidence under the old
# epoch keeps counting, new reports use the new one.
"$BIN/authnet-bench" sim --days 30 --rotate-key-day 12 --json >"$out/rotated.json" 2>/dev/null
cmp "$out/a.json" "$out/rotated.json" ||
  { echo "FAIL: rotating the network key changed the figures"; diff "$out/a.json" "$out/rotated.json"; exit 1; }
grep -q "playing network with 8 members per network" "$out/a.err" ||
  { echo "FAIL: no progress on stderr"; cat "$out/a.err"; exit 1; }
python3 - "$out/a.json" <<'PY'
import json, sys
every = [json.loads(line) for line in open(sys.argv[1])]
rows, lifecycle = every[:5], every[5:]
assert [(r["scenario"], r["members"]) for r in rows] == [
    ("network", 1), ("network", 2), ("network", 4), ("network", 8), ("malicious_member", 8)], rows
# The brand and customs rows (issue 18): checkouts of the brand's serialized GTINs.
assert [(r["scenario"], r["members"]) for r in lifecycle] == [
    ("no_brand", 1), ("no_brand", 8), ("brand", 1), ("brand", 8), ("customs_observer", 8),
    ("brand_deny", 8)], lifecycle
by = {(r["scenario"], r["members"]): r for r in lifecycle}
for r in lifecycle:
    for key in ("recall", "counterfeit_review", "false_deny", "genuine_review"):
        assert 0 <= r[key] <= 1, (key, r)
assert by[("brand", 8)]["recall"] > by[("no_brand", 8)]["recall"], by
assert by[("brand", 8)]["false_deny"] == 0 and by[("brand_deny", 8)]["false_deny"] > 0, by
for r in rows:
    for key in ("recall", "false_deny"):
        assert 0 <= r[key] <= 1, (key, r)
    assert isinstance(r["clones_detected"], int) and r["clones_detected"] <= r["clones_total"], r
assert rows[3]["recall"] > rows[0]["recall"], rows
for key in ("baseline_recall", "baseline_false_deny", "baseline_genuine_review"):
    assert 0 <= rows[4][key] <= 1, (key, rows[4])
print("sim rows ok:", [round(r["recall"], 3) for r in rows])
PY

"$BIN/authnet-bench" sim --days 5 >"$out/table.txt" 2>/dev/null
head -1 "$out/table.txt" | grep -q "scenario.*members.*recall.*false_deny.*clones_detected" ||
  { echo "FAIL: no table header"; cat "$out/table.txt"; exit 1; }
[ "$(wc -l <"$out/table.txt")" -eq 15 ] && grep -q "without attack" "$out/table.txt" &&
  grep -q "serialized GTINs.*fake_review" "$out/table.txt" ||
  { echo "FAIL: expected 5 rows, the baseline line and the 6 brand rows"; cat "$out/table.txt"; exit 1; }

# --svg: a well-formed SVG with a point per network size in each panel,
# labelled with the figures the table printed.
"$BIN/authnet-bench" sim --days 5 --svg "$out/sim.svg" >"$out/svg-table.txt" 2>"$out/svg.err" ||
  { echo "FAIL: sim --svg: $(cat "$out/svg.err")"; exit 1; }
cmp -s "$out/table.txt" "$out/svg-table.txt" || { echo "FAIL: --svg changed the table"; exit 1; }
python3 - "$out/sim.svg" "$out/table.txt" <<'PY'
import sys, xml.etree.ElementTree as ET
ns = {"s": "http://www.w3.org/2000/svg"}
root = ET.parse(sys.argv[1]).getroot()
panels = root.findall("s:g", ns)
assert len(panels) == 2, len(panels)
rows = [l.split() for l in open(sys.argv[2]) if l.startswith("network ")]
recall = [r[2] for r in rows]
for panel, want in zip(panels, (recall, [r[3] for r in rows])):
    titles = [c.find("s:title", ns).text for c in panel.findall("s:circle", ns)]
    assert [t.split(": ")[0] for t in titles] == ["1", "2", "4", "8"], titles
    assert [t.split(": ")[1] for t in titles] == want, (titles, want)
    ys = [float(c.get("cy")) for c in panel.findall("s:circle", ns)]
    assert all(0 < y < float(root.get("height")) for y in ys), ys
print("sim svg ok:", recall)
PY
set +e
"$BIN/authnet-bench" sim --svg /nonexistent-dir/sim.svg --days 2 >/dev/null 2>"$out/err"; code=$?
set -e
[ "$code" -eq 1 ] && grep -q -- "--svg: cannot write /nonexistent-dir/sim.svg" "$out/err" ||
  { echo "FAIL: an unwritable --svg gave exit $code: $(cat "$out/err")"; exit 1; }

set +e
"$BIN/authnet-bench" sim --days zero 2>"$out/err"; code=$?
set -e
[ "$code" -eq 2 ] && grep -q -- "--days: 'zero'" "$out/err" ||
  { echo "FAIL: bad --days gave exit $code: $(cat "$out/err")"; exit 1; }
set +e
"$BIN/authnet-bench" frobnicate 2>"$out/err"; code=$?
set -e
[ "$code" -eq 2 ] && grep -q "unknown mode 'frobnicate'" "$out/err" ||
  { echo "FAIL: unknown mode gave exit $code"; exit 1; }
echo "PASS bench_sim_test"
