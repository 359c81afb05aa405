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

#ifndef FX_IE_VIEW_H
#define FX_IE_VIEW_H 1

/* The values of one record for the information elements of fx-ie.h, in
 * wire format.
 *
 * Encoding a record first converts it into a 'struct fx_ie_view', whose
 * members hold every element's value already in network byte order (the
 * FIELD column of fx-ie.def names each element's member); a template then
 * says which of them to copy, in which order (fx-template.c).  The view
 * knows nothing about templates or messages, and the table (fx-ie.c) knows
 * only where each value is in a view, nothing about records: this file is
 * where records meet the elements.
 *
 * A view is a plain value that its user owns, usually on the stack, for
 * the time it takes to encode one record.  It may point into the 'struct
 * fx_iface' rows that fx_ie_view_set_ports() was given, which must outlive
 * it.  The functions depend on their arguments only (and on OVS's boot
 * time, for the uptimes): any thread may call them. */

#include <stddef.h>
#include <stdint.h>
#include <netinet/in.h>
#include "fx-ie.h"
#include "fx-key.h"
#include "openvswitch/types.h"
#include "packets.h"

struct fx_encoder_settings;
struct fx_iface;
struct fx_record;

/* The value of a variable-length element (FX_IE_VARLEN). */
struct fx_ie_bytes {
    const void *data;           /* 'len' bytes, or NULL if 'len' is 0. */
    size_t len;
};

/* Every exportable value of one record, in network byte order. */
struct fx_ie_view {
    ovs_be64 octets;
    ovs_be64 packets;
    ovs_be64 start_ms;          /* Wall clock, ms since the epoch. */
    ovs_be64 end_ms;
    struct in6_addr src6;
    struct in6_addr dst6;
    ovs_be32 src4;
    ovs_be32 dst4;
    ovs_be32 in_if;
    ovs_be32 out_if;
    ovs_be32 start_uptime;      /* ms since ovs-vswitchd started. */
    ovs_be32 end_uptime;
    ovs_be16 src_port;
    ovs_be16 dst_port;
    ovs_be16 icmp;              /* type * 256 + code. */
    ovs_be16 tcp_flags;
    uint8_t proto;
    uint8_t tos;
    uint8_t ip_version;
    uint8_t direction;          /* 0 = ingress. */
    uint8_t end_reason;         /* IPFIX flowEndReason. */
    struct eth_addr src_mac;
    struct eth_addr dst_mac;
    ovs_be16 ether_type;
    ovs_be16 vlan_id;           /* Outer 802.1Q VID, or 0. */
    ovs_be16 cvlan_id;          /* Inner (customer) VID, or 0. */
    uint8_t mpls[FX_KEY_MAX_MPLS][3]; /* Label stack entries, top first. */
    ovs_be64 l2_segment_id;     /* VXLAN: 0x01 << 56 | VNI, or 0. */
    ovs_be32 gre_key;           /* GRE key, or 0. */

    /* The reverse direction of a biflow (RFC 5103). */
    uint8_t biflow_direction;   /* 1: the forward direction is the
                                 * initiator's. */
    ovs_be64 rev_octets;
    ovs_be64 rev_packets;
    uint8_t rev_tos;
    ovs_be16 rev_tcp_flags;
    ovs_be32 rev_in_if;
    ovs_be32 rev_out_if;
    ovs_be64 rev_start_ms;
    ovs_be64 rev_end_ms;
    uint8_t rev_fwd_status;     /* Its forwardingStatus (journeys). */

    /* Ports and who is behind them (interface table, port_identity). */
    struct fx_ie_bytes in_name;       /* Interface name. */
    struct fx_ie_bytes in_desc;       /* Its description. */
    struct fx_ie_bytes in_vsi_id;     /* iface-id as a UUID, or empty. */
    struct fx_ie_bytes in_vsi_name;   /* iface-id. */
    struct fx_ie_bytes in_vs_uuid;    /* vm-id/vm-uuid as a UUID, or empty. */
    struct fx_ie_bytes out_name;      /* The same for the egress port. */
    struct fx_ie_bytes out_vsi_name;
    struct fx_ie_bytes out_vs_uuid;

    /* Tunnels: VMware's elements (key_fields=tunnel, IPv4 underlay). */
    ovs_be32 tun_src4;          /* Outer source address. */
    ovs_be32 tun_dst4;          /* Outer destination address. */
    uint8_t tun_proto;          /* Outer IP protocol. */
    ovs_be16 tun_dst_port;      /* Outer destination port, or 0. */
    uint8_t tun_type;           /* enum fx_if_tunnel. */
    struct fx_ie_bytes tun_key; /* The key, in 'tun_key_buf'. */
    uint8_t tun_key_buf[8];

    /* Journeys through recirculation (conntrack). */
    uint8_t fwd_status;         /* RFC 7270 forwardingStatus. */
    ovs_be32 nat_src4;          /* Post-NAT addresses and ports. */
    ovs_be32 nat_dst4;
    struct in6_addr nat_src6;
    struct in6_addr nat_dst6;
    ovs_be16 nat_src_port;
    ovs_be16 nat_dst_port;

    /* Exporter statistics, for the options record. */
    ovs_be64 octets_total;      /* Bytes sent in the stream so far. */
    ovs_be64 messages_total;    /* Messages sent in the stream so far. */
    ovs_be64 records_total;     /* Flow records sent in the stream so far. */
    ovs_be64 now_ms;            /* Wall clock of the statistics. */
    ovs_be32 process_id;        /* Exporting process: the domain id. */

    /* Flow selection, for the sampling options record. */
    ovs_be64 selector_id;       /* Always 1: one selector per exporter. */
    ovs_be16 selector_algorithm; /* IANA flowSelectorAlgorithm. */
    ovs_be64 flow_interval;     /* Flows selected in a row: 1. */
    ovs_be64 flow_spacing;      /* Flows not selected in between: N - 1. */
    ovs_be64 probability;       /* 1 / N, as an IEEE 754 double. */
    ovs_be64 hash_output_min;   /* 0. */
    ovs_be64 hash_output_max;   /* UINT32_MAX. */
    ovs_be64 hash_selected_min; /* 0. */
    ovs_be64 hash_selected_max; /* fx_sampling_hash_max(N). */
    ovs_be64 hash_init;         /* FX_SAMPLING_HASH_BASIS. */
    ovs_be64 flows_observed;    /* Flows the selector saw so far. */
    ovs_be64 flows_selected;    /* Flows it selected so far. */
    ovs_be32 sampling_interval; /* v9: N. */
    uint8_t sampling_algorithm; /* v9: 1 deterministic, 2 random. */
};

void fx_ie_view_init(struct fx_ie_view *, const struct fx_record *,
                     const struct fx_record *reverse,
                     const struct fx_encoder_settings *,
                     long long int wall_offset);
void fx_ie_view_set_ports(struct fx_ie_view *, const struct fx_iface *in,
                          const struct fx_iface *out);
void fx_ie_view_set_tunnel(struct fx_ie_view *, const struct fx_key *,
                           enum fx_tunnel_kind,
                           const struct fx_iface *in_iface);

enum fx_tunnel_kind fx_tunnel_kind(const struct fx_key *,
                                   const struct fx_iface *in_iface);

#endif /* fx-ie-view.h */
