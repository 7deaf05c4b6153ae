#!/usr/bin/env bash
# Clients generated from proto/authnet/v1 in other languages, by the commands
# docs/integrators/other-languages.md gives (issue 19):
#   a. every authnet.v1 proto names its generated packages (go_package,
#      java_package, java_multiple_files, csharp_namespace), the same in each
#   b. Python: Debian's protoc and grpc_python_plugin generate modules that
#      Debian's python3 (python3-grpcio, python3-protobuf) imports; a client
#      stub calls a servicer over a unix socket and proto3 `optional` works
#   c. Java: protoc --java_out writes one class per message under
#      net/authnet/v1/; with javac and Debian's protobuf jar of protoc's own
#      version (libprotobuf-java), they compile and a message round-trips
#   d. Go: protoc-gen-go (and protoc-gen-go-grpc) generate package authnetv1,
#      when the plugins are on PATH (Debian: protoc-gen-go, protoc-gen-go-grpc);
#      without a Go toolchain the generated code is not compiled
# Parts whose tools are missing print "skipped: ..." and the rest still runs.
#
#   proto_codegen_test.sh [SOURCE_DIR]
set -euo pipefail

ROOT=${1:-$(dirname "$0")/../..}
ROOT=$(cd "$ROOT" && pwd)
PROTO="$ROOT/proto"
# The system interpreter: python3-grpcio and python3-protobuf are Debian
# packages (tests/run.sh); a python3 earlier on PATH (pyenv, venv) may lack them.
PY=/usr/bin/python3
WORK=$(mktemp -d "${TMPDIR:-/tmp}/authnet-codegen-XXXXXX")
trap 'rm -rf "$WORK"' EXIT

fail() { echo "FAIL: $*" >&2; exit 1; }
step() { echo "--- $*"; }
skip() { echo "skipped: $*"; }

