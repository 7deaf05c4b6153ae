#!/usr/bin/env bash
# The reference pages say what the code does (issue 20), and every link
# between the pages leads somewhere:
#   a. docs/reference/cli.md: every command of `authnetctl --help` (a line
#      starting "  authnetctl " with its continuation lines) is in its
#      authnetctl block, the same text but for whitespace, and the block holds
#      no other; every flag `authnetd --help` names is documented, and every
#      flag of its authnetd table is one authnetd takes
#   b. docs/reference/config.md: a row for every key of deploy/authnetd.toml
#      ("section.key"; keys commented out as `#key = value` under `#[section]`
#      count too) and no other row; the default of each key of [log], [api],
#      [model], [limits] and [sync] is the value the example file sets
#   c. the SIGHUP column: a node started with that file is sent SIGHUP with
#      every key of [log], [model], [limits], [sync] and `peers` changed, and
#      the keys its log line says it applied are those marked `live`
#   d. docs/reference/metrics.md: a row for every authnet_* family on that
#      node's /metrics, of the same type, and no other row
#   e. every relative link in README.md and docs/**/*.md names a file that
#      exists, and every #anchor into a .md file is a heading there (GitHub's
#      slugs: lower case, spaces to '-', punctuation but '-' and '_' dropped)
#
#   docs_test.sh BIN_DIR
set -euo pipefail

BIN=${1:?usage: docs_test.sh BIN_DIR}
BIN=$(cd "$BIN" && pwd)
CTL="$BIN/authnetctl"
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
REF="$ROOT/docs/reference"
TOML="$ROOT/deploy/authnetd.toml"
# The system interpreter: tomllib is in Debian 12's python3 (3.11).
PY=/usr/bin/python3
WORK=$(mktemp -d "${TMPDIR:-/tmp}/authnet-docs-XXXXXX")
NODE_PID=""
cleanup() {
  if [ -n "$NODE_PID" ]; then
    kill -9 "$NODE_PID" 2>/dev/null || true
    wait "$NODE_PID" 2>/dev/null || true
  fi
  rm -rf "$WORK"
}
trap cleanup EXIT
# shellcheck source=../testing/lib.sh
source "$(dirname "$0")/../testing/lib.sh"

for f in "$REF/cli.md" "$REF/config.md" "$REF/metrics.md" "$TOML"; do
  [ -f "$f" ] || fail "missing $f"
done

# ------------------------------------------------------------------ a. cli.md
step "a. authnetctl --help and authnetd --help against docs/reference/cli.md"
"$CTL" --help >"$WORK/authnetctl.help" 2>&1 || fail "authnetctl --help failed"
"$BIN/authnetd" --help >"$WORK/authnetd.help" 2>&1 || fail "authnetd --help failed"
"$PY" - "$WORK/authnetctl.help" "$WORK/authnetd.help" "$REF/cli.md" <<'EOF' || fail "docs/reference/cli.md differs from --help (see above)"
import re, sys
ctl_help, d_help, cli = (open(p, encoding="utf-8").read() for p in sys.argv[1:])
errors = []

def entries(lines, indent):
    """Each "authnetctl ..." line with the continuation lines below it, as one
    whitespace-normalized string."""
    out, cur = [], None
    for line in lines:
        if line.startswith(indent + "authnetctl "):
            cur = [line]
            out.append(cur)
        elif cur is not None and line.startswith(indent + " ") and line.strip().startswith("["):
            cur.append(line)
        else:
            cur = None
    return [" ".join(" ".join(e).split()) for e in out]

def section(text, title):
    m = re.search(rf"^## {re.escape(title)}\n(.*?)(?=^## |\Z)", text, re.M | re.S)
    return m.group(1) if m else ""

def first_block(text):
    m = re.search(r"^```[a-z]*\n(.*?)^```", text, re.M | re.S)
    return m.group(1) if m else ""

helped = entries(ctl_help.splitlines(), "  ")
if not helped:
    errors.append("no '  authnetctl ' lines in authnetctl --help")
documented = entries(first_block(section(cli, "authnetctl")).splitlines(), "")
for e in helped:
    if e not in documented:
        errors.append(f"authnetctl --help has, cli.md's authnetctl block lacks: {e}")
