#! /usr/bin/env python3
# Copyright (c) 2026 The flowexport authors.
# Licensed under the Apache License, Version 2.0.
"""Traffic for the end-to-end tests (tests/system-userspace.at) and for
utilities/flowexport-soak, with nothing but the Python standard library
(the test machines have neither ping nor ethtool nor nc).  Meant to be run
inside a network namespace ("ip netns exec NS fx-traffic.py ...").  Every
command is bounded in time.

  txcsum-off IFACE...        turn off TX checksum offload (as "ethtool -K
                             IFACE tx off"); needed for veths into OVS's
                             userspace datapath, which reads them through
                             AF_PACKET and would forward packets with
                             unfinished checksums
  ping DST COUNT INTERVAL    ICMP or ICMPv6 echo, 56 bytes of data (98- or
                             118-byte frames); fails unless every echo is
                             answered
  tcp-server ADDR PORT READY [SECONDS]
                             accept connections for SECONDS (default 10),
                             read each to EOF and answer with the number of
                             bytes read; writes READY once listening.  With
                             SECONDS 0: one connection, then exit.
  tcp-client ADDR PORT BYTES [COUNT [RATE]]
                             COUNT (default 1) connections, each sending
                             BYTES and checking the answer; RATE connections
                             a second at most
  tcp-stream ADDR PORT SECONDS BYTES_PER_SECOND
                             one long connection sending at a bounded rate
  udp-stream ADDR PORT SECONDS PPS [SIZE]
                             one UDP flow (fixed source port) at PPS
  udp-churn ADDR[,ADDR...] SECONDS PPS [PORT-RANGE]
                             one datagram per new socket (a new flow each),
                             to random ports of PORT-RANGE (default
                             20000-29999) of the addresses in turn
  ping-loop DST SECONDS INTERVAL
                             echo requests for SECONDS, no checking
"""

import ctypes
import fcntl
import os
import random
import select
import socket
import struct
import sys
import time


def die(msg):
    sys.stderr.write("fx-traffic: %s\n" % msg)
    sys.exit(1)


def family_of(addr):
    return socket.AF_INET6 if ":" in addr else socket.AF_INET


# --- txcsum-off -----------------------------------------------------------

SIOCETHTOOL = 0x8946
ETHTOOL_GTXCSUM = 0x16
ETHTOOL_STXCSUM = 0x17


def ethtool_value(sock, ifname, cmd, data=0):
    buf = ctypes.create_string_buffer(struct.pack("II", cmd, data))
    ifr = struct.pack("16sP", ifname.encode(), ctypes.addressof(buf))
    ifr += b"\0" * (40 - len(ifr))
    fcntl.ioctl(sock.fileno(), SIOCETHTOOL, ifr)
    return struct.unpack("II", buf.raw[:8])[1]


def cmd_txcsum_off(args):
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        for ifname in args:
            ethtool_value(s, ifname, ETHTOOL_STXCSUM, 0)
            if ethtool_value(s, ifname, ETHTOOL_GTXCSUM) != 0:
                die("%s: TX checksum offload still on" % ifname)


# --- ping -----------------------------------------------------------------

def inet_csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff


class Pinger:
    DATA = bytes(range(56))

    def __init__(self, dst):
        self.dst = dst
        self.v6 = family_of(dst) == socket.AF_INET6
        if self.v6:
            self.sock = socket.socket(socket.AF_INET6, socket.SOCK_RAW,
                                      socket.IPPROTO_ICMPV6)
        else:
            self.sock = socket.socket(socket.AF_INET, socket.SOCK_RAW,
                                      socket.IPPROTO_ICMP)
        self.ident = os.getpid() & 0xffff

    def send(self, seq):
        etype = 128 if self.v6 else 8
        hdr = struct.pack("!BBHHH", etype, 0, 0, self.ident, seq)
        csum = 0 if self.v6 else inet_csum(hdr + self.DATA)  # kernel does v6
        hdr = struct.pack("!BBHHH", etype, 0, csum, self.ident, seq)
        self.sock.sendto(hdr + self.DATA, (self.dst, 0))

    def recv_replies(self, timeout):
        """Returns the sequence numbers of the echo replies that arrive
        within 'timeout' seconds (returns early after the first)."""
        seqs = []
        end = time.monotonic() + timeout
        while not seqs:
            left = end - time.monotonic()
            if left <= 0 or not select.select([self.sock], [], [], left)[0]:
                break
            pkt = self.sock.recv(65535)
            if not self.v6:
                pkt = pkt[(pkt[0] & 0x0f) * 4:]
            if len(pkt) < 8:
                continue
            etype, _, _, ident, seq = struct.unpack("!BBHHH", pkt[:8])
            if etype == (129 if self.v6 else 0) and ident == self.ident:
                seqs.append(seq)
        return seqs


