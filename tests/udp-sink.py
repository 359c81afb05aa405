#! /usr/bin/env python3
# Copyright (c) 2026 The flowexport authors.
# Licensed under the Apache License, Version 2.0.
"""udp-sink.py PORTFILE PCAP RAW

Test helper: receives UDP datagrams on an ephemeral port of 127.0.0.1
(written to PORTFILE once bound) and saves each one twice, as it came:
in PCAP (with made-up Ethernet/IPv4/UDP headers carrying the real source
address, TTL and TOS byte (DSCP and ECN), for tshark) and appended to RAW (the bare messages back to
back, which is the IPFIX file format that libfixbuf's ipfixDump reads).
Runs until killed."""

import socket
import struct
import sys
import time


def ip_checksum(header):
    s = sum(struct.unpack("!10H", header))
    s = (s >> 16) + (s & 0xffff)
    s += s >> 16
    return ~s & 0xffff


def frame(payload, src, sport, dport, ttl, tos):
    udp = struct.pack("!HHHH", sport, dport, 8 + len(payload), 0) + payload
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, tos, 20 + len(udp), 0, 0, ttl, 17,
                     0, socket.inet_aton(src),
                     socket.inet_aton("127.0.0.1"))
    ip = ip[:10] + struct.pack("!H", ip_checksum(ip)) + ip[12:]
    eth = b"\x00\x00\x00\x00\x00\x02" + b"\x00\x00\x00\x00\x00\x01" + b"\x08\x00"
    return eth + ip + udp


def main(argv):
    portfile, pcap_name, raw_name = argv[1:4]
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    # Linux's IP_RECVTTL and IP_RECVTOS, which Python's socket module may
    # not name: the TTL and TOS byte of each datagram as it came.
    sock.setsockopt(socket.IPPROTO_IP, getattr(socket, "IP_RECVTTL", 12), 1)
    sock.setsockopt(socket.IPPROTO_IP, getattr(socket, "IP_RECVTOS", 13), 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]

    pcap = open(pcap_name, "wb")
    pcap.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1))
    pcap.flush()
    raw = open(raw_name, "wb")
    with open(portfile + ".tmp", "w") as f:
        f.write("%d\n" % port)
    import os
    os.rename(portfile + ".tmp", portfile)

    while True:
        data, ancdata, _, (host, sport) = sock.recvmsg(65535, 64)
        ttl = tos = None
        for level, kind, value in ancdata:
            if level == socket.IPPROTO_IP and kind == socket.IP_TTL:
                ttl = struct.unpack("i", value[:4])[0]
            elif level == socket.IPPROTO_IP and kind == socket.IP_TOS:
                tos = value[0]
        if ttl is None or tos is None:
            # The pcap must show what came, never a default.
            sys.exit("udp-sink.py: no TTL or TOS for a datagram")
        now = time.time()
        pkt = frame(data, host, sport, port, ttl, tos)
        pcap.write(struct.pack("<IIII", int(now), int(now % 1 * 1e6),
                               len(pkt), len(pkt)) + pkt)
        pcap.flush()
        raw.write(data)
        raw.flush()


if __name__ == "__main__":
    main(sys.argv)
