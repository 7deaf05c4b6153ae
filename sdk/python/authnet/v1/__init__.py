"""authnet.v1: the gRPC modules protoc generates from proto/authnet/v1 (see
generate.sh); they are not kept in the source tree."""