def cmd_ping(args):
    dst, count, interval = args[0], int(args[1]), float(args[2])
    p = Pinger(dst)
    answered = set()
    start = time.monotonic()
    for seq in range(1, count + 1):
        p.send(seq)
        # Wait up to 1 s for this echo's reply, then keep the pace.
        end = time.monotonic() + 1
        while seq not in answered and time.monotonic() < end:
            answered.update(p.recv_replies(end - time.monotonic()))
        delay = start + seq * interval - time.monotonic()
        if delay > 0:
            time.sleep(delay)
    print("%d packets transmitted, %d received" % (count, len(answered)))
    if len(answered) != count:
        sys.exit(1)


def cmd_ping_loop(args):
    dst, seconds, interval = args[0], float(args[1]), float(args[2])
    p = Pinger(dst)
    end = time.monotonic() + seconds
    seq = 0
    while time.monotonic() < end:
        seq = (seq + 1) & 0xffff
        try:
            p.send(seq)
        except OSError:
            pass
        p.recv_replies(interval)
        time.sleep(max(0, interval - 0.001))


# --- TCP ------------------------------------------------------------------

def cmd_tcp_server(args):
    addr, port, ready = args[0], int(args[1]), args[2]
    seconds = float(args[3]) if len(args) > 3 else 10.0
    srv = socket.socket(family_of(addr), socket.SOCK_STREAM)
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind((addr, port))
    srv.listen(128)
    srv.setblocking(False)
    with open(ready + ".tmp", "w") as f:
        f.write("%d\n" % os.getpid())
    os.rename(ready + ".tmp", ready)

    end = time.monotonic() + (seconds if seconds > 0 else 10.0)
    conns = {}                  # socket -> bytes read so far
    n_done = 0
    while time.monotonic() < end:
        rl = [srv] + list(conns)
        r = select.select(rl, [], [], min(0.5, end - time.monotonic()))[0]
        for s in r:
            if s is srv:
                try:
                    c, _ = srv.accept()
                except BlockingIOError:
                    continue
                c.setblocking(False)
                conns[c] = 0
                continue
            try:
                data = s.recv(65536)
            except (BlockingIOError, InterruptedError):
                continue
            except OSError:
                data = b""
                conns[s] = -1
            if data:
                conns[s] += len(data)
                continue
            try:
                s.setblocking(True)
                s.settimeout(2)
                s.sendall(b"%d\n" % conns[s])
            except OSError:
                pass
            s.close()
            del conns[s]
            n_done += 1
            if seconds <= 0:
                return
    for s in conns:
        s.close()
    if seconds <= 0:
        die("tcp-server: no connection completed")


def tcp_connect(addr, port, timeout=5.0):
    end = time.monotonic() + timeout
    while True:
        s = socket.socket(family_of(addr), socket.SOCK_STREAM)
        s.settimeout(max(0.1, end - time.monotonic()))
        try:
            s.connect((addr, port))
            return s
        except OSError:
            s.close()
            if time.monotonic() >= end:
                raise
            time.sleep(0.1)