for e in documented:
    if e not in helped:
        errors.append(f"cli.md's authnetctl block has, authnetctl --help lacks: {e}")

d_flags = sorted(set(re.findall(r"(?<![\w-])--[a-z][a-z-]*", d_help)))
if not d_flags:
    errors.append("no --flags in authnetd --help")
for f in d_flags:
    if not re.search(rf"`{re.escape(f)}(?![a-z-])", cli):
        errors.append(f"authnetd --help names {f}; cli.md does not document it (as `{f} ...`)")
d_section = section(cli, "authnetd")
for row in re.findall(r"^\| (`--.*?) \|", d_section, re.M):
    for f in re.findall(r"--[a-z][a-z-]*", row):
        if f not in d_flags:
            errors.append(f"cli.md's authnetd table has {f}, which authnetd --help does not name")

for e in errors:
    print(f"  {e}", file=sys.stderr)
print(f"  {len(helped)} authnetctl commands, {len(d_flags)} authnetd flags")
sys.exit(1 if errors else 0)
EOF

# --------------------------------------------------------------- b. config.md
step "b. deploy/authnetd.toml against docs/reference/config.md"
"$PY" - "$TOML" "$REF/config.md" "$WORK/sighup-column.txt" <<'EOF' || fail "docs/reference/config.md differs from deploy/authnetd.toml (see above)"
import re, sys, tomllib
toml_path, config_md, column_out = sys.argv[1:]
errors = []
keys, section = {}, ""
for n, line in enumerate(open(toml_path, encoding="utf-8"), 1):
    m = re.match(r"^#?\[([a-z_]+)\]\s*$", line)
    if m:
        section = m.group(1)
        continue
    m = re.match(r"^#?([a-z_]+) = ", line)  # "# prose" has a space after '#'
    if m:
        key = f"{section}.{m.group(1)}" if section else m.group(1)
        value = next(iter(tomllib.loads(line.lstrip("#")).values()))
        keys[key] = (value, line.startswith("#"), n)
rows = {}
for line in open(config_md, encoding="utf-8"):
    m = re.match(r"^\| `([a-z_.]+)` \|", line)
    if m:
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if m.group(1) in rows:
            errors.append(f"config.md has two rows for {m.group(1)}")
        rows[m.group(1)] = cells
for k in keys:
    if k not in rows:
        errors.append(f"deploy/authnetd.toml:{keys[k][2]}: {k} has no row in config.md")
for k in rows:
    if k not in keys:
        errors.append(f"config.md has a row for {k}, which deploy/authnetd.toml does not have")

def text(v):
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, str):
        return f'"{v}"'
    if isinstance(v, list):
        return "[" + ", ".join(text(x) for x in v) + "]"
    return str(v)

with open(column_out, "w") as out:
    for k, cells in rows.items():
        if len(cells) != 5:
            errors.append(f"config.md row {k}: {len(cells)} cells, want key | flag | default | range | SIGHUP")
            continue
        default, sighup = cells[2], cells[4]
        if k.split(".")[0] in ("log", "api", "model", "limits", "sync") and k in keys:
            want = text(keys[k][0])
            if not default.lstrip("`").startswith(want):
                errors.append(f"config.md: {k} defaults to {default}, deploy/authnetd.toml sets {want}")
        if not re.match(r"(live|restart)\b", sighup):
            errors.append(f"config.md: {k}: SIGHUP column is {sighup!r}, want live or restart")
        out.write(f"{k} {sighup.split()[0].rstrip(';')}\n")
for e in errors:
    print(f"  {e}", file=sys.stderr)
print(f"  {len(keys)} keys in deploy/authnetd.toml, {len(rows)} rows in config.md")
sys.exit(1 if errors else 0)
EOF

# ------------------------------------------------------------ c. SIGHUP column
step "c. a node on a copy of deploy/authnetd.toml; SIGHUP with [log], [model], [limits], [sync] and peers changed"
PEER=$(free_port)
METRICS=$(free_port)
API="unix:$WORK/node.sock"
"$CTL" network init --network docsnet --dir "$WORK/admin" >/dev/null || fail "network init"
"$CTL" member add node-a --dir "$WORK/admin" --endpoint "127.0.0.1:$PEER" \
  --out "$WORK/bundle" >/dev/null || fail "member add"
