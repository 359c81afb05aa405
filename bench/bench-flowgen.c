/*
 * Copyright (c) 2026 The flowexport authors.
 *
 * Licensed under the Apache License, Version 2.0 (the "License");
 * you may not use this file except in compliance with the License.
 * You may obtain a copy of the License at:
 *
 *     http://www.apache.org/licenses/LICENSE-2.0
 *
 * Unless required by applicable law or agreed to in writing, software
 * distributed under the License is distributed on an "AS IS" BASIS,
 * WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.
 * See the License for the specific language governing permissions and
 * limitations under the License.
 */

/* Short-flow traffic generator for the end-to-end benchmarks
 * (bench/run-e2e.sh): a program that makes traffic and prints figures, not
 * a test.
 *
 *   bench-flowgen send IFACE DST-MAC SRC-IP DST-IP [options]
 *       Sends IPv4 UDP frames on IFACE through an AF_PACKET socket
 *       (sendmmsg(), batches of --batch, qdisc bypassed), from IFACE's MAC
 *       to DST-MAC, to DST-IP port --dst-port.  Packet number i belongs to
 *       flow number i % --flows (every packet a new flow with --flows=0):
 *       flow f comes from source port 1024 + f % 64000 of source address
 *       SRC-IP + f / 64000, so --flows=1000000 uses 16 source addresses.
 *       With --flows=N the generator cycles through the same N flows, which
 *       keeps N flows alive as long as a cycle is shorter than the export's
 *       inactive timeout; with --flows=0 it measures churn.  --rate paces
 *       the packets (0, the default, sends as fast as the socket takes
 *       them).  Prints "sent=PACKETS seconds=S pps=R flows=F" where F is
 *       the number of distinct flows sent.
 *
 *   bench-flowgen record PORT FILE
 *       A collector that only records: receives UDP datagrams on
 *       127.0.0.1 port PORT, with a 64 MB socket buffer (SO_RCVBUFFORCE,
 *       beyond net.core.rmem_max), and writes each to FILE preceded by its
 *       length as a 4-byte big-endian integer, the format of
 *       "flowexport-decode --read", until SIGTERM or SIGINT.  Prints
 *       "listening" once bound, and the datagrams received at the end.
 *
 *   bench-flowgen sink PORT SECONDS
 *       Binds a UDP socket to PORT on every address and keeps it open
 *       SECONDS without reading it: datagrams to PORT are then dropped by
 *       the kernel when the socket's buffer is full, without an ICMP port
 *       unreachable each (which would be traffic, and flows, of its own).
 *
 * The frames carry valid IPv4 header checksums and no UDP checksum (0, as
 * RFC 768 allows), so the receiving kernel accepts them without work. */

#include <config.h>
#include "bench-util.h"
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>
#include "csum.h"
#include "packets.h"
#include "util.h"

/* Largest --batch. */
#define MAX_BATCH 1024

/* Source ports used per source address. */
#define PORTS_PER_ADDR 64000

/* Frame layout: Ethernet, IPv4 without options, UDP, payload. */
#define FRAME_HDRS (ETH_HEADER_LEN + IP_HEADER_LEN + UDP_HEADER_LEN)

/* What "send" was asked to do. */
struct send_options {
    const char *iface;          /* Interface to send on. */
    struct eth_addr dst_mac;    /* Destination MAC. */
    uint32_t src_ip;            /* First source address (host order). */
    uint32_t dst_ip;            /* Destination address (host order). */
    uint16_t dst_port;          /* Destination UDP port. */
    unsigned long long flows;   /* Flows cycled through; 0 = no repeat. */
    unsigned long long rate;    /* Packets per second; 0 = no pacing. */
    double seconds;             /* Duration. */
    unsigned int size;          /* Frame size without FCS. */
    unsigned int batch;         /* Frames per sendmmsg(). */
};

