#! /usr/bin/env python3
# Copyright (c) 2026 The flowexport authors.
# Licensed under the Apache License, Version 2.0.
"""Wraps an Ethernet frame into a tunnel, for feeding real tunnel traffic
to OVS's native tunnels on the dummy datapath (tests/tunnel.at):

  fx-encap.py TYPE OUTER_SRC OUTER_DST KEY [UDP_SRC] < FRAME

TYPE is vxlan (UDP 4789, RFC 7348; vxlan:PORT for another UDP destination
port), geneve (UDP 6081, RFC 8926, no options), gre (RFC 2890, with the key, Transparent Ethernet Bridging),
erspan (ERSPAN type II, i.e. version 1) or erspan2 (type III, version 2);
ERSPAN goes over GRE with a sequence number and no key, KEY is its 10-bit
session id.
OUTER_SRC and OUTER_DST are both IPv4 or both IPv6 addresses; KEY is the
VNI or GRE key; UDP_SRC (default 49152) is the outer UDP source port.
FRAME is read from stdin as hexadecimal, either plain or as the hex dump
of "ovs-ofctl compose-packet" (offsets first, "-" in the middle).  Prints
the outer frame as one line of hexadecimal, for netdev-dummy/receive:
Ethernet from f8:bc:12:44:34:b6 to aa:55:aa:55:00:00, IPv4 (DF, TTL 64)
or IPv6 (hop limit 64) with correct checksums, UDP checksum 0 over IPv4,
computed over IPv6.
"""

import importlib.util
import ipaddress
import os
import struct
import sys

OUTER_ETH = bytes.fromhex("aa55aa550000" "f8bc124434b6")

# The Internet checksum of fx-traffic.py, next to this file.
_spec = importlib.util.spec_from_file_location(
    "fx_traffic", os.path.join(os.path.dirname(os.path.abspath(__file__)),
                               "fx-traffic.py"))
_fx_traffic = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_fx_traffic)
checksum = _fx_traffic.inet_csum


def read_frame(text):
    digits = []
    for line in text.splitlines():
        words = line.split()
        if len(words) > 1 and len(words[0]) == 8 and "-" in line:
            words = words[1:]           # "ovs-ofctl compose-packet" offset
        digits.append("".join(words).replace("-", ""))
    return bytes.fromhex("".join(digits))


def main():
    if len(sys.argv) not in (5, 6):
        sys.exit(__doc__)
    kind, src, dst, key = sys.argv[1:5]
    udp_src = int(sys.argv[5]) if len(sys.argv) == 6 else 49152
    key = int(key, 0)
    src = ipaddress.ip_address(src)
    dst = ipaddress.ip_address(dst)
    inner = read_frame(sys.stdin.read())

    if kind == "gre":
        proto = 47
        l4 = struct.pack("!HHI", 0x2000, 0x6558, key) + inner
    elif kind == "erspan":
        proto = 47
        l4 = struct.pack("!HHIHHI", 0x1000, 0x88be, 1, 0x1000,
                         key & 0x3ff, 3) + inner       # Index 3.
    elif kind == "erspan2":
        proto = 47
        l4 = struct.pack("!HHIHHIHH", 0x1000, 0x22eb, 1, 0x2000,
                         key & 0x3ff, 0, 0, 0x0070) + inner    # Hwid 7.
    elif kind.split(":")[0] in ("vxlan", "geneve"):
        proto = 17
        if kind.startswith("vxlan"):
            port = int(kind.split(":")[1]) if ":" in kind else 4789
            tunnel = struct.pack("!II", 0x08000000, key << 8)
        else:
            port, tunnel = 6081, struct.pack("!HHI", 0, 0x6558, key << 8)
        payload = tunnel + inner
        l4 = struct.pack("!HHHH", udp_src, port, 8 + len(payload), 0)
        l4 += payload
    else:
        sys.exit("fx-encap: unknown tunnel type %s" % kind)

    if src.version == 4:
        ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(l4), 0, 0x4000,
                         64, proto, 0, src.packed, dst.packed)
        ip = ip[:10] + struct.pack("!H", checksum(ip)) + ip[12:]
        ethertype = 0x0800
    else:
        ip = struct.pack("!IHBB16s16s", 6 << 28, len(l4), proto, 64,
                         src.packed, dst.packed)
        if proto == 17:
            pseudo = struct.pack("!16s16sIxxxB", src.packed, dst.packed,
                                 len(l4), proto)
            csum = checksum(pseudo + l4) or 0xffff
            l4 = l4[:6] + struct.pack("!H", csum) + l4[8:]
        ethertype = 0x86dd

    frame = OUTER_ETH + struct.pack("!H", ethertype) + ip + l4
    print(frame.hex())


if __name__ == "__main__":
    main()
