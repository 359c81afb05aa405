#! /usr/bin/env python3
# Copyright (c) 2026 The flowexport authors.
# Licensed under the Apache License, Version 2.0.
#
# make-seeds.py OUTDIR
#
# Writes seed inputs for the libFuzzer targets of tests/fuzz into
# OUTDIR/decode, OUTDIR/records, OUTDIR/target and OUTDIR/options, so that
# no binary file
# needs to be in the repository.  Each seed is a small valid (or nearly
# valid) input in the format its target reads:
#
#   decode   a flags byte, then length-prefixed NetFlow v5, NetFlow v9 and
#            IPFIX messages: templates, options templates, data with fixed
#            and variable-length fields, enterprise elements, withdrawals
#            (see tests/fuzz/fuzz-decode.c)
#   records  a header (limits, encoder settings, MTU) and a sequence of
#            flow cache operations (see tests/fuzz/fuzz-records.c)
#   target   collector target strings (see tests/fuzz/fuzz-target.c)
#   options  numeric exporter options, then NUL-separated source,
#            interface and targets (see tests/fuzz/fuzz-options.c)
#
# The output is deterministic; existing files are overwritten.

import os
import struct
import sys


# ---- decode -------------------------------------------------------------

def v5_message(records, seq=0, engine=(0, 0)):
    hdr = struct.pack("!HHIIIIBBH", 5, len(records), 1000, 1700000000, 0,
                      seq, engine[0], engine[1], 0)
    body = b""
    for src, dst, sport, dport, proto, pkts, octets in records:
        body += struct.pack("!4s4s4sHHIIIIHHBBBBHHBBH",
                            bytes(src), bytes(dst), bytes(4), 1, 2,
                            pkts, octets, 10, 20, sport, dport,
                            0, 0x1b, proto, 0, 0, 0, 0, 0, 0)
    return hdr + body


def set_(set_id, body):
    body += bytes(-len(body) % 4)
    return struct.pack("!HH", set_id, 4 + len(body)) + body


def template(tid, fields, enterprise=None):
    """fields: list of (id, length) or (id, length, enterprise_number)."""
    out = struct.pack("!HH", tid, len(fields))
    for f in fields:
        if len(f) == 3:
            out += struct.pack("!HHI", f[0] | 0x8000, f[1], f[2])
        else:
            out += struct.pack("!HH", f[0], f[1])
    return out


V4_FIELDS = [(8, 4), (12, 4), (5, 1), (4, 1), (7, 2), (11, 2), (6, 2),
             (10, 4), (14, 4), (61, 1), (1, 8), (2, 8), (22, 4), (21, 4)]
V6_FIELDS = [(27, 16), (28, 16), (5, 1), (4, 1), (7, 2), (11, 2), (6, 2),
             (10, 4), (14, 4), (61, 1), (1, 8), (2, 8), (22, 4), (21, 4)]


def v4_record(pkts, octets):
    return (bytes([10, 0, 0, 1]) + bytes([10, 0, 0, 2]) +
            struct.pack("!BBHHHIIBQQII", 0, 6, 40000, 80, 0x1b, 1, 2, 0,
                        octets, pkts, 100, 200))


def v6_record(pkts, octets):
    a = bytes([0x20, 0x01, 0x0d, 0xb8] + [0] * 11 + [1])
    b = bytes([0x20, 0x01, 0x0d, 0xb8] + [0] * 11 + [2])
    return a + b + struct.pack("!BBHHHIIBQQII", 0, 17, 5000, 53, 0, 1, 2, 0,
                               octets, pkts, 100, 200)


def v9_message(sets, seq=0, source_id=7):
    return struct.pack("!HHIIII", 9, len(sets), 1000, 1700000000, seq,
                       source_id) + b"".join(sets)


def ipfix_message(sets, seq=0, domain=7):
    body = b"".join(sets)
    return struct.pack("!HHIII", 10, 16 + len(body), 1700000000, seq,
                       domain) + body


def stream(*messages):
    return b"".join(struct.pack("!I", len(m)) + m for m in messages)


