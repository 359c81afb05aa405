#! /usr/bin/env python3
# Copyright (c) 2026 The flowexport authors.
# Licensed under the Apache License, Version 2.0.
"""ipfix-craft.py [--domain=N] [--seq=rfc|flows]
                (--read=FILE | --raw=FILE | --send=PORT --sport=PORT) MSG...

Test helper: writes IPFIX messages (RFC 7011) made to order, for testing
collectors.  Each MSG is one message, a comma-separated list of sets:

  tID:N     a template set with template ID of N fields (elements 1, 2, ...,
            4 bytes each)
  oID:N     an options template set with options template ID of N fields,
            the first a scope field
  dID[:N]   a data set with one record of template ID, of N fields or as
            last crafted here (every field has the value 1)
  wID       a template withdrawal of ID (2: all templates, 3: all options
            templates)

With --read, the messages go into FILE, each preceded by its length as a
4-byte big-endian integer (flowexport-decode --read); with --raw, into FILE
back to back (the IPFIX file format, for ipfixDump); with --send, to UDP
port PORT of 127.0.0.1 from source port --sport.  The sequence number counts
the data records, options data records included, as RFC 7011 section 3.1
says (--seq=rfc, the default), or only the data records of (non-options)
templates (--seq=flows, as nfdump 1.7 counts); messages with no set are
empty (header only)."""

import socket
import struct
import sys


def set_(set_id, body):
    return struct.pack("!HH", set_id, 4 + len(body)) + body


def fields(n):
    return b"".join(struct.pack("!HH", i, 4) for i in range(1, n + 1))


def main(argv):
    opts = {}
    msgs = []
    for arg in argv[1:]:
        if arg.startswith("--"):
            key, _, value = arg[2:].partition("=")
            opts[key] = value
        else:
            msgs.append(arg)
    domain = int(opts.get("domain", "1"))
    count_options = opts.get("seq", "rfc") == "rfc"
    lengths = {}
    options = set()
    seq = 0
    out = []
    for msg in msgs:
        body = b""
        n_data = 0
        for spec in filter(None, msg.split(",")):
            kind, rest = spec[0], spec[1:]
            if kind in "to":
                tid, n = (int(x) for x in rest.split(":"))
                lengths[tid] = n
                if kind == "o":
                    options.add(tid)
                else:
                    options.discard(tid)
                if kind == "t":
                    body += set_(2, struct.pack("!HH", tid, n) + fields(n))
                else:
                    body += set_(3, struct.pack("!HHH", tid, n, 1) +
                                 fields(n))
            elif kind == "d":
                tid, _, n = rest.partition(":")
                n = int(n) if n else lengths[int(tid)]
                body += set_(int(tid), struct.pack("!I", 1) * n)
                n_data += count_options or int(tid) not in options
            elif kind == "w":
                tid = int(rest)
                body += set_(3 if tid == 3 else 2,
                             struct.pack("!HH", tid, 0))
            else:
                sys.exit("%s: bad set %r" % (argv[0], spec))
        out.append(struct.pack("!HHIII", 10, 16 + len(body), 1700000000,
                               seq, domain) + body)
        seq += n_data

    if "read" in opts:
        with open(opts["read"], "wb") as f:
            for m in out:
                f.write(struct.pack("!I", len(m)) + m)
    elif "raw" in opts:
        with open(opts["raw"], "wb") as f:
            f.write(b"".join(out))
    else:
        sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        sock.bind(("127.0.0.1", int(opts["sport"])))
        for m in out:
            sock.sendto(m, ("127.0.0.1", int(opts["send"])))


if __name__ == "__main__":
    main(sys.argv)
