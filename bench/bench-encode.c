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

/* Encoder micro-benchmark: a program that prints figures, not a test.
 *
 * For one encoder class (NetFlow v5, NetFlow v9 or IPFIX, found with
 * fx_encoder_class_find()), encodes a pre-built array of flow records into
 * messages, in one thread, the way fx_exporter_export() does: begin(), add()
 * until the message is full, finish(), with the default settings (MTU 1400,
 * templates again every 10 s or 20 messages).  Messages are cleared, not
 * sent.  Each record is copied before add(), as the exporter does, because
 * add() may reduce the counters of a record that did not fit.
 *
 * Prints records encoded per second (one thread, so per core) and the
 * message bytes per record (headers, set headers, padding and templates
 * included).  The records are a random mix of IPv4 and IPv6 flows with
 * --ipv6-share percent of IPv6; NetFlow v5 cannot carry IPv6, so it only
 * takes --ipv6-share=0. */

#include <config.h>
#include "bench-util.h"
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "flow.h"
#include "fx-encoder.h"
#include "fx-record.h"
#include "openvswitch/ofpbuf.h"
#include "openvswitch/vlog.h"
#include "packets.h"
#include "timeval.h"
#include "util.h"

/* How often (in records) the loop reads the clock. */
#define CLOCK_INTERVAL 4096

/* Returns 'n' records like those the flow cache produces: TCP to 80, 443
 * or 22 and UDP to 53, 1 to 1000 packets of 64 to 1500 bytes, various end
 * reasons; IPv6 with probability 'ipv6_share' percent. */
static struct fx_record *
make_records(size_t n, unsigned int ipv6_share)
{
    static const uint16_t dst_ports[4] = { 80, 443, 53, 22 };
    static const enum fx_end_reason reasons[4] = {
        FX_END_IDLE, FX_END_IDLE, FX_END_ACTIVE, FX_END_TCP_END,
    };
    struct fx_record *recs = xcalloc(n, sizeof *recs);
    long long int now = time_msec();
    uint64_t seed = 0x5eed;

    for (size_t i = 0; i < n; i++) {
        struct fx_record *rec = &recs[i];
        uint64_t r = splitmix64(&seed);
        uint64_t r2 = splitmix64(&seed);
        uint16_t dst_port = dst_ports[(r >> 40) & 3];
        struct flow flow;

        memset(&flow, 0, sizeof flow);
        if (r2 % 100 < ipv6_share) {
            flow.dl_type = htons(ETH_TYPE_IPV6);
            flow.ipv6_src.s6_addr[0] = 0x20;
            flow.ipv6_src.s6_addr[1] = 0x01;
            flow.ipv6_src.s6_addr[2] = 0x0d;
            flow.ipv6_src.s6_addr[3] = 0xb8;
            flow.ipv6_dst = flow.ipv6_src;
            flow.ipv6_dst.s6_addr[5] = 1;
            memcpy(&flow.ipv6_src.s6_addr[8], &i, sizeof i);
            memcpy(&flow.ipv6_dst.s6_addr[8], &r, sizeof r);
        } else {
            flow.dl_type = htons(ETH_TYPE_IP);
            flow.nw_src = htonl(0x0a000000 | (i & 0xffffff));
            flow.nw_dst = htonl(0xc0a80000 | (r & 0xffff));
        }
        flow.in_port.ofp_port = u16_to_ofp(1 + ((r >> 56) & 3));
        flow.nw_proto = dst_port == 53 ? IPPROTO_UDP : IPPROTO_TCP;
        flow.nw_tos = ((r >> 48) & 3) << 3;
        flow.tp_src = htons(1024 + (r >> 16) % 64512);
        flow.tp_dst = htons(dst_port);
        if (!fx_key_from_flow(&flow, 0, &rec->key)) {
            OVS_NOT_REACHED();
        }

        rec->out_port = 11 + ((r >> 58) & 3);
        rec->tcp_flags = flow.nw_proto == IPPROTO_TCP ? 0x1a : 0;
        rec->reason = reasons[(r2 >> 32) & 3];
        rec->packets = 1 + (r2 >> 8) % 1000;
        rec->bytes = rec->packets * (64 + (r2 >> 40) % 1437);
        rec->last_used = now - (r2 >> 20) % 1000;
        rec->first_used = rec->last_used - (r2 >> 12) % 60000;
    }
    return recs;
}