def decode_seeds():
    seeds = {}
    v5 = v5_message([((10, 0, 0, 1), (10, 0, 0, 2), 40000, 80, 6, 3, 180),
                     ((10, 0, 0, 3), (10, 0, 0, 4), 0, 0x0800, 1, 1, 84)])
    seeds["v5"] = b"\x00" + stream(v5)
    seeds["v5-headers"] = b"\x03" + stream(v5, v5_message([], seq=2))

    tmpl = set_(0, template(256, V4_FIELDS) + template(257, V6_FIELDS))
    data = set_(256, v4_record(3, 180) + v4_record(1, 60)) + \
        set_(257, v6_record(2, 200))
    seeds["v9"] = b"\x01" + stream(v9_message([tmpl, data]),
                                   v9_message([data], seq=3))
    # v9 options template (RFC 3954 section 6.1) and its data.
    opt = set_(1, struct.pack("!HHHHHHH", 258, 4, 8, 1, 4, 34, 4) +
               struct.pack("!HH", 35, 1))
    optdata = set_(258, struct.pack("!IIB", 0, 1, 1))
    seeds["v9-options"] = b"\x01" + stream(v9_message([opt, optdata]))

    itmpl = set_(2, template(256, V4_FIELDS) + template(257, V6_FIELDS))
    seeds["ipfix"] = b"\x01" + stream(ipfix_message([itmpl, data]),
                                      ipfix_message([data], seq=3))
    # Variable-length and enterprise fields.
    vtmpl = set_(2, template(300, [(8, 4), (82, 65535), (1, 8),
                                   (100, 4, 32473)]))
    vdata = set_(300, bytes([192, 0, 2, 1]) + b"\x03eth" +
                 struct.pack("!Q", 1500) + b"\x00\x00\x00\x01" +
                 bytes([192, 0, 2, 2]) + b"\xff\x00\x02ab" +
                 struct.pack("!Q", 60) + b"\x00\x00\x00\x02")
    seeds["ipfix-varlen"] = b"\x01" + stream(ipfix_message([vtmpl, vdata]))
    # IPFIX options template (scope count) and withdrawals.
    iopt = set_(3, struct.pack("!HHH", 301, 2, 1) +
                struct.pack("!HHHH", 149, 4, 41, 8))
    ioptdata = set_(301, struct.pack("!IQ", 7, 12))
    withdraw = set_(2, struct.pack("!HH", 256, 0))
    withdraw_all = [set_(2, struct.pack("!HH", 2, 0)),
                    set_(3, struct.pack("!HH", 3, 0))]
    seeds["ipfix-options"] = b"\x01" + stream(
        ipfix_message([itmpl, iopt, ioptdata, data]),
        ipfix_message([withdraw, data]),
        ipfix_message(withdraw_all),
        ipfix_message([data]))
    seeds["ipfix-single"] = b"\x05" + ipfix_message([itmpl, data])
    seeds["mixed"] = b"\x09" + stream(v5, v9_message([tmpl, data]),
                                      ipfix_message([itmpl, data]))
    # Template lifetime 2.5 s with messages 1 s apart: the third message's
    # data finds its template expired, then a refresh brings it back.
    seeds["ipfix-expire"] = b"\x41" + stream(
        ipfix_message([itmpl, data]), ipfix_message([data]),
        ipfix_message([]), ipfix_message([data]),
        ipfix_message([itmpl, data]))
    # Small memory limits: the second template set is refused, a smaller
    # replacement of a template is not, a withdrawal frees memory.
    big = [(i, 4) for i in range(1, 61)]
    seeds["ipfix-limits"] = b"\x81" + stream(
        ipfix_message([set_(2, template(256, V4_FIELDS))]),
        ipfix_message([set_(2, template(258, big))]),
        ipfix_message([set_(2, template(256, V4_FIELDS[:4])), withdraw]),
        ipfix_message([set_(2, template(258, big)), data]))
    return seeds


# ---- records ------------------------------------------------------------

def records_header(flags=0x08, active=1000, inactive=500, engine=(2, 3),
                   domain=7, mtu=1400, refresh=20, keys=0):
    """keys: the key byte of fuzz-records.c's parse_header(): optional
    parts (bits 0-3), track level (bits 4-5), biflows (0x40), an exporter
    coarser than the cache (0x80)."""
    out = struct.pack("!B", flags)
    if flags & 8:
        out += struct.pack("!H", active)
    return out + struct.pack("!HBBIHBB", inactive, engine[0], engine[1],
                             domain, mtu - 32, refresh, keys)


def stats(pkts, octets, tcp_flags=0, used=0, out_port=None):
    out = struct.pack("!BQQH", used, pkts, octets, tcp_flags)
    if out_port is not None:
        out += struct.pack("!H", out_port)
    return out


def new_flow4(op, in_port, src, dst, proto, sport, dport, tos=0, frag=0,
              sel=0):
    return struct.pack("!BBBBBBBBBHH", op, sel, in_port, src, dst, 0, proto,
                       tos, frag, sport, dport)


def new_flow6(op, in_port, proto, sport, dport, tos=0):
    a = bytes([0x20, 0x01, 0x0d, 0xb8] + [0] * 11 + [1])
    b = bytes([0x20, 0x01, 0x0d, 0xb8] + [0] * 11 + [2])
    return struct.pack("!BBB", op, 0x11, in_port) + a + b + \
        struct.pack("!BBBHH", proto, tos, 0, sport, dport)


