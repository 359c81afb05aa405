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

#ifndef FX_TEMPLATE_H
#define FX_TEMPLATE_H 1

/* Template-based export (NetFlow v9, RFC 3954, and IPFIX, RFC 7011): the
 * machinery both protocols share.
 *
 * Information elements are defined once, in fx-ie.def, and combined into
 * field groups (elements always exported together, e.g. the IPv4 addresses
 * or the counters).  A template is a list of groups; each record shape
 * (IPv4, IPv6, with FX_KEY_MPLS non-IP "L2", and for bidirectional IPFIX
 * exporters IPv4 and IPv6 biflows) has one template per
 * protocol, followed by the groups of the optional key parts configured
 * that the protocol defines (v9 lacks most L2 and all tunnel elements),
 * with FX_KEY_TUNNEL one more per tunnel kind (enum fx_tunnel_kind), and
 * with 'port_identity' the ports' identities.  Options templates carry
 * exporter statistics, flow selection and the interface table.
 * Encoding a record first converts it into a 'struct fx_ie_view', whose
 * members hold every element's value already in wire format; the template
 * then says which of them to copy, in which order.  Templates and data
 * records are thus generated from the same table and cannot drift apart.
 *
 * What differs between v9 and IPFIX (message header, set ids, sequence
 * numbering, which time elements are used) is described by a
 * 'struct fx_dialect'; fx-nf9.c and fx-ipfix.c each define one.
 *
 * The fx_tmpl_encoder_*() functions below are those classes' members,
 * with fx_encoder_class's contracts and threads (see fx-encoder.h). */

#include <stddef.h>
#include <stdint.h>
#include <netinet/in.h>
#include "fx-encoder.h"
#include "openvswitch/types.h"
#include "packets.h"

struct ofpbuf;

/* Private enterprise number of RFC 5103's reverse information elements. */
#define FX_PEN_REVERSE 29305

/* Element length of a variable-length element (RFC 7011 section 7), and
 * the value of one in a 'struct fx_ie_view'. */
#define FX_IE_VARLEN 0xffff
struct fx_ie_bytes {
    const void *data;           /* 'len' bytes, or NULL if 'len' is 0. */
    size_t len;
};

enum fx_ie {
#define FX_IE(ENUM, PEN, ID, IPFIX_NAME, V9_NAME, LENGTH, FIELD) FX_IE_##ENUM,
#include "fx-ie.def"
#undef FX_IE
    FX_N_IES
};

struct fx_ie_info {
    uint32_t pen;               /* Enterprise number, 0 for IANA elements. */
    uint16_t id;                /* Element id / v9 field type. */
    uint16_t length;            /* Encoded length, or FX_IE_VARLEN. */
    uint16_t offset;            /* Offset of the value in fx_ie_view. */
    const char *ipfix_name;     /* IANA name. */
    const char *v9_name;        /* RFC 3954 name, or NULL. */
};

extern const struct fx_ie_info fx_ies[FX_N_IES];

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

/* Record shapes, each with its own template. */
enum fx_shape {
    FX_SHAPE_IPV4,
    FX_SHAPE_IPV6,
    FX_SHAPE_L2,                /* Not IP: MPLS, with FX_KEY_MPLS only. */
    FX_SHAPE_IPV4_BIFLOW,       /* IPv4 with both directions (RFC 5103), */
    FX_SHAPE_IPV6_BIFLOW,       /* IPv6 likewise: bidirectional only. */
    FX_SHAPE_IPV4_CT,           /* IPv4 journeys through recirculation:
                                 * with forwardingStatus. */
    FX_SHAPE_IPV6_CT,           /* IPv6 likewise. */
    FX_SHAPE_IPV4_NAT,          /* IPv4 journeys that conntrack translated:
                                 * forwardingStatus, post-NAT elements. */
    FX_SHAPE_IPV6_NAT,          /* IPv6 likewise. */
    FX_N_SHAPES
};