static void
usage(void)
{
    printf("%s: flow record encoder benchmark\n"
           "usage: %s [OPTIONS]\n"
           "  --protocol=5|9|10    NetFlow v5, NetFlow v9 or IPFIX (10)\n"
           "  --ipv6-share=P       percent of IPv6 records (0; v5: 0 only)\n"
           "  --records=N          distinct records in the array (65536)\n"
           "  --seconds=S          how long to encode (2)\n"
           "Prints one line: encoder ipv6_share records seconds "
           "records_per_sec\nbytes_per_record records_per_msg.\n",
           program_name, program_name);
    exit(EXIT_SUCCESS);
}

int
main(int argc, char *argv[])
{
    static const struct option long_options[] = {
        {"protocol", required_argument, NULL, 'p'},
        {"ipv6-share", required_argument, NULL, '6'},
        {"records", required_argument, NULL, 'n'},
        {"seconds", required_argument, NULL, 's'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    enum fx_protocol protocol = FX_PROTO_IPFIX;
    unsigned int ipv6_share = 0;
    size_t n_recs = 65536;
    double seconds = 2.0;

    set_program_name(argv[0]);
    vlog_set_levels(NULL, VLF_ANY_DESTINATION, VLL_WARN);

    for (;;) {
        int c = getopt_long(argc, argv, "", long_options, NULL);
        if (c == -1) {
            break;
        }
        switch (c) {
        case 'p':
            protocol = atoi(optarg);
            break;
        case '6':
            ipv6_share = atoi(optarg);
            if (ipv6_share > 100) {
                ovs_fatal(0, "--ipv6-share: 0 to 100");
            }
            break;
        case 'n':
            n_recs = strtoul(optarg, NULL, 10);
            if (!n_recs || n_recs > 1 << 24) {
                ovs_fatal(0, "--records: 1 to %d", 1 << 24);
            }
            break;
        case 's':
            seconds = parse_seconds(optarg);
            break;
        case 'h':
            usage();
            break;
        case '?':
            exit(EXIT_FAILURE);
        default:
            OVS_NOT_REACHED();
        }
    }
    if (optind != argc) {
        ovs_fatal(0, "unexpected argument; use --help for help");
    }

    const struct fx_encoder_class *class = fx_encoder_class_find(protocol);
    if (!class) {
        ovs_fatal(0, "--protocol: 5, 9 or 10");
    }
    if (protocol == FX_PROTO_NETFLOW_V5 && ipv6_share) {
        ovs_fatal(0, "NetFlow v5 cannot carry IPv6: use --ipv6-share=0");
    }

    struct fx_encoder_settings settings;
    fx_encoder_settings_init(&settings);
    struct fx_encoder *encoder = class->create(&settings);
    struct fx_record *recs = make_records(n_recs, ipv6_share);
    struct ofpbuf msg;
    ofpbuf_init(&msg, settings.mtu + 100);

    uint64_t n_done = 0, n_unsupported = 0, n_msgs = 0, n_bytes = 0;
    long long int start = now_ns();
    long long int deadline = start + seconds * 1e9;
    long long int now = start;
    size_t i = 0;

    for (;;) {
        if (!(n_done % CLOCK_INTERVAL) && (now = now_ns()) >= deadline) {
            break;
        }

        struct fx_record copy = recs[i];
        enum fx_encode_result result;
        for (;;) {
            result = fx_encoder_add(encoder, &msg, &copy, NULL);
            if (result != FX_ENCODE_FULL) {
                break;
            }
            class->finish(encoder, &msg, time_msec(), time_wall_msec());
            n_msgs++;
            n_bytes += msg.size;
            ofpbuf_clear(&msg);
        }
        if (result == FX_ENCODE_DONE) {
            n_done++;
        } else {
            n_unsupported++;
            if (n_unsupported > n_recs) {
                ovs_fatal(0, "%s cannot encode these records", class->name);
            }
        }
        if (++i >= n_recs) {
            i = 0;
        }
    }
    if (msg.size) {
        class->finish(encoder, &msg, time_msec(), time_wall_msec());
        n_msgs++;
        n_bytes += msg.size;
        ofpbuf_clear(&msg);
    }
    double elapsed = (now - start) / 1e9;

    printf("encoder=%s ipv6_share=%u records=%"PRIu64" seconds=%.2f "
           "records_per_sec=%.0f bytes_per_record=%.1f "
           "records_per_msg=%.1f unsupported=%"PRIu64"\n",
           protocol == FX_PROTO_NETFLOW_V5 ? "v5"
           : protocol == FX_PROTO_NETFLOW_V9 ? "v9" : "ipfix",
           ipv6_share, n_done, elapsed, n_done / elapsed,
           (double) n_bytes / n_done, (double) n_done / n_msgs,
           n_unsupported);

    ofpbuf_uninit(&msg);
    free(recs);
    class->destroy(encoder);
    return 0;
}