def new_flow_x(op, in_port, src, dst, proto, sport, dport, mac=0, vlan=None,
               tunnel=None, mpls=None):
    """A compact IPv4 flow (MPLS with 'mpls', a list of labels) with the
    extras that the optional key parts look at (fuzz-records.c's
    take_flow_extras()): 'mac' picks the MACs, 'vlan' is (outer VID, or
    None) and 'tunnel' is (flags byte, key)."""
    sel = 0x22 if mpls else 0x20
    x = mac & 0x0f
    extra = b""
    if vlan is not None:
        x |= 0x10
        extra += struct.pack("!H", vlan)
    if tunnel is not None:
        x |= 0x40
        extra += struct.pack("!BB", *tunnel)
    if mpls:
        x |= 0x80 if len(mpls) > 1 else 0
        extra += struct.pack("!B", 1 if len(mpls) > 2 else 0)
        extra += b"".join(struct.pack("!H", label) for label in mpls)
    return struct.pack("!BBBBBBBBBHHB", op, sel, in_port, src, dst, 0, proto,
                       0, 0, sport, dport, x) + extra


EXPIRE = struct.pack("!BI", 0xe0, 60000)
FLUSH = b"\xf0"


def records_seeds():
    seeds = {}
    tcp = new_flow4(0x01, 1, 1, 2, 6, 40000, 80, tos=0x2a)
    udp = new_flow4(0x02, 2, 2, 1, 17, 53, 5353)
    icmp = new_flow4(0x21, 1, 3, 4, 1, 8, 0)
    udp6 = new_flow6(0x01, 1, 17, 5000, 53)
    icmp6 = new_flow6(0x02, 3, 58, 128, 0)
    seeds["basic"] = (records_header() +
                      tcp + stats(3, 180, 0x02, used=1) +
                      udp + stats(1, 100) +
                      icmp + stats(2, 168, out_port=0xfffd) +
                      udp6 + stats(4, 400) +
                      icmp6 + stats(1, 104) +
                      b"\xc1" + stats(5, 300, 0x11) +
                      EXPIRE + FLUSH)
    # Counters beyond 32 bits (v5 splits them over several records).
    seeds["big"] = (records_header(flags=0) +
                    tcp + stats(1 << 33, 1 << 39, 0x10) +
                    udp6 + stats(1 << 32, 1 << 38) + FLUSH)
    # max_flows 2: evictions; output port changes.
    seeds["evict"] = (records_header(flags=0x02) + tcp + stats(1, 60) +
                      udp + stats(1, 60) + icmp + stats(1, 84) +
                      udp6 + stats(1, 80) + b"\xc2" + stats(1, 80) +
                      b"\xc3" + stats(2, 160, used=0x90) + EXPIRE)
    # Small MTU (the schema's minimum) and templates in every message.
    flows = b"".join(new_flow4(0x01, i % 8, i, 255 - i, 6, 1000 + i, 80) +
                     stats(i + 1, 60 * (i + 1), 0x18)
                     for i in range(40))
    seeds["mtu512"] = records_header(mtu=512, refresh=0) + flows + \
        udp6 + stats(1, 1) + FLUSH
    seeds["mtu-tiny"] = records_header(mtu=100, flags=0x30) + flows
    # A whole 'struct flow' (selector bit 0x80): zeros but for what the
    # selector forces (dl_type IPv4).
    seeds["whole-flow"] = records_header() + b"\x01\x80" + bytes(1024) + \
        stats(1, 64)
    # Every key part, biflows: conversations in both directions, with MACs,
    # VLANs and VXLAN, GRE and Geneve tunnels, and MPLS flows.
    conv = b""
    for i in range(6):
        tun = (2 * (i % 3) + (i & 1), i)
        conv += new_flow_x(0x01, 1, i, 100 + i, 6, 40000 + i, 443, mac=i,
                           vlan=10 + i % 2, tunnel=tun) + stats(3, 300, 0x02)
        conv += new_flow_x(0x02, 2, 100 + i, i, 6, 443, 40000 + i,
                           mac=((i & 3) << 2) | (i >> 2), vlan=10 + i % 2,
                           tunnel=tun) + stats(2, 250, 0x12)
    mpls = b"".join(new_flow_x(0x01, 3, 0, 0, 0, 0, 0, mpls=labels) +
                    stats(1, 100)
                    for labels in ([16], [17, 18], [19, 20, 21]))
    seeds["keys-biflow"] = records_header(keys=0x4f) + conv + mpls + FLUSH
    seeds["keys-biflow-mtu512"] = records_header(keys=0x4f, mtu=512) + \
        conv + mpls + FLUSH
    seeds["biflow-mtu512"] = records_header(keys=0x40, mtu=512) + conv + \
        FLUSH
    seeds["keys-mpls-v9"] = records_header(keys=0x04) + mpls + FLUSH
    seeds["keys-coarse-exporter"] = records_header(keys=0x8b) + conv + \
        EXPIRE
    return seeds


