#! /usr/bin/env python3
# Copyright (c) 2026 The flowexport authors.
# Licensed under the Apache License, Version 2.0.
"""dns-server.py ADDRESS NAME ANSWERFILE [TTL]

Test helper: a tiny DNS server on UDP ADDRESS port 53 that answers
queries for NAME from the first line of ANSWERFILE, read again for every
query so that a test can switch the answer while it runs:

  an IPv4 address   A answer (and an empty AAAA answer)
  an IPv6 address   AAAA answer (and an empty A answer)
  servfail          SERVFAIL
  nxdomain          NXDOMAIN

with a TTL of TTL seconds (default 1).  Other names get NXDOMAIN.  Each
query is appended to ANSWERFILE.log as "TYPE ANSWER".  Writes "ready" to
stdout once listening.  Runs until killed."""

import ipaddress
import socket
import struct
import sys

QTYPE_A = 1
QTYPE_AAAA = 28
RCODE_NXDOMAIN = 3
RCODE_SERVFAIL = 2


def parse_question(msg):
    """Returns (id, flags, question bytes, qname, qtype), or None."""
    if len(msg) < 12:
        return None
    qid, flags, qdcount = struct.unpack("!HHH", msg[:6])
    if qdcount != 1 or flags & 0x8000:
        return None
    pos = 12
    labels = []
    while True:
        if pos >= len(msg):
            return None
        n = msg[pos]
        pos += 1
        if n == 0:
            break
        labels.append(msg[pos:pos + n].decode("ascii", "replace"))
        pos += n
    if pos + 4 > len(msg):
        return None
    qtype = struct.unpack("!H", msg[pos:pos + 2])[0]
    question = msg[12:pos + 4]
    return qid, flags, question, ".".join(labels).lower(), qtype


def reply(qid, qflags, question, rcode, answers=()):
    # QR, opcode 0, AA, RD copied from the query, RA.
    flags = 0x8000 | 0x0400 | (qflags & 0x0100) | 0x0080 | rcode
    msg = struct.pack("!HHHHHH", qid, flags, 1, len(answers), 0, 0)
    msg += question
    for rtype, ttl, rdata in answers:
        # Name: pointer to the question's name at offset 12.
        msg += struct.pack("!HHHIH", 0xc00c, rtype, 1, ttl, len(rdata))
        msg += rdata
    return msg


def main(argv):
    address, name, answerfile = argv[1:4]
    ttl = int(argv[4]) if len(argv) > 4 else 1
    name = name.lower().rstrip(".")

    family = socket.AF_INET6 if ":" in address else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_DGRAM)
    sock.bind((address, 53))
    print("ready", flush=True)

    log = open(answerfile + ".log", "a")
    while True:
        msg, peer = sock.recvfrom(4096)
        q = parse_question(msg)
        if q is None:
            continue
        qid, qflags, question, qname, qtype = q

        if qname != name:
            answer = "nxdomain"
        else:
            try:
                with open(answerfile) as f:
                    answer = f.readline().strip()
            except OSError:
                answer = "servfail"

        if answer == "servfail":
            out = reply(qid, qflags, question, RCODE_SERVFAIL)
        elif answer == "nxdomain":
            out = reply(qid, qflags, question, RCODE_NXDOMAIN)
        else:
            ip = ipaddress.ip_address(answer)
            want = QTYPE_A if ip.version == 4 else QTYPE_AAAA
            answers = [(qtype, ttl, ip.packed)] if qtype == want else []
            out = reply(qid, qflags, question, 0, answers)
        log.write("%s %s %s\n" % (qname, qtype, answer))
        log.flush()
        sock.sendto(out, peer)


if __name__ == "__main__":
    main(sys.argv)