# The example file with this test's paths and ports, and peers set to a
# list (a list to another list is a change a reload can apply).
"$PY" - "$TOML" "$WORK/node.toml" "$WORK/changed.toml" "$WORK" "$PEER" "$METRICS" <<'EOF' || fail "could not write the configuration files"
import re, sys, tomllib
src, base_out, changed_out, work, peer, metrics = sys.argv[1:]
top = {"bundle": f'"{work}/bundle"', "data": f'"{work}/data"',
       "peer_listen": f'"127.0.0.1:{peer}"', "api_listen": f'"unix:{work}/node.sock"',
       "metrics_listen": f'"127.0.0.1:{metrics}"', "peers": '["127.0.0.1:9"]'}
nudged = {"text": "json", "info": "debug", "review": "deny"}
base, changed, section = [], [], ""
for line in open(src, encoding="utf-8"):
    m = re.match(r"^\[([a-z_]+)\]", line)
    if m:
        section = m.group(1)
    m = re.match(r"^([a-z_]+) = ", line)
    if m and not section and m.group(1) in top:
        line = f"{m.group(1)} = {top[m.group(1)]}\n"
    base.append(line)
    if m and not section and m.group(1) == "peers":
        line = 'peers = ["127.0.0.1:10"]\n'
    elif m and section in ("log", "model", "limits", "sync"):
        v = next(iter(tomllib.loads(line).values()))
        if isinstance(v, bool):
            v = "true" if not v else "false"
        elif isinstance(v, int):
            v = str(v + 1)
        elif isinstance(v, float):
            v = repr(round(v * 1.01, 6))
        else:
            v = f'"{nudged[v]}"'
        line = f"{m.group(1)} = {v}\n"
    changed.append(line)
open(base_out, "w").write("".join(base))
open(changed_out, "w").write("".join(changed))
EOF
"$BIN/authnetd" --check-config --config "$WORK/node.toml" >/dev/null 2>"$WORK/check.log" ||
  fail "authnetd --check-config refuses the test's copy of deploy/authnetd.toml"
"$BIN/authnetd" --check-config --config "$WORK/changed.toml" >/dev/null 2>"$WORK/check.log" ||
  fail "authnetd --check-config refuses the changed copy of deploy/authnetd.toml"
rm -f "$WORK/check.log"
"$BIN/authnetd" --config "$WORK/node.toml" >>"$WORK/node.log" 2>&1 &
NODE_PID=$!
wait_until 10 "$CTL" status --node "$API" || fail "authnetd did not start"
cp "$WORK/changed.toml" "$WORK/node.toml"
kill -HUP "$NODE_PID"
wait_until 10 grep -q "configuration reloaded from" "$WORK/node.log" ||
  fail "no 'configuration reloaded' line after SIGHUP"
"$PY" - "$WORK/node.log" "$WORK/sighup-column.txt" <<'EOF' || fail "config.md's SIGHUP column differs from what a reload does (see above)"
import re, sys
log = open(sys.argv[1], encoding="utf-8").read()
m = re.search(r"configuration reloaded from \S+: applied (.*?); need a restart to take effect: (.*?)(;|$)", log, re.M)
if not m:
    sys.exit("  the reload line does not parse")
split = lambda s: set() if s == "none" else {k.strip() for k in s.split(",")}
applied, restart = split(m.group(1)), split(m.group(2))
column = dict(line.split() for line in open(sys.argv[2]))
errors = []
for k in sorted(applied | restart):
    if k not in column:
        errors.append(f"the reload names {k}, which config.md has no row for")
    elif (k in applied) != (column[k] == "live"):
        errors.append(f"config.md says {k} is {column[k]} on SIGHUP; the reload "
                      f"{'applied it' if k in applied else 'said it needs a restart'}")
for e in errors:
    print(f"  {e}", file=sys.stderr)
print(f"  the reload applied {len(applied)} keys and named {len(restart)} for a restart")
sys.exit(1 if errors else 0)
EOF