/* With FX_KEY_TUNNEL, each shape has one template per kind of tunnel, so
 * that a record carries only the elements that mean something for it:
 * VXLAN's VNI as IANA's layer2SegmentId, a GRE key as greKey, and for
 * tunnels over IPv4 whose type VMware's elements know (VXLAN, GRE, Geneve,
 * STT, LISP) those elements too.  Untunneled flows and tunnels with none
 * of these (ERSPAN, Geneve over IPv6, ...) use the shape's plain template.
 * A kind's template id is the shape's plus FX_TUNNEL_TEMPLATE_ID_STEP
 * times the kind. */
enum fx_tunnel_kind {
    FX_TUNNEL_NONE,
    FX_TUNNEL_VXLAN,            /* layer2SegmentId only (IPv6 underlay). */
    FX_TUNNEL_GRE,              /* greKey only (IPv6 underlay). */
    FX_TUNNEL_VXLAN_V4,         /* layer2SegmentId and VMware's elements. */
    FX_TUNNEL_GRE_V4,           /* greKey and VMware's elements. */
    FX_TUNNEL_OTHER_V4,         /* VMware's elements only: Geneve, STT,
                                 * LISP. */
    FX_N_TUNNEL_KINDS
};
#define FX_TUNNEL_TEMPLATE_ID_STEP 16
struct fx_iface;
enum fx_tunnel_kind fx_tunnel_kind(const struct fx_key *,
                                   const struct fx_iface *in_iface);

/* A template of an encoder: a shape and a tunnel kind. */
#define FX_N_RECORD_TEMPLATES (FX_N_SHAPES * FX_N_TUNNEL_KINDS)

/* Elements that are always exported together. */
struct fx_ie_group {
    const enum fx_ie *ies;
    size_t n_ies;
    uint16_t string_len;        /* Fixed length of the group's variable-
                                 * length elements (strings padded with
                                 * NULs, always NUL-terminated), or 0 to
                                 * send them with their own lengths. */
};

#define FX_IE_GROUPS                                                      \
    FX_IE_GROUP(ipv4_addresses)     /* Source, destination IPv4. */       \
    FX_IE_GROUP(ipv6_addresses)     /* Source, destination IPv6. */       \
    FX_IE_GROUP(transport)          /* ToS, protocol, L4 ports. */        \
    FX_IE_GROUP(icmp4)              /* ICMP type and code. */             \
    FX_IE_GROUP(icmp6)              /* ICMPv6 type and code (IPFIX). */   \
    FX_IE_GROUP(forwarding)         /* TCP flags, interfaces, direction. */\
    FX_IE_GROUP(interfaces)         /* Interfaces, direction (L2). */    \
    FX_IE_GROUP(counters)           /* 64-bit octets and packets. */      \
    FX_IE_GROUP(times_ms)           /* Absolute start and end (IPFIX). */ \
    FX_IE_GROUP(times_uptime)       /* SysUptime start and end (v9). */   \
    FX_IE_GROUP(end_reason)         /* flowEndReason (IPFIX). */         \
    FX_IE_GROUP(fwd_status)         /* forwardingStatus (RFC 7270). */   \
    FX_IE_GROUP(nat4)               /* Post-NAT IPv4 addresses, ports. */\
    FX_IE_GROUP(nat6)               /* Post-NAT IPv6 addresses, ports. */\
    FX_IE_GROUP(ethernet)           /* MACs, Ethertype (FX_KEY_MAC). */  \
    FX_IE_GROUP(macs)               /* MACs (FX_KEY_MAC, L2 shape). */   \
    FX_IE_GROUP(ether_type)         /* Ethertype (L2 shape). */          \
    FX_IE_GROUP(mpls)               /* Label stack (FX_KEY_MPLS). */     \
    FX_IE_GROUP(vxlan)              /* VXLAN VNI (FX_KEY_TUNNEL). */     \
    FX_IE_GROUP(gre)                /* GRE key (FX_KEY_TUNNEL). */       \
    FX_IE_GROUP(vmware_tunnel)      /* VMware's tunnel elements. */      \
    FX_IE_GROUP(in_identity)        /* Ingress port: name, VM (IPFIX). */ \
    FX_IE_GROUP(out_identity)       /* Egress port likewise. */          \
    FX_IE_GROUP(iftable_scope)      /* Interface table scope: port. */   \
    FX_IE_GROUP(iftable)            /* Name, virtual station, MAC. */    \
    FX_IE_GROUP(v9_interface)       /* v9 scope "Interface". */          \
    FX_IE_GROUP(v9_if_name)         /* Interface name, fixed length. */  \
    FX_IE_GROUP(if_desc)            /* Port, description (nfdump). */    \
    FX_IE_GROUP(vlans)              /* 802.1Q VIDs (FX_KEY_VLAN). */     \
    FX_IE_GROUP(reverse)            /* Biflow direction, reverse values. */\
    FX_IE_GROUP(process)            /* Exporting process (scope). */     \
    FX_IE_GROUP(v9_system)          /* v9 scope "System". */             \
    FX_IE_GROUP(exporter_stats)     /* RFC 7011 4.3 statistics. */      \
    FX_IE_GROUP(observation_time)   /* When (IPFIX). */                 \
    FX_IE_GROUP(selector)           /* Selector id (scope). */          \
    FX_IE_GROUP(selector_algorithm) /* flowSelectorAlgorithm. */        \
    FX_IE_GROUP(flow_spacing)       /* Systematic: interval, spacing. */ \
    FX_IE_GROUP(flow_probability)   /* Probabilistic: probability. */   \
    FX_IE_GROUP(flow_hash)          /* Hash: ranges, initialiser. */    \
    FX_IE_GROUP(selector_totals)    /* Flows observed and selected. */  \
    FX_IE_GROUP(v9_sampling)        /* v9 sampler fields. */

