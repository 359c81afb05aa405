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

#ifndef FX_KEY_H
#define FX_KEY_H 1

/* Export flow keys.
 *
 * An export flow is identified by an 'fx_key', which is derived from the
 * ingress 'struct flow' of a datapath flow.  Every field that goes into the
 * key is un-wildcarded in datapath flows (see fx_key_mask_wc()), so that each
 * datapath flow belongs to exactly one export flow and its counters can be
 * credited without sampling.
 *
 * Every function here is pure (no state but fx_hash_basis()'s, set once)
 * and may be called from any thread. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <netinet/in.h>
#include "openvswitch/types.h"
#include "packets.h"

struct ds;
struct flow;
struct flow_wildcards;

/* Export flow key, unpacked.  IPv4 addresses are stored as IPv4-mapped IPv6
 * addresses, so one layout serves both families; 'dl_type' tells which one
 * it is (or that the flow is MPLS, with FX_KEY_MPLS).  Members of optional
 * parts that are not configured are zero.  The structure is compared and
 * hashed as raw memory: fx_key_from_flow() zeroes it first, including
 * padding.
 *
 * This is the form records carry.  The flow cache stores keys packed (see
 * fx_key_pack()): only the parts configured, IPv4 addresses in 4 bytes, so
 * a flow pays only for what it is keyed on. */
#define FX_KEY_MAX_MPLS 3       /* Label stack entries kept (OVS's limit). */
struct fx_key {
    struct in6_addr src;        /* Source address (IPv4-mapped for IPv4). */
    struct in6_addr dst;        /* Destination address. */
    struct eth_addr dl_src;     /* Source MAC (FX_KEY_MAC), else zero. */
    struct eth_addr dl_dst;     /* Destination MAC (FX_KEY_MAC). */
    ovs_be16 vlan_tci[2];       /* Outer, inner 802.1Q TCI (FX_KEY_VLAN). */
    ovs_be16 dl_type;           /* ETH_TYPE_IP, ETH_TYPE_IPV6, or an MPLS
                                 * Ethertype (FX_KEY_MPLS). */
    uint16_t in_port;           /* Ingress OpenFlow port (ofp_port_t). */
    ovs_be16 tp_src;            /* L4 source port, or ICMP type. */
    ovs_be16 tp_dst;            /* L4 destination port, or ICMP code. */
    uint8_t nw_proto;           /* IP protocol. */
    uint8_t nw_tos;             /* IP ToS byte with ECN bits cleared. */
    uint8_t n_mpls;             /* Entries in 'mpls_lse' (FX_KEY_MPLS). */
    uint8_t tun_family;         /* FX_KEY_TUNNEL: 0 (no tunnel), 4 or 6, the
                                 * family of the outer header. */
    ovs_be32 mpls_lse[FX_KEY_MAX_MPLS]; /* Label stack, top first: label, TC
                                         * and S bits; TTL zero. */
    ovs_be16 tun_tp_dst;        /* Outer UDP destination port, 0 if none. */
    uint8_t tun_erspan_ver;     /* ERSPAN version (1, 2), else 0: 'tun_id'
                                 * is then a session id, not a GRE key. */
    uint8_t journey;            /* FX_JOURNEY_* if the flow's verdict came
                                 * from a recirculated pass, else 0. */
    ovs_be64 tun_id;            /* Tunnel key: VNI, GRE key, ERSPAN session
                                 * id (FX_KEY_TUNNEL). */
    struct in6_addr tun_src;    /* Outer source (IPv4-mapped for IPv4). */
    struct in6_addr tun_dst;    /* Outer destination. */
};

/* Optional parts of the flow key, beyond the IP addresses, protocol, ports
 * or ICMP type and code, DSCP and ingress port that are in it by default.
 * With a part, flows that differ in it are different flows.
 *
 * The FX_KEY_OMIT_* bits are the track levels (softflowd's -T): they take
 * parts out of the default key, so that flows that differ only in them are
 * one flow.  With no bit set, the key is the full default key.  Combine
 * the fields of several users with fx_key_fields_finest(). */
enum fx_key_fields {
    FX_KEY_MAC = 1 << 0,        /* Ethernet source and destination. */
    FX_KEY_VLAN = 1 << 1,       /* 802.1Q VLAN ids, outer and inner. */
    FX_KEY_MPLS = 1 << 2,       /* MPLS flows, keyed on their label stack. */
    FX_KEY_TUNNEL = 1 << 3,     /* Tunnel key and outer addresses. */
    FX_KEY_JOURNEY = 1 << 4,    /* Per flow, never configured: the flow's
                                 * verdict came from a recirculated pass
                                 * ('journey' in the key, and the flow keeps
                                 * a 'struct fx_ct_info'). */
    FX_KEY_OMIT_PORTS = 1 << 6,  /* No L4 ports, ICMP type and code. */
    FX_KEY_OMIT_PROTO = 1 << 7,  /* No IP protocol (nor ports). */
};
#define FX_KEY_OMIT_MASK (FX_KEY_OMIT_PORTS | FX_KEY_OMIT_PROTO)

/* Track levels, as FX_KEY_OMIT_* bits. */
#define FX_TRACK_FULL  0
#define FX_TRACK_PROTO FX_KEY_OMIT_PORTS
#define FX_TRACK_IP    (FX_KEY_OMIT_PORTS | FX_KEY_OMIT_PROTO)

/* Bits of 'struct fx_key''s 'journey'.  A packet that OVS recirculates
 * (conntrack's ct(table=N), mostly) goes through several translations,
 * "passes", each with its own datapath flow; its record is the journey's:
 * keyed on the packet as it arrived at the first pass, with the output of
 * the pass that decided (see fx-tap.h). */
#define FX_JOURNEY_RECIRC  0x01     /* Decided by a recirculated pass. */
#define FX_JOURNEY_TRACKED 0x02     /* ...that ran after conntrack
                                     * (ct_state has +trk): a drop there is
                                     * the firewall's. */

/* The largest packed key (see fx_key_pack()). */
#define FX_KEY_PACKED_MAX 128

bool fx_key_from_flow(const struct flow *, uint32_t fields, struct fx_key *);
void fx_key_mask_wc(const struct flow *, uint32_t fields,
                    struct flow_wildcards *);
void fx_key_restrict(struct fx_key *, uint32_t fields);
uint32_t fx_key_fields_finest(uint32_t, uint32_t);
uint32_t fx_hash_basis(void);
uint32_t fx_key_hash(const struct fx_key *);
bool fx_key_equal(const struct fx_key *, const struct fx_key *);
size_t fx_key_pack(const struct fx_key *, uint32_t fields, uint8_t *buf);
void fx_key_unpack(const uint8_t *buf, size_t len, uint32_t fields,
                   struct fx_key *);
bool fx_key_is_ip(const struct fx_key *);
bool fx_key_is_ipv4(const struct fx_key *);
ovs_be32 fx_key_ipv4_src(const struct fx_key *);
ovs_be32 fx_key_ipv4_dst(const struct fx_key *);
bool fx_key_is_icmp(const struct fx_key *);
uint16_t fx_key_icmp_type_code(const struct fx_key *);
void fx_key_format(const struct fx_key *, struct ds *);

#endif /* fx-key.h */