# ---- target -------------------------------------------------------------

TARGETS = [
    "127.0.0.1:2055", "192.0.2.10:9995", "[::1]:4739",
    "[2001:db8::1]:2055", "[fe80::1%lo]:4739", "localhost:2055",
    "collector.example:4739", "127.0.0.1", "127.0.0.1:", "127.0.0.1:99999",
    "[::1", "::1:2055", ":2055", "", "[]:1", "255.255.255.255:9",
    "0.0.0.0:0", "127.0.0.1:-1", "udp:127.0.0.1:2055", "udp:[::1]:4739",
    "tcp:127.0.0.1:4739", "ssl:[::1]:4739", "tcp:", "ssl:x", "tcp:1.2.3.4",
]


# ---- options ------------------------------------------------------------

# The numeric header of fuzz-options.c, in its parse_options() order: flags,
# protocol, key parts, track level, engine type, engine id, domain, MTU,
# template seconds, template messages, sampling, sampling mode, active,
# inactive, FIN, RST, max life, max flows, DSCP, TTL, and the seed of the
# traffic that valid options export.  Each value is taken modulo its
# range, so these are offsets into the ranges.
def options_header(flags=0, protocol=2, parts=0, level=0, sampling=0,
                   mode=0, mtu=888, traffic=40):
    values = [flags, protocol, parts, level, 1, 2, 3, mtu, 9, 19, sampling,
              mode, 60, 14, 0, 0, 0, 1000, 0, 0, traffic]
    return struct.pack("!%dI" % len(values), *values)


def options_seeds():
    seeds = {}
    strings = [
        ("udp", ["", "", "127.0.0.1:2055"]),
        ("two", ["", "", "127.0.0.1:2055", "[::1]:4739"]),
        ("source", ["127.0.0.1", "", "127.0.0.1:2055"]),
        ("bad-source", ["not-an-address", "", "127.0.0.1:2055"]),
        ("interface", ["", "lo", "127.0.0.1:2055"]),
        ("bad-interface", ["", "a/b", "127.0.0.1:2055"]),
        ("tls-source", ["::1", "", "ssl:[::1]:4739"]),
        ("sctp", ["", "", "sctp:127.0.0.1:4739"]),
        ("none", ["", ""]),
    ]
    for name, fields in strings:
        seeds[name] = options_header() + b"\x00".join(
            f.encode() for f in fields)
    seeds["sampling-mode-no-rate"] = options_header(flags=4, mode=1) + \
        b"\x00\x00127.0.0.1:2055"
    seeds["balance-v9-sampled"] = options_header(
        flags=2, protocol=1, parts=15, level=2, sampling=3, mode=2) + \
        b"\x00\x00127.0.0.1:2055\x00[::1]:2056"
    # Every key part, with biflows (flags bit 4), at MTUs from the smallest
    # that configuration allows (offset 0 is 512) to the default.
    for mtu in (0, 400, 888):
        seeds["keys-biflow-mtu%d" % (512 + mtu)] = options_header(
            flags=16, parts=15, mtu=mtu, traffic=63) + \
            b"\x00\x00127.0.0.1:4739"
    seeds["keys-v9-mirror"] = options_header(protocol=1, parts=15,
                                             traffic=63) + \
        b"\x00\x00127.0.0.1:2055\x00[::1]:2056"
    seeds["v5-mixed"] = options_header(protocol=0, traffic=50) + \
        b"\x00\x00127.0.0.1:2055"
    return seeds


def write(outdir, kind, seeds):
    d = os.path.join(outdir, kind)
    os.makedirs(d, exist_ok=True)
    for name, data in seeds.items():
        with open(os.path.join(d, "seed-" + name), "wb") as f:
            f.write(data)


def main():
    if len(sys.argv) != 2:
        sys.stderr.write("usage: %s OUTDIR\n" % sys.argv[0])
        sys.exit(1)
    outdir = sys.argv[1]
    write(outdir, "decode", decode_seeds())
    write(outdir, "records", records_seeds())
    write(outdir, "target", {"%02d" % i: t.encode()
                             for i, t in enumerate(TARGETS)})
    write(outdir, "options", options_seeds())


if __name__ == "__main__":
    main()