#define FX_IE_GROUP(NAME) extern const struct fx_ie_group fx_group_##NAME;
FX_IE_GROUPS
#undef FX_IE_GROUP

/* A template, as a list of field groups. */
struct fx_template_def {
    uint16_t id;                /* Template id, >= 256. */
    const struct fx_ie_group *const *groups;
    size_t n_groups;
};

/* The flattened form of a fx_template_def, for encoding. */
#define FX_TEMPLATE_MAX_IES 56
struct fx_template {
    uint16_t id;                /* Template id, >= 256. */
    enum fx_ie ies[FX_TEMPLATE_MAX_IES]; /* Elements, in record order. */
    uint16_t lengths[FX_TEMPLATE_MAX_IES]; /* Their lengths on the wire,
                                            * FX_IE_VARLEN if variable. */
    size_t n_ies;
    size_t record_len;          /* Bytes of one data record, at least: a
                                 * variable-length element counts its
                                 * length byte only. */
    bool varlen;                /* Has variable-length elements? */
};

struct fx_tmpl_encoder;

/* What distinguishes NetFlow v9 from IPFIX. */
struct fx_dialect {
    uint16_t version;           /* 9 or 10. */
    uint16_t template_set_id;   /* 0 (v9) or 2 (IPFIX). */
    size_t header_len;          /* Message header length. */
    size_t seq_offset;          /* Offset of the 32-bit sequence number. */
    const struct fx_template_def *templates; /* Indexed by fx_shape. */

    /* Options template for exporter statistics, sent with the templates
     * (its first 'n_scope' elements are scope), or NULL. */
    const struct fx_template_def *stats_template;
    size_t stats_n_scope;
    uint16_t options_template_set_id;   /* 1 (v9) or 3 (IPFIX). */

    /* Options template that signals flow sampling, by enum
     * fx_sampling_mode, sent with the templates when the exporter samples
     * (its first element is scope), or NULL. */
    const struct fx_template_def *sampling_templates;

    /* Options templates of the interface table (its first element is
     * scope), sent with the templates with 'interface_table'. */
    const struct fx_template_def *iftable_templates;
    size_t n_iftable_templates;

    /* Appends the header of options template 't' (after its set header):
     * the two protocols describe the scope differently. */
    void (*put_options_template_header)(struct ofpbuf *msg,
                                        const struct fx_template *t,
                                        size_t n_scope);

    /* Fills in the message header at the start of 'msg'.  'n_data' and
     * 'n_templates' are the data and template records in the message. */
    void (*put_header)(struct fx_tmpl_encoder *, struct ofpbuf *msg,
                       long long int now, long long int wall_now,
                       size_t n_data, size_t n_templates);
};

/* Encoder state shared by v9 and IPFIX. */
struct fx_tmpl_encoder {
    struct fx_encoder up;
    const struct fx_dialect *dialect;
    uint32_t sequence;          /* Next header sequence number. */

