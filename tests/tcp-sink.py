#! /usr/bin/env python3
# Copyright (c) 2026 The flowexport authors.
# Licensed under the Apache License, Version 2.0.
"""tcp-sink.py [--ssl=KEY,CERT,CACERT] [--addr=ADDR] [--peers=FILE]
              PORTFILE RAW [PORT]

Test helper: an IPFIX-over-TCP (or, with --ssl, over TLS, requiring a
client certificate signed by CACERT) collector stand-in.  Listens on
127.0.0.1 or ADDR (PORT, or an ephemeral port written to PORTFILE once
listening), accepts connections one after another and appends every byte
received to RAW, and with --peers the client's address of each connection
to FILE.  An IPFIX stream is its messages back to back, which is the file
format that libfixbuf's ipfixDump reads.  Runs until killed."""

import socket
import sys


def main(argv):
    tls = None
    addr = "127.0.0.1"
    peers = None
    while argv[1].startswith("--"):
        if argv[1].startswith("--ssl="):
            import ssl
            key, cert, cacert = argv[1][6:].split(",")
            tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            tls.load_cert_chain(cert, key)
            tls.load_verify_locations(cacert)
            tls.verify_mode = ssl.CERT_REQUIRED
        elif argv[1].startswith("--addr="):
            addr = argv[1][7:]
        elif argv[1].startswith("--peers="):
            peers = open(argv[1][8:], "a")
        argv = argv[1:]
    portfile, raw_name = argv[1:3]
    port = int(argv[3]) if len(argv) > 3 else 0
    family = socket.AF_INET6 if ":" in addr else socket.AF_INET
    lsock = socket.socket(family, socket.SOCK_STREAM)
    lsock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    lsock.bind((addr, port))
    lsock.listen(1)
    with open(portfile + ".tmp", "w") as f:
        f.write("%d\n" % lsock.getsockname()[1])
    import os
    os.rename(portfile + ".tmp", portfile)

    raw = open(raw_name, "ab")
    while True:
        conn, peer = lsock.accept()
        if peers:
            peers.write("%s\n" % peer[0])
            peers.flush()
        if tls:
            try:
                conn = tls.wrap_socket(conn, server_side=True)
            except OSError as e:
                sys.stderr.write("TLS handshake failed: %s\n" % e)
                conn.close()
                continue
        while True:
            data = conn.recv(65536)
            if not data:
                break
            raw.write(data)
            raw.flush()
        conn.close()


if __name__ == "__main__":
    main(sys.argv)
