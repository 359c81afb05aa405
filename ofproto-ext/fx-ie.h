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

#ifndef FX_IE_H
#define FX_IE_H 1

/* The information elements of template-based export (NetFlow v9, RFC
 * 3954, and IPFIX, RFC 7011), and what templates are made of: the table
 * and its combinations, nothing about records or messages.
 *
 * Information elements are defined once, in fx-ie.def: 'fx_ies' has each
 * one's number, length and names, and where its value is in a 'struct
 * fx_ie_view' (fx-ie-view.h, which turns records into those values).
 * Elements always exported together (e.g. the IPv4 addresses or the
 * counters) form a field group, and a template is a list of groups
 * ('struct fx_template_def'); fx-nf9.c and fx-ipfix.c list theirs.  Each
 * record shape (IPv4, IPv6, with FX_KEY_MPLS non-IP "L2", for
 * bidirectional IPFIX exporters IPv4 and IPv6 biflows, and journeys
 * through conntrack) has one template per protocol, which
 * fx_template_init_shape() follows with the groups of the optional key
 * parts configured that the protocol defines (v9 lacks most L2 and all
 * tunnel elements), with FX_KEY_TUNNEL one more per tunnel kind (enum
 * fx_tunnel_kind), and with 'port_identity' the ports' identities.  An
 * encoder flattens each template it uses once into a 'struct fx_template',
 * the list of elements that both its template record and its data records
 * are generated from, so that the two cannot drift apart.
 *
 * Everything here is constant data and functions of their arguments only:
 * any thread may use them.  How templates and records are put into
 * messages is fx-template.h's job. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Private enterprise number of RFC 5103's reverse information elements. */
#define FX_PEN_REVERSE 29305

/* Element length of a variable-length element (RFC 7011 section 7); its
 * value in a 'struct fx_ie_view' is a 'struct fx_ie_bytes'. */
#define FX_IE_VARLEN 0xffff

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
    FX_SHAPE_IPV4_BIFLOW_CT,    /* IPv4 journeys with both directions:
                                 * forwardingStatus of each. */
    FX_SHAPE_IPV6_BIFLOW_CT,    /* IPv6 likewise. */
    FX_SHAPE_IPV4_BIFLOW_NAT,   /* IPv4 journeys with both directions that
                                 * conntrack translated: also the forward
                                 * direction's post-NAT elements. */
    FX_SHAPE_IPV6_BIFLOW_NAT,   /* IPv6 likewise. */
    FX_N_SHAPES
};

/* What a record shape holds: the one table from which the shape of a
 * record, and the parts of its templates, are chosen. */
struct fx_shape_info {
    bool ip;                    /* IP (Ethernet and VLAN groups), else the
                                 * L2 shape (MAC, VLAN and MPLS groups). */
    bool ipv6;                  /* IPv6, else IPv4 (if 'ip'). */
    bool biflow;                /* Both directions (RFC 5103). */
    bool journey;               /* Through recirculation: forwardingStatus;
                                 * its templates are sent once needed. */
    bool nat;                   /* Translated by conntrack: post-NAT
                                 * elements ('journey' too). */
};
extern const struct fx_shape_info fx_shapes[FX_N_SHAPES];
enum fx_shape fx_shape_find(const struct fx_shape_info *);

/* With FX_KEY_TUNNEL, each shape has one template per kind of tunnel, so
 * that a record carries only the elements that mean something for it:
 * VXLAN's VNI as IANA's layer2SegmentId, a GRE key as greKey, and for
 * tunnels over IPv4 whose type VMware's elements know (VXLAN, GRE, Geneve,
 * STT, LISP) those elements too.  Untunneled flows and tunnels with none
 * of these (ERSPAN, Geneve over IPv6, ...) use the shape's plain template.
 * A kind's template id is the shape's plus FX_TUNNEL_TEMPLATE_ID_STEP
 * times the kind.  fx_tunnel_kind() (fx-ie-view.h) tells a record's. */
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
    FX_IE_GROUP(rev_fwd_status)     /* Its reverse (biflows). */         \
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

bool fx_ie_group_in_version(const struct fx_ie_group *, uint16_t version);
void fx_template_init(struct fx_template *, const struct fx_template_def *);
bool fx_template_init_shape(struct fx_template *,
                            const struct fx_template_def *,
                            uint16_t version, enum fx_shape,
                            enum fx_tunnel_kind, uint32_t key_fields,
                            bool port_identity);

#endif /* fx-ie.h */
