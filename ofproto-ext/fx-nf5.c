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

/* NetFlow v5 encoder: IPv4 only, 32-bit counters, at most 30 records a
 * message.  Byte-compatible with OVS's own NetFlow (lib/netflow.h layouts,
 * OpenFlow port numbers as interface indexes, optional engine id mangling). */

#include <config.h>
#include "fx-encoder.h"

#include "lib/netflow.h"
#include "openvswitch/ofpbuf.h"
#include "packets.h"
#include "timeval.h"
#include "util.h"

/* Records per NetFlow v5 message (protocol limit). */
#define NF5_MAX_RECORDS 30

struct fx_nf5_encoder {
    struct fx_encoder up;
    uint32_t flow_seq;          /* Records sent before this message. */
};

static struct fx_nf5_encoder *
fx_nf5_cast(struct fx_encoder *encoder)
{
    return CONTAINER_OF(encoder, struct fx_nf5_encoder, up);
}

static struct fx_encoder *
nf5_create(const struct fx_encoder_settings *settings)
{
    struct fx_nf5_encoder *nf5 = xzalloc(sizeof *nf5);

    nf5->up.class = &fx_netflow_v5_class;
    nf5->up.settings = *settings;
    return &nf5->up;
}

static void
nf5_destroy(struct fx_encoder *encoder)
{
    free(fx_nf5_cast(encoder));
}

static void
nf5_begin(struct fx_encoder *encoder OVS_UNUSED, struct ofpbuf *msg)
{
    ofpbuf_put_zeros(msg, sizeof(struct netflow_v5_header));
}

/* Milliseconds since ovs-vswitchd started, NetFlow's SysUptime clock. */
static ovs_be32
nf5_uptime(long long int msec)
{
    return htonl(MAX(msec - time_boot_msec(), 0));
}

static void
nf5_put_record(const struct fx_encoder_settings *s, struct ofpbuf *msg,
               const struct fx_record *rec, uint32_t packets, uint32_t bytes)
{
    struct netflow_v5_record *r = ofpbuf_put_zeros(msg, sizeof *r);

    r->src_addr = fx_key_ipv4_src(&rec->key);
    r->dst_addr = fx_key_ipv4_dst(&rec->key);
    r->input = htons(fx_encoder_iface(s, rec->key.in_port));
    r->output = htons(fx_encoder_iface(s, rec->out_port));
    r->packet_count = htonl(packets);
    r->byte_count = htonl(bytes);
    r->init_time = nf5_uptime(rec->first_used);
    r->used_time = nf5_uptime(MAX(rec->first_used, rec->last_used));
    if (rec->key.nw_proto == IPPROTO_ICMP) {
        /* NetFlow puts ICMP type and code into the destination port. */
        r->src_port = htons(0);
        r->dst_port = htons(fx_key_icmp_type_code(&rec->key));
    } else {
        r->src_port = rec->key.tp_src;
        r->dst_port = rec->key.tp_dst;
    }
    r->tcp_flags = rec->tcp_flags;
    r->ip_proto = rec->key.nw_proto;
    r->ip_tos = rec->key.nw_tos;
}

static size_t
nf5_count(const struct ofpbuf *msg)
{
    return ((msg->size - sizeof(struct netflow_v5_header))
            / sizeof(struct netflow_v5_record));
}

/* Counters that do not fit v5's 32 bits are split over as many records as
 * needed, each with an even share of packets and bytes so that the average
 * packet size stays plausible in every one.  v5 has no biflows and no
 * IPv6. */
static enum fx_encode_result
nf5_add(struct fx_encoder *encoder, struct ofpbuf *msg, struct fx_record *rec,
        const struct fx_record *reverse)
{
    const struct fx_encoder_settings *s = &encoder->settings;

    if (reverse || !fx_key_is_ipv4(&rec->key)) {
        return FX_ENCODE_UNSUPPORTED;
    }

    while (rec->packets || rec->bytes) {
        if (nf5_count(msg) >= NF5_MAX_RECORDS) {
            return FX_ENCODE_FULL;
        }

        uint64_t max = UINT32_MAX;
        uint64_t n = MAX(DIV_ROUND_UP(rec->bytes, max),
                         DIV_ROUND_UP(rec->packets, max));
        uint64_t packets = rec->packets / n;
        uint64_t bytes = rec->bytes / n;
        if (n == 1) {
            packets = rec->packets;
            bytes = rec->bytes;
        }
        nf5_put_record(s, msg, rec, packets, bytes);
        rec->packets -= packets;
        rec->bytes -= bytes;
    }
    return FX_ENCODE_DONE;
}

static size_t
nf5_finish(struct fx_encoder *encoder, struct ofpbuf *msg,
           long long int now, long long int wall_now)
{
    struct fx_nf5_encoder *nf5 = fx_nf5_cast(encoder);
    struct netflow_v5_header *h = msg->data;
    size_t count = nf5_count(msg);

    h->version = htons(NETFLOW_V5_VERSION);
    h->count = htons(count);
    h->sysuptime = nf5_uptime(now);
    h->unix_secs = htonl(wall_now / 1000);
    h->unix_nsecs = htonl((wall_now % 1000) * 1000 * 1000);
    h->flow_seq = htonl(nf5->flow_seq);
    h->engine_type = encoder->settings.engine_type;
    h->engine_id = encoder->settings.engine_id;
    h->sampling_interval = htons(0);

    nf5->flow_seq += count;
    return count;
}

const struct fx_encoder_class fx_netflow_v5_class = {
    .protocol = FX_PROTO_NETFLOW_V5,
    .name = "NetFlow v5",
    .header_len = sizeof(struct netflow_v5_header),
    .create = nf5_create,
    .destroy = nf5_destroy,
    .begin = nf5_begin,
    .add = nf5_add,
    .finish = nf5_finish,
};