static void
usage(void)
{
    printf("%s: short-flow traffic generator for bench/run-e2e.sh\n"
           "usage: %s send IFACE DST-MAC SRC-IP DST-IP [OPTIONS]\n"
           "       %s record PORT FILE\n"
           "       %s sink PORT SECONDS\n"
           "send options:\n"
           "  --flows=N      cycle through N flows (default 0: every\n"
           "                 packet a new flow)\n"
           "  --rate=PPS     packets per second (default 0: no pacing)\n"
           "  --seconds=S    how long to send (default 10)\n"
           "  --size=BYTES   frame size without FCS (default 64)\n"
           "  --batch=N      frames per sendmmsg() (default 64)\n"
           "  --dst-port=P   destination UDP port (default 9)\n",
           program_name, program_name, program_name, program_name);
}

static uint32_t
parse_ipv4(const char *s)
{
    struct in_addr in;

    if (inet_pton(AF_INET, s, &in) != 1) {
        ovs_fatal(0, "%s: not an IPv4 address", s);
    }
    return ntohl(in.s_addr);
}

/* Fills 'frame' (of 'size' bytes) for flow number 'f'. */
static void
make_frame(uint8_t *frame, unsigned int size, const struct eth_addr *src_mac,
           const struct send_options *o, unsigned long long f)
{
    struct eth_header *eth = (struct eth_header *) frame;
    struct ip_header *ip = (struct ip_header *) (frame + ETH_HEADER_LEN);
    struct udp_header *udp = (struct udp_header *) (frame + ETH_HEADER_LEN
                                                    + IP_HEADER_LEN);
    unsigned int ip_len = size - ETH_HEADER_LEN;

    memset(frame, 0, size);
    eth->eth_dst = o->dst_mac;
    eth->eth_src = *src_mac;
    eth->eth_type = htons(ETH_TYPE_IP);

    ip->ip_ihl_ver = IP_IHL_VER(5, IP_VERSION);
    ip->ip_tot_len = htons(ip_len);
    ip->ip_ttl = 64;
    ip->ip_proto = IPPROTO_UDP;
    put_16aligned_be32(&ip->ip_src, htonl(o->src_ip + f / PORTS_PER_ADDR));
    put_16aligned_be32(&ip->ip_dst, htonl(o->dst_ip));
    ip->ip_csum = csum(ip, IP_HEADER_LEN);

    udp->udp_src = htons(1024 + f % PORTS_PER_ADDR);
    udp->udp_dst = htons(o->dst_port);
    udp->udp_len = htons(ip_len - IP_HEADER_LEN);
    udp->udp_csum = 0;
}

static int
open_packet_socket(const char *iface, struct eth_addr *mac)
{
    struct sockaddr_ll sll;
    struct ifreq ifr;
    int one = 1;
    int fd;

    fd = socket(AF_PACKET, SOCK_RAW, 0);
    if (fd < 0) {
        ovs_fatal(errno, "AF_PACKET socket (root needed)");
    }
    memset(&ifr, 0, sizeof ifr);
    ovs_strlcpy(ifr.ifr_name, iface, sizeof ifr.ifr_name);
    if (ioctl(fd, SIOCGIFHWADDR, &ifr) < 0) {
        ovs_fatal(errno, "%s: cannot read the MAC address", iface);
    }
    memcpy(mac->ea, ifr.ifr_hwaddr.sa_data, ETH_ADDR_LEN);

    memset(&sll, 0, sizeof sll);
    sll.sll_family = AF_PACKET;
    sll.sll_ifindex = if_nametoindex(iface);
    if (!sll.sll_ifindex) {
        ovs_fatal(errno, "%s: no such interface", iface);
    }
    if (bind(fd, (struct sockaddr *) &sll, sizeof sll) < 0) {
        ovs_fatal(errno, "%s: bind", iface);
    }
    /* Straight to the driver (the veth), as a packet generator should;
     * not fatal if the kernel does not have it. */
    setsockopt(fd, SOL_PACKET, PACKET_QDISC_BYPASS, &one, sizeof one);
    return fd;
}