command -v protoc >/dev/null 2>&1 || fail "protoc not found: install protobuf-compiler"
[ -d "$PROTO/authnet/v1" ] || fail "no $PROTO/authnet/v1: pass the repository root"
# The protos in the order the doc's commands take them (a glob, as there).
PROTOS=()
for f in "$PROTO"/authnet/v1/*.proto; do PROTOS+=("authnet/v1/$(basename "$f")"); done
[ ${#PROTOS[@]} -ge 6 ] || fail "expected at least 6 protos in $PROTO/authnet/v1, found ${#PROTOS[@]}"
echo "  $(protoc --version), ${#PROTOS[@]} protos: ${PROTOS[*]}"

# ---------------------------------------------------------------- a. options
step "a. every authnet.v1 proto declares its generated packages"
for p in "${PROTOS[@]}"; do
  for want in 'option go_package = "github.com/authnet/authnet/gen/go/authnet/v1;authnetv1";' \
              'option java_package = "net.authnet.v1";' \
              'option java_multiple_files = true;' \
              'option csharp_namespace = "Authnet.V1";'; do
    grep -qxF -- "$want" "$PROTO/$p" || fail "$p lacks the line '$want'"
  done
done

# ---------------------------------------------------------------- b. Python
step "b. Python: protoc --python_out --pyi_out --grpc_python_out (grpc_python_plugin)"
PLUGIN=$(command -v grpc_python_plugin || true)
[ -n "$PLUGIN" ] || fail "grpc_python_plugin not found: install protobuf-compiler-grpc"
[ -x "$PY" ] || fail "$PY not found"
"$PY" -c 'import grpc, google.protobuf' 2>/dev/null ||
  fail "$PY cannot import grpc and google.protobuf: install python3-grpcio python3-protobuf"
PYOUT="$WORK/python"
mkdir -p "$PYOUT"
(cd "$ROOT" && protoc -I proto --python_out="$PYOUT" --pyi_out="$PYOUT" \
  --grpc_python_out="$PYOUT" --plugin=protoc-gen-grpc_python="$PLUGIN" "${PROTOS[@]/#/proto/}") ||
  fail "protoc (Python) failed"
touch "$PYOUT/authnet/__init__.py" "$PYOUT/authnet/v1/__init__.py"
for m in types records enrollment checkout admin peer; do
  [ -f "$PYOUT/authnet/v1/${m}_pb2.py" ] || fail "missing authnet/v1/${m}_pb2.py"
  [ -f "$PYOUT/authnet/v1/${m}_pb2.pyi" ] || fail "missing authnet/v1/${m}_pb2.pyi"
done
for m in checkout admin peer; do
  [ -f "$PYOUT/authnet/v1/${m}_pb2_grpc.py" ] || fail "missing authnet/v1/${m}_pb2_grpc.py"
done

step "b. Python: import the generated modules; a stub calls a servicer over a unix socket"
cat >"$WORK/probe.py" <<'EOF'
import sys
from concurrent import futures

import grpc
import authnet
from authnet.v1 import admin_pb2_grpc, checkout_pb2, checkout_pb2_grpc, peer_pb2_grpc, types_pb2

out, sock = sys.argv[1], sys.argv[2]
# The generated package, not another `authnet` on the path (the SDK's).
assert authnet.__file__.startswith(out), authnet.__file__
assert hasattr(admin_pb2_grpc, "AdminServiceStub") and hasattr(peer_pb2_grpc, "PeerServiceStub")
# proto3 `optional`: ReportRequest.weight has presence.
report = checkout_pb2.ReportRequest(kind=types_pb2.SIGNAL_KIND_UNIT_SOLD)
assert not report.HasField("weight")
report.weight = 0.5
assert report.HasField("weight")
assert checkout_pb2.ReportRequest.FromString(report.SerializeToString()).weight == 0.5


class Checkout(checkout_pb2_grpc.CheckoutServiceServicer):
    def Check(self, request, context):
        s = request.subjects
        if (s.gtin, s.serial) != ("4006381333931", "SN-1"):
            context.abort(grpc.StatusCode.INVALID_ARGUMENT, "subjects: unexpected")
        return checkout_pb2.CheckResponse(decision=types_pb2.DECISION_DENY, risk=0.8, reporters=2)


server = grpc.server(futures.ThreadPoolExecutor(max_workers=2))
checkout_pb2_grpc.add_CheckoutServiceServicer_to_server(Checkout(), server)
server.add_insecure_port("unix:" + sock)
server.start()
try:
    with grpc.insecure_channel("unix:" + sock) as channel:
        stub = checkout_pb2_grpc.CheckoutServiceStub(channel)
        subjects = types_pb2.Subjects(gtin="4006381333931", serial="SN-1")
        resp = stub.Check(checkout_pb2.CheckRequest(subjects=subjects), timeout=5)
        assert types_pb2.Decision.Name(resp.decision) == "DECISION_DENY", resp
        assert resp.reporters == 2 and abs(resp.risk - 0.8) < 1e-9, resp
        print("  python: Check ->", types_pb2.Decision.Name(resp.decision), resp.risk, resp.reporters)
finally:
    server.stop(None)
EOF
PYTHONPATH="$PYOUT" PYTHONDONTWRITEBYTECODE=1 "$PY" -P "$WORK/probe.py" "$PYOUT" "$WORK/probe.sock" ||
  fail "the generated Python modules do not work (above)"

# ---------------------------------------------------------------- c. Java
step "c. Java: protoc --java_out"
JOUT="$WORK/java"
mkdir -p "$JOUT"
(cd "$ROOT" && protoc -I proto --java_out="$JOUT" "${PROTOS[@]/#/proto/}") ||
  fail "protoc (Java) failed"
for c in CheckRequest CheckResponse CheckBatchRequest ReportRequest ReportResponse \
         RetractRequest Subjects Reason Decision SignalKind ReasonCode StatusResponse \
         CheckoutServiceGrpc; do
  if [ "$c" = CheckoutServiceGrpc ]; then
    # Service stubs come from the grpc-java plugin, which Debian does not package.
    [ ! -e "$JOUT/net/authnet/v1/$c.java" ] || fail "protoc alone wrote $c.java?"
    continue
  fi
  [ -f "$JOUT/net/authnet/v1/$c.java" ] || fail "missing net/authnet/v1/$c.java"
done
grep -q '^package net.authnet.v1;' "$JOUT/net/authnet/v1/CheckRequest.java" ||
  fail "CheckRequest.java is not in package net.authnet.v1"
echo "  java: $(find "$JOUT" -name '*.java' | wc -l) files in net/authnet/v1/"

PROTOC_VERSION=$(protoc --version | awk '{print $2}')
JAR=/usr/share/java/protobuf-$PROTOC_VERSION.jar
if ! command -v javac >/dev/null 2>&1; then
  skip "c. compiling the Java classes: javac not found (a JDK, e.g. default-jdk-headless)"
elif [ ! -f "$JAR" ]; then
  skip "c. compiling the Java classes: no $JAR (libprotobuf-java of protoc $PROTOC_VERSION)"
else
  step "c. Java: javac against $JAR; a CheckRequest round-trips"
  mkdir -p "$WORK/classes"
  find "$JOUT" -name '*.java' >"$WORK/java-sources"
  javac -nowarn -encoding UTF-8 -d "$WORK/classes" -cp "$JAR" @"$WORK/java-sources" 2>"$WORK/javac.err" ||
    fail "javac: $(head -20 "$WORK/javac.err")"
  cat >"$WORK/Probe.java" <<'EOF'
import net.authnet.v1.CheckRequest;
import net.authnet.v1.Decision;
import net.authnet.v1.ReportRequest;
import net.authnet.v1.SignalKind;
import net.authnet.v1.Subjects;

public class Probe {
  public static void main(String[] args) throws Exception {
    CheckRequest req = CheckRequest.newBuilder()
        .setSubjects(Subjects.newBuilder().setGtin("4006381333931").setSerial("SN-1"))
        .build();
    CheckRequest back = CheckRequest.parseFrom(req.toByteArray());
    if (!back.getSubjects().getSerial().equals("SN-1")) throw new AssertionError(back);
    ReportRequest report = ReportRequest.newBuilder().setKind(SignalKind.SIGNAL_KIND_UNIT_SOLD).build();
    if (report.hasWeight()) throw new AssertionError("weight has no presence");
    System.out.println("  java: " + Decision.DECISION_DENY + ", " + back.getSubjects().getGtin());
  }
}
EOF
  javac -d "$WORK/classes" -cp "$JAR:$WORK/classes" "$WORK/Probe.java" || fail "javac Probe.java"
  java -cp "$JAR:$WORK/classes" Probe || fail "the generated Java classes do not work (above)"
fi

# ---------------------------------------------------------------- d. Go
if ! command -v protoc-gen-go >/dev/null 2>&1; then
  skip "d. Go: protoc-gen-go is not on PATH (Debian package protoc-gen-go)"
else
  GOOUT="$WORK/go"
  mkdir -p "$GOOUT"
  if command -v protoc-gen-go-grpc >/dev/null 2>&1; then
    step "d. Go: protoc --go_out --go-grpc_out (paths=source_relative)"
    (cd "$ROOT" && protoc -I proto --go_out="$GOOUT" --go_opt=paths=source_relative \
      --go-grpc_out="$GOOUT" --go-grpc_opt=paths=source_relative "${PROTOS[@]/#/proto/}") ||
      fail "protoc (Go) failed"
    for m in checkout admin peer; do
      [ -f "$GOOUT/authnet/v1/${m}_grpc.pb.go" ] || fail "missing authnet/v1/${m}_grpc.pb.go"
    done
    grep -q '^func NewCheckoutServiceClient(' "$GOOUT/authnet/v1/checkout_grpc.pb.go" ||
      fail "checkout_grpc.pb.go has no NewCheckoutServiceClient"
  else
    skip "d. Go service stubs: protoc-gen-go-grpc is not on PATH (Debian package protoc-gen-go-grpc)"
    step "d. Go: protoc --go_out (paths=source_relative)"
    (cd "$ROOT" && protoc -I proto --go_out="$GOOUT" --go_opt=paths=source_relative \
      "${PROTOS[@]/#/proto/}") || fail "protoc (Go) failed"
  fi
  for m in types records enrollment checkout admin peer; do
    f="$GOOUT/authnet/v1/$m.pb.go"
    [ -f "$f" ] || fail "missing authnet/v1/$m.pb.go"
    grep -qx 'package authnetv1' "$f" || fail "$m.pb.go is not package authnetv1"
  done
  grep -Eq 'Weight[[:space:]]+\*float64' "$GOOUT/authnet/v1/checkout.pb.go" ||
    fail "checkout.pb.go: ReportRequest.Weight is not a *float64 (proto3 optional)"
  echo "  go: $(find "$GOOUT" -name '*.go' | wc -l) files, package authnetv1 (not compiled: no Go toolchain is assumed)"
  step "d. Go: --go_opt=module= lays the files out under gen/go/ as go_package says"
  mkdir -p "$WORK/gomod"
  GRPC_FLAGS=()
  if command -v protoc-gen-go-grpc >/dev/null 2>&1; then
    GRPC_FLAGS=(--go-grpc_out="$WORK/gomod" --go-grpc_opt=module=github.com/authnet/authnet)
  fi
  (cd "$ROOT" && protoc -I proto --go_out="$WORK/gomod" --go_opt=module=github.com/authnet/authnet \
    "${GRPC_FLAGS[@]}" "${PROTOS[@]/#/proto/}") || fail "protoc (Go, module=) failed"
  [ -f "$WORK/gomod/gen/go/authnet/v1/checkout.pb.go" ] || fail "missing gen/go/authnet/v1/checkout.pb.go"
  [ ${#GRPC_FLAGS[@]} -eq 0 ] || [ -f "$WORK/gomod/gen/go/authnet/v1/checkout_grpc.pb.go" ] ||
    fail "missing gen/go/authnet/v1/checkout_grpc.pb.go"
fi

echo "PASS: clients generated from proto/authnet/v1 (Python, Java$(command -v protoc-gen-go >/dev/null 2>&1 && echo ', Go'))"