def cmd_tcp_client(args):
    addr, port, nbytes = args[0], int(args[1]), int(args[2])
    count = int(args[3]) if len(args) > 3 else 1
    rate = float(args[4]) if len(args) > 4 else 0
    payload = bytes(random.getrandbits(8) for _ in range(min(nbytes, 65536)))
    failures = 0
    start = time.monotonic()
    for i in range(count):
        if rate:
            delay = start + i / rate - time.monotonic()
            if delay > 0:
                time.sleep(delay)
        try:
            s = tcp_connect(addr, port)
            s.settimeout(5)
            left = nbytes
            while left > 0:
                n = min(left, len(payload))
                s.sendall(payload[:n])
                left -= n
            s.shutdown(socket.SHUT_WR)
            answer = b""
            while True:
                data = s.recv(100)
                if not data:
                    break
                answer += data
            s.close()
            if answer.strip() != b"%d" % nbytes:
                failures += 1
        except OSError:
            failures += 1
    if count == 1 and not failures:
        print("sent %d bytes, server read %d" % (nbytes, nbytes))
    elif failures:
        print("%d of %d connections failed" % (failures, count))
    if failures and count == 1:
        sys.exit(1)


def cmd_tcp_stream(args):
    addr, port = args[0], int(args[1])
    seconds, bps = float(args[2]), float(args[3])
    s = tcp_connect(addr, port)
    s.settimeout(5)
    chunk = b"x" * 4096
    start = time.monotonic()
    end = start + seconds
    sent = 0
    while time.monotonic() < end:
        due = start + sent / bps
        delay = due - time.monotonic()
        if delay > 0:
            time.sleep(max(0, min(delay, end - time.monotonic())))
            continue
        s.sendall(chunk)
        sent += len(chunk)
    s.shutdown(socket.SHUT_WR)
    try:
        s.recv(100)
    except OSError:
        pass
    s.close()


# --- UDP ------------------------------------------------------------------

def paced(seconds, pps):
    """Yields 0, 1, 2... at 'pps' a second, for 'seconds'."""
    start = time.monotonic()
    i = 0
    while True:
        due = start + i / pps
        if due >= start + seconds:
            return
        delay = due - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        yield i
        i += 1


def cmd_udp_stream(args):
    addr, port = args[0], int(args[1])
    seconds, pps = float(args[2]), float(args[3])
    size = int(args[4]) if len(args) > 4 else 100
    s = socket.socket(family_of(addr), socket.SOCK_DGRAM)
    for _ in paced(seconds, pps):
        try:
            s.sendto(b"u" * size, (addr, port))
        except OSError:
            pass                # ICMP port unreachable reported back


def cmd_udp_churn(args):
    addrs = args[0].split(",")
    seconds, pps = float(args[1]), float(args[2])
    lo, hi = 20000, 29999
    if len(args) > 3:
        lo, hi = (int(x) for x in args[3].split("-"))
    for i in paced(seconds, pps):
        addr = addrs[i % len(addrs)]
        with socket.socket(family_of(addr), socket.SOCK_DGRAM) as s:
            try:
                s.sendto(b"c" * random.randint(20, 400),
                         (addr, random.randint(lo, hi)))
            except OSError:
                pass


COMMANDS = {
    "txcsum-off": (cmd_txcsum_off, 1),
    "ping": (cmd_ping, 3),
    "ping-loop": (cmd_ping_loop, 3),
    "tcp-server": (cmd_tcp_server, 3),
    "tcp-client": (cmd_tcp_client, 3),
    "tcp-stream": (cmd_tcp_stream, 4),
    "udp-stream": (cmd_udp_stream, 4),
    "udp-churn": (cmd_udp_churn, 3),
}


def main():
    if len(sys.argv) < 2 or sys.argv[1] not in COMMANDS:
        sys.stderr.write(__doc__)
        sys.exit(2)
    func, nargs = COMMANDS[sys.argv[1]]
    if len(sys.argv) - 2 < nargs:
        sys.stderr.write(__doc__)
        sys.exit(2)
    func(sys.argv[2:])


if __name__ == "__main__":
    main()