static void
do_send(const struct send_options *o)
{
    static uint8_t frames[MAX_BATCH][1514];
    static struct iovec iov[MAX_BATCH];
    static struct mmsghdr msgs[MAX_BATCH];
    unsigned long long int sent = 0, f = 0;
    long long int start, end, now;
    struct eth_addr src_mac;
    int fd;

    fd = open_packet_socket(o->iface, &src_mac);
    for (unsigned int i = 0; i < o->batch; i++) {
        iov[i].iov_base = frames[i];
        iov[i].iov_len = o->size;
        memset(&msgs[i], 0, sizeof msgs[i]);
        msgs[i].msg_hdr.msg_iov = &iov[i];
        msgs[i].msg_hdr.msg_iovlen = 1;
    }

    start = now = now_ns();
    end = start + (long long int) (o->seconds * 1e9);
    while (now < end) {
        unsigned int n = o->batch;
        int retval;

        if (o->rate) {
            /* Pacing: batch number k may leave at start + k * batch / rate.
             * A generator that falls behind does not catch up in a burst
             * larger than one batch. */
            long long int due = start + (long long int)
                                ((double) sent * 1e9 / o->rate);
            if (due > now) {
                struct timespec ts = { .tv_sec = (due - now) / 1000000000,
                                       .tv_nsec = (due - now) % 1000000000 };
                nanosleep(&ts, NULL);
                now = now_ns();
                continue;
            }
        }

        for (unsigned int i = 0; i < n; i++) {
            unsigned long long int fi = f + i;

            make_frame(frames[i], o->size, &src_mac, o,
                       o->flows ? fi % o->flows : fi);
        }
        retval = sendmmsg(fd, msgs, n, 0);
        if (retval < 0) {
            if (errno != ENOBUFS && errno != EAGAIN && errno != EINTR) {
                ovs_fatal(errno, "sendmmsg");
            }
            retval = 0;
        }
        /* Frames that were not taken are not counted, and their flows come
         * first in the next batch. */
        sent += retval;
        f += retval;
        if (o->flows && f >= o->flows) {
            f %= o->flows;
        }
        now = now_ns();
    }
    close(fd);
    printf("sent=%llu seconds=%.3f pps=%.0f flows=%llu\n", sent,
           (now - start) / 1e9, sent / ((now - start) / 1e9),
           o->flows ? MIN(sent, o->flows) : sent);
}

static void
do_sink(const char *port_s, const char *seconds_s)
{
    struct sockaddr_in sin;
    int rcvbuf = 1 << 20;
    double seconds;
    int fd;

    memset(&sin, 0, sizeof sin);
    sin.sin_family = AF_INET;
    sin.sin_port = htons(parse_number("port", port_s, 1, 65535));
    seconds = parse_seconds(seconds_s);

    fd = socket(AF_INET, SOCK_DGRAM, 0);
    if (fd < 0) {
        ovs_fatal(errno, "socket");
    }
    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
    if (bind(fd, (struct sockaddr *) &sin, sizeof sin) < 0) {
        ovs_fatal(errno, "bind to port %s", port_s);
    }
    printf("listening\n");
    fflush(stdout);
    poll(NULL, 0, seconds * 1000);
    close(fd);
}

static volatile sig_atomic_t stop_recording;

static void
stop_handler(int sig OVS_UNUSED)
{
    stop_recording = 1;
}

