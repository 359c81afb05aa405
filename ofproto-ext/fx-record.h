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

#ifndef FX_RECORD_H
#define FX_RECORD_H 1

/* Flow records: the data that moves from the flow cache to the exporters,
 * one per export flow (see fx-key.h) and interval. */

#include <stdbool.h>
#include <stdint.h>
#include <netinet/in.h>
#include "fx-key.h"
#include "openvswitch/list.h"
#include "openvswitch/types.h"
#include "packets.h"

struct ds;

/* What conntrack said about a journey's deciding pass: the values of its
 * last packet, not part of the key, kept by the cache with each journey
 * flow. */
struct fx_ct_info {
    struct in6_addr nat_src;    /* Post-NAT source (IPv4-mapped), if
                                 * FX_CT_NAT. */
    struct in6_addr nat_dst;    /* Post-NAT destination. */
    ovs_be16 nat_tp_src;        /* Post-NAPT source port. */
    ovs_be16 nat_tp_dst;        /* Post-NAPT destination port. */
    uint32_t ct_mark;           /* ct_mark. */
    ovs_u128 ct_label;          /* ct_label. */
    uint16_t ct_zone;           /* ct_zone. */
    uint8_t ct_state;           /* ct_state (CS_* bits, low 8): in the
                                 * cache and in records, every state seen
                                 * since the record began. */
    uint8_t flags;              /* FX_CT_*. */
};
#define FX_CT_NAT 0x01          /* Conntrack translated the packet. */

bool fx_ct_info_nat_differs(const struct fx_ct_info *,
                            const struct fx_ct_info *);
bool fx_ct_info_lacks_nat(uint8_t journey, const struct fx_ct_info *);

/* Looks up the translation of the connection whose packets its sender sent
 * as 'key' says, for a journey whose conntrack view 'ct' has none (see
 * fx_tap_set_nat_lookup()): if it knows one, puts it into 'ct' (with
 * FX_CT_NAT) and returns true. */
typedef bool fx_nat_lookup_func(const struct fx_key *key,
                                struct fx_ct_info *ct);
void fx_ct_info_format(const struct fx_key *, const struct fx_ct_info *,
                       struct ds *);

/* RFC 7270 forwardingStatus (IPFIX IE 89, v9 field 89): the status in the
 * top two bits, a reason code in the others. */
#define FX_FWD_FORWARDED 64         /* Forwarded, reason unknown. */
#define FX_FWD_DROPPED 128          /* Dropped, reason unknown. */
#define FX_FWD_DROPPED_ACL_DENY 129 /* Dropped: ACL deny. */

/* Why a flow record was produced.  Each record carries its reason; the cache
 * counts each.  fx_end_reason_to_ipfix() maps them onto IPFIX flowEndReason
 * (RFC 5102 IE 136): 1 idle timeout, 2 active timeout, 3 end of flow
 * detected, 4 forced end, 5 lack of resources.  "max-life" (the flow lived
 * for the maximum life and was ended although it may still be active) is
 * reported as 2, the closest IANA value: unlike "active", the flow is then
 * removed from the cache, and its next packet starts a new flow. */
#define FX_END_REASONS                                      \
    FX_END_REASON(IDLE,          "inactive",      1)        \
    FX_END_REASON(ACTIVE,        "active",        2)        \
    FX_END_REASON(TCP_END,       "tcp-end",       3)        \
    FX_END_REASON(OUTPUT_CHANGE, "output-change", 4)        \
    FX_END_REASON(EVICTED,       "evicted",       5)        \
    FX_END_REASON(FLUSH,         "flush",         4)        \
    FX_END_REASON(RECONFIGURE,   "reconfigure",   4)        \
    FX_END_REASON(SHUTDOWN,      "shutdown",      4)        \
    FX_END_REASON(MAX_LIFE,      "max-life",      2)

enum fx_end_reason {
#define FX_END_REASON(ENUM, NAME, IPFIX) FX_END_##ENUM,
    FX_END_REASONS
#undef FX_END_REASON
    FX_N_END_REASONS
};

const char *fx_end_reason_to_string(enum fx_end_reason);
uint8_t fx_end_reason_to_ipfix(enum fx_end_reason);

/* One exported flow record: the traffic of one export flow between two
 * exports.  Timestamps are in OVS monotonic milliseconds (time_msec()); the
 * encoders convert them to the clock their protocol wants. */
struct fx_record {
    struct ovs_list list_node;  /* In a list of records to export. */
    struct fx_key key;          /* The flow. */
    uint16_t out_port;          /* Output OpenFlow port or NF_OUT_*. */
    uint8_t tcp_flags;          /* OR of the TCP flags seen. */
    uint8_t reason;             /* enum fx_end_reason. */
    bool first;                 /* First record of this flow in the cache? */
    uint32_t serial;            /* The flow's creation number in its cache:
                                 * the same in all of the flow's records,
                                 * for flow selection (sampling). */
    uint64_t packets;           /* Packets in this record. */
    uint64_t bytes;             /* Bytes in this record. */
    long long int first_used;   /* First packet, time_msec(). */
    long long int last_used;    /* Last packet, time_msec(). */
    struct fx_ct_info ct;       /* If 'key.journey': conntrack's view. */
};

uint8_t fx_record_forwarding_status(const struct fx_record *);

void fx_record_format(const struct fx_record *, struct ds *);
void fx_record_list_free(struct ovs_list *);

#endif /* fx-record.h */
