#!/bin/sh
# generate.sh OUT_DIR: assembles the importable, pip-installable Python SDK in
# OUT_DIR: OUT_DIR/authnet/ (this directory's sources) with the gRPC modules
# protoc generates from proto/authnet/v1 (with .pyi stubs) in OUT_DIR/authnet/v1/, plus
# pyproject.toml and README.md. Then:
#   PYTHONPATH=OUT_DIR python3 -c 'import authnet'
#   python3 -m pip install --no-build-isolation OUT_DIR
# Environment: PROTOC (default protoc), GRPC_PYTHON_PLUGIN (default
# /usr/bin/grpc_python_plugin), AUTHNET_PROTO_DIR (default ../../proto).
set -eu

OUT=${1:?usage: generate.sh OUT_DIR}
HERE=$(cd "$(dirname "$0")" && pwd)
PROTO=${AUTHNET_PROTO_DIR:-$HERE/../../proto}
PROTOC=${PROTOC:-protoc}
PLUGIN=${GRPC_PYTHON_PLUGIN:-/usr/bin/grpc_python_plugin}

mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
rm -rf "$OUT/authnet"
# The sources, without caches a local run may have left beside them.
(cd "$HERE" && find authnet -type f \( -name '*.py' -o -name py.typed \)) | while read -r f; do
  mkdir -p "$OUT/$(dirname "$f")"
  cp "$HERE/$f" "$OUT/$f"
done
cp "$HERE/pyproject.toml" "$HERE/README.md" "$OUT/"
"$PROTOC" -I "$PROTO" --python_out="$OUT" --pyi_out="$OUT" --grpc_python_out="$OUT" \
  --plugin=protoc-gen-grpc_python="$PLUGIN" \
  authnet/v1/types.proto authnet/v1/checkout.proto