    /* Template refresh (RFC 7011 section 10.3.6 for UDP). */
    long long int templates_sent; /* time_msec() a round last ended. */
    unsigned int msgs_since_templates;
    bool templates_ever_sent;

    /* A round of templates (see fx-template.c) that goes on over as many
     * messages as it needs: the next item to send ('round_pos'), and the
     * next item after those in the message under construction, which
     * become sent when the message is finished. */
    bool round_active;
    size_t round_pos;
    size_t round_msg_pos;

    /* dialect->templates, by shape * FX_N_TUNNEL_KINDS + tunnel kind. */
    struct fx_template templates[FX_N_RECORD_TEMPLATES];
    bool in_use[FX_N_RECORD_TEMPLATES];  /* Which of them are in use. */
    bool announced[FX_N_RECORD_TEMPLATES]; /* Which of them go out with the
                                            * templates: the plain ones from
                                            * the start, a tunnel kind's
                                            * once a record needs it. */
    struct fx_template stats_template;   /* dialect->stats_template. */
    struct fx_template sampling_template; /* The sampling mode's, if the
                                           * exporter samples (id != 0). */

    /* The interface table, with 'interface_table': its options templates,
     * and which of its rows are still to be sent.  The whole table goes
     * out after the templates and whenever it changes. */
#define FX_MAX_IFTABLE_TEMPLATES 2
    struct fx_template iftable_templates[FX_MAX_IFTABLE_TEMPLATES];
    size_t n_iftable_templates;
    uint64_t iftable_version;   /* Version of the table last begun. */
    bool iftable_due;           /* Rows remain to be sent. */
    size_t iftable_pos;         /* Next: template * rows + row. */

    /* Totals of the stream, for the statistics options record. */
    uint64_t octets_total;
    uint64_t messages_total;
    uint64_t records_total;

    /* The message under construction. */
    size_t set_ofs;             /* Offset of the open data set, or 0. */
    uint16_t set_id;            /* Template id of the open data set, or
                                 * 0. */
    size_t n_data;              /* Flow data records in the message. */
    size_t n_options;           /* Options data records in the message. */
    size_t n_templates;         /* Template records in the message. */
    long long int wall_offset;  /* time_wall_msec() - time_msec(). */
};

struct fx_encoder *fx_tmpl_encoder_create(const struct fx_dialect *,
                                          const struct fx_encoder_class *,
                                          const struct fx_encoder_settings *);
void fx_tmpl_encoder_destroy(struct fx_encoder *);
size_t fx_tmpl_encoder_min_mtu(const struct fx_dialect *,
                               const struct fx_encoder_class *,
                               const struct fx_encoder_settings *);
void fx_tmpl_encoder_begin(struct fx_encoder *, struct ofpbuf *msg);
enum fx_encode_result fx_tmpl_encoder_add(struct fx_encoder *,
                                          struct ofpbuf *msg,
                                          struct fx_record *,
                                          const struct fx_record *reverse);
enum fx_encode_result fx_tmpl_encoder_add_options(struct fx_encoder *,
                                                  struct ofpbuf *msg,
                                                  size_t *n_added);
size_t fx_tmpl_encoder_finish(struct fx_encoder *, struct ofpbuf *msg,
                              long long int now, long long int wall_now);
void fx_tmpl_encoder_put_templates(struct fx_encoder *, struct ofpbuf *msg,
                                   const struct ofpbuf *next,
                                   long long int now, long long int wall_now);

struct fx_tmpl_encoder *fx_tmpl_encoder_cast(struct fx_encoder *);

void fx_template_put_u16(struct ofpbuf *, uint16_t);

void fx_ie_view_init(struct fx_ie_view *, const struct fx_record *,
                     const struct fx_record *reverse,
                     const struct fx_encoder_settings *,
                     long long int wall_offset);
void fx_ie_view_set_ports(struct fx_ie_view *, const struct fx_iface *in,
                          const struct fx_iface *out);
void fx_ie_view_set_tunnel(struct fx_ie_view *, const struct fx_key *,
                           enum fx_tunnel_kind,
                           const struct fx_iface *in_iface);

#endif /* fx-template.h */