# -------------------------------------------------------------- d. metrics.md
step "d. the node's /metrics against docs/reference/metrics.md"
fetch_metrics() {
  "$PY" - "$METRICS" "$WORK/metrics.txt" <<'EOF'
import sys, urllib.request
body = urllib.request.urlopen(f"http://127.0.0.1:{sys.argv[1]}/metrics", timeout=5).read()
open(sys.argv[2], "wb").write(body)
EOF
}
wait_until 10 fetch_metrics || fail "no /metrics on 127.0.0.1:$METRICS"
"$PY" - "$WORK/metrics.txt" "$REF/metrics.md" <<'EOF' || fail "docs/reference/metrics.md differs from /metrics (see above)"
import re, sys
families = dict(re.findall(r"^# TYPE (authnet_\S+) (\S+)$", open(sys.argv[1]).read(), re.M))
if not families:
    sys.exit("  no # TYPE authnet_* line on /metrics")
rows = {}
for line in open(sys.argv[2], encoding="utf-8"):
    m = re.match(r"^\| `(authnet_[a-z_]+)[{`][^|]*\| (\w+) \|", line)
    if m:
        rows[m.group(1)] = m.group(2)
errors = []
for name, kind in sorted(families.items()):
    if name not in rows:
        errors.append(f"{name} ({kind}) is on /metrics but has no row in metrics.md")
    elif rows[name] != kind:
        errors.append(f"metrics.md says {name} is a {rows[name]}; /metrics says {kind}")
for name in sorted(rows):
    if name not in families:
        errors.append(f"metrics.md has a row for {name}, which is not on /metrics")
for e in errors:
    print(f"  {e}", file=sys.stderr)
print(f"  {len(families)} families on /metrics, {len(rows)} rows in metrics.md")
sys.exit(1 if errors else 0)
EOF

# ------------------------------------------------------------------- e. links
step "e. relative links and #anchors in README.md and docs/"
"$PY" - "$ROOT" <<'EOF' || fail "broken links (see above)"
import glob, os, re, sys
root = sys.argv[1]
pages = [os.path.join(root, "README.md")] + sorted(
    glob.glob(os.path.join(root, "docs", "**", "*.md"), recursive=True))

def prose_lines(path):
    """The file's lines, with fenced code blocks blanked out."""
    out, fence = [], None
    for line in open(path, encoding="utf-8").read().split("\n"):
        m = re.match(r"^\s*(`{3,}|~{3,})", line)
        if fence:
            if m and m.group(1)[0] == fence[0] and len(m.group(1)) >= len(fence):
                fence = None
            out.append("")
        elif m:
            fence = m.group(1)
            out.append("")
        else:
            out.append(line)
    return out

def slug(heading):
    heading = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", heading).strip().lower()
    return re.sub(r"[^\w\- ]", "", heading).replace(" ", "-")

anchors = {}
def anchors_of(path):
    if path not in anchors:
        seen, found = {}, set()
        for line in prose_lines(path):
            m = re.match(r"^#{1,6}\s+(.*?)\s*#*\s*$", line)
            if m:
                s = slug(m.group(1))
                n = seen.get(s, 0)
                seen[s] = n + 1
                found.add(s if n == 0 else f"{s}-{n}")
        anchors[path] = found
    return anchors[path]

errors, count = [], 0
for page in pages:
    rel = os.path.relpath(page, root)
    for n, line in enumerate(prose_lines(page), 1):
        for m in re.finditer(r"\]\(([^)\s]+)\)", re.sub(r"`[^`]*`", "", line)):
            target = m.group(1)
            if re.match(r"[a-z]+:", target):
                continue  # https:, mailto:
            count += 1
            path, _, frag = target.partition("#")
            dest = os.path.normpath(os.path.join(os.path.dirname(page), path)) if path else page
            if not os.path.exists(dest):
                errors.append(f"{rel}:{n}: {target}: no such file")
            elif frag and dest.endswith(".md") and frag not in anchors_of(dest):
                errors.append(f"{rel}:{n}: {target}: no heading #{frag} in "
                              f"{os.path.relpath(dest, root)}")
for e in errors:
    print(f"  {e}", file=sys.stderr)
print(f"  {len(pages)} pages, {count} relative links, {len(errors)} broken")
sys.exit(1 if errors else 0)
EOF

echo "PASS"