static void
do_record(const char *port_s, const char *file_name)
{
    static uint8_t buf[65536];
    unsigned long long int n = 0;
    struct sockaddr_in sin;
    int rcvbuf = 64 << 20;
    FILE *file;
    int fd;

    memset(&sin, 0, sizeof sin);
    sin.sin_family = AF_INET;
    sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    sin.sin_port = htons(parse_number("port", port_s, 1, 65535));

    file = fopen(file_name, "wb");
    if (!file) {
        ovs_fatal(errno, "%s: cannot create", file_name);
    }
    fd = socket(AF_INET, SOCK_DGRAM, 0);
    if (fd < 0) {
        ovs_fatal(errno, "socket");
    }
    if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof rcvbuf)) {
        setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
    }
    if (bind(fd, (struct sockaddr *) &sin, sizeof sin) < 0) {
        ovs_fatal(errno, "bind to port %s", port_s);
    }
    signal(SIGTERM, stop_handler);
    signal(SIGINT, stop_handler);
    printf("listening\n");
    fflush(stdout);

    while (!stop_recording) {
        struct pollfd pfd = { .fd = fd, .events = POLLIN };
        ssize_t len;

        if (poll(&pfd, 1, 100) <= 0) {
            continue;
        }
        while ((len = recv(fd, buf, sizeof buf, MSG_DONTWAIT)) >= 0) {
            ovs_be32 be_len = htonl(len);

            if (fwrite(&be_len, sizeof be_len, 1, file) != 1
                || fwrite(buf, len, 1, file) != 1) {
                ovs_fatal(errno, "%s: write error", file_name);
            }
            n++;
        }
    }
    if (fclose(file)) {
        ovs_fatal(errno, "%s: write error", file_name);
    }
    printf("received=%llu\n", n);
}

static void
parse_send(int argc, char *argv[], struct send_options *o)
{
    enum {
        OPT_FLOWS = 256, OPT_RATE, OPT_SECONDS, OPT_SIZE, OPT_BATCH,
        OPT_DST_PORT,
    };
    static const struct option long_options[] = {
        {"flows", required_argument, NULL, OPT_FLOWS},
        {"rate", required_argument, NULL, OPT_RATE},
        {"seconds", required_argument, NULL, OPT_SECONDS},
        {"size", required_argument, NULL, OPT_SIZE},
        {"batch", required_argument, NULL, OPT_BATCH},
        {"dst-port", required_argument, NULL, OPT_DST_PORT},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };

    memset(o, 0, sizeof *o);
    o->seconds = 10;
    o->size = 64;
    o->batch = 64;
    o->dst_port = 9;
    for (;;) {
        int c = getopt_long(argc, argv, "h", long_options, NULL);
        if (c == -1) {
            break;
        }
        switch (c) {
        case OPT_FLOWS:
            /* At most 64000 source ports of 65536 source addresses. */
            o->flows = parse_number("flows", optarg, 0,
                                    PORTS_PER_ADDR * 65536ULL);
            break;
        case OPT_RATE:
            o->rate = parse_number("rate", optarg, 0, 100000000);
            break;
        case OPT_SECONDS:
            o->seconds = parse_seconds(optarg);
            break;
        case OPT_SIZE:
            o->size = parse_number("size", optarg, 60, 1514);
            break;
        case OPT_BATCH:
            o->batch = parse_number("batch", optarg, 1, MAX_BATCH);
            break;
        case OPT_DST_PORT:
            o->dst_port = parse_number("dst-port", optarg, 1, 65535);
            break;
        case 'h':
            usage();
            exit(EXIT_SUCCESS);
        default:
            exit(EXIT_FAILURE);
        }
    }
    if (argc - optind != 4) {
        ovs_fatal(0, "send: expected IFACE DST-MAC SRC-IP DST-IP "
                  "(see --help)");
    }
    o->iface = argv[optind];
    if (!eth_addr_from_string(argv[optind + 1], &o->dst_mac)) {
        ovs_fatal(0, "%s: not a MAC address", argv[optind + 1]);
    }
    o->src_ip = parse_ipv4(argv[optind + 2]);
    o->dst_ip = parse_ipv4(argv[optind + 3]);
}

int
main(int argc, char *argv[])
{
    set_program_name(argv[0]);
    if (argc >= 2 && !strcmp(argv[1], "send")) {
        struct send_options o;

        parse_send(argc - 1, argv + 1, &o);
        do_send(&o);
    } else if (argc == 4 && !strcmp(argv[1], "record")) {
        do_record(argv[2], argv[3]);
    } else if (argc == 4 && !strcmp(argv[1], "sink")) {
        do_sink(argv[2], argv[3]);
    } else if (argc >= 2 && (!strcmp(argv[1], "--help")
                             || !strcmp(argv[1], "-h"))) {
        usage();
    } else {
        usage();
        return EXIT_FAILURE;
    }
    return EXIT_SUCCESS;
}
