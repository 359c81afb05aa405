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

/* The information element table, field groups and templates as lists of
 * groups.  See fx-ie.h. */

#include <config.h>
#include "fx-ie.h"

#include "fx-ie-view.h"
#include "fx-iftable.h"
#include "fx-key.h"
#include "util.h"

/* Every element's value is a member of fx_ie_view of exactly its length,
 * or a struct fx_ie_bytes if its length is variable. */
#define FX_IE(ENUM, PEN, ID, IPFIX_NAME, V9_NAME, LENGTH, FIELD)        \
    BUILD_ASSERT_DECL(sizeof(((struct fx_ie_view *) 0)->FIELD)          \
                      == (LENGTH == FX_IE_VARLEN                        \
                          ? sizeof(struct fx_ie_bytes) : LENGTH));
#include "fx-ie.def"
#undef FX_IE

const struct fx_ie_info fx_ies[FX_N_IES] = {
#define FX_IE(ENUM, PEN, ID, IPFIX_NAME, V9_NAME, LENGTH, FIELD)        \
    [FX_IE_##ENUM] = { PEN, ID, LENGTH,                                 \
                       offsetof(struct fx_ie_view, FIELD),              \
                       IPFIX_NAME, V9_NAME },
#include "fx-ie.def"
#undef FX_IE
};

/* Field groups. */
#define FX_DEFINE_GROUP(NAME, ...)                                      \
    FX_DEFINE_GROUP_FIXED(NAME, 0, __VA_ARGS__)
#define FX_DEFINE_GROUP_FIXED(NAME, STRING_LEN, ...)                    \
    static const enum fx_ie NAME##_ies[] = { __VA_ARGS__ };             \
    const struct fx_ie_group fx_group_##NAME = {                        \
        .ies = NAME##_ies,                                              \
        .n_ies = ARRAY_SIZE(NAME##_ies),                                \
        .string_len = STRING_LEN,                                       \
    };
FX_DEFINE_GROUP(ipv4_addresses,
                FX_IE_SOURCE_IPV4_ADDRESS, FX_IE_DESTINATION_IPV4_ADDRESS)
FX_DEFINE_GROUP(ipv6_addresses,
                FX_IE_SOURCE_IPV6_ADDRESS, FX_IE_DESTINATION_IPV6_ADDRESS)
FX_DEFINE_GROUP(transport,
                FX_IE_IP_CLASS_OF_SERVICE, FX_IE_PROTOCOL_IDENTIFIER,
                FX_IE_SOURCE_TRANSPORT_PORT, FX_IE_DESTINATION_TRANSPORT_PORT)
FX_DEFINE_GROUP(icmp4, FX_IE_ICMP_TYPE_CODE_IPV4)
FX_DEFINE_GROUP(icmp6, FX_IE_ICMP_TYPE_CODE_IPV6)
FX_DEFINE_GROUP(forwarding,
                FX_IE_TCP_CONTROL_BITS, FX_IE_INGRESS_INTERFACE,
                FX_IE_EGRESS_INTERFACE, FX_IE_FLOW_DIRECTION)
FX_DEFINE_GROUP(interfaces,
                FX_IE_INGRESS_INTERFACE, FX_IE_EGRESS_INTERFACE,
                FX_IE_FLOW_DIRECTION)
FX_DEFINE_GROUP(counters, FX_IE_OCTET_DELTA_COUNT, FX_IE_PACKET_DELTA_COUNT)
FX_DEFINE_GROUP(times_ms,
                FX_IE_FLOW_START_MILLISECONDS, FX_IE_FLOW_END_MILLISECONDS)
FX_DEFINE_GROUP(times_uptime,
                FX_IE_FLOW_START_SYS_UP_TIME, FX_IE_FLOW_END_SYS_UP_TIME)
FX_DEFINE_GROUP(end_reason, FX_IE_FLOW_END_REASON)
FX_DEFINE_GROUP(fwd_status, FX_IE_FORWARDING_STATUS)
FX_DEFINE_GROUP(rev_fwd_status, FX_IE_REVERSE_FORWARDING_STATUS)
FX_DEFINE_GROUP(nat4,
                FX_IE_POST_NAT_SOURCE_IPV4_ADDRESS,
                FX_IE_POST_NAT_DESTINATION_IPV4_ADDRESS,
                FX_IE_POST_NAPT_SOURCE_TRANSPORT_PORT,
                FX_IE_POST_NAPT_DESTINATION_TRANSPORT_PORT)
FX_DEFINE_GROUP(nat6,
                FX_IE_POST_NAT_SOURCE_IPV6_ADDRESS,
                FX_IE_POST_NAT_DESTINATION_IPV6_ADDRESS,
                FX_IE_POST_NAPT_SOURCE_TRANSPORT_PORT,
                FX_IE_POST_NAPT_DESTINATION_TRANSPORT_PORT)
FX_DEFINE_GROUP(process, FX_IE_EXPORTING_PROCESS_ID)
FX_DEFINE_GROUP(v9_system, FX_IE_V9_SCOPE_SYSTEM)
FX_DEFINE_GROUP(ethernet, FX_IE_SOURCE_MAC_ADDRESS,
                FX_IE_DESTINATION_MAC_ADDRESS, FX_IE_ETHERNET_TYPE)
FX_DEFINE_GROUP(macs, FX_IE_SOURCE_MAC_ADDRESS, FX_IE_DESTINATION_MAC_ADDRESS)
FX_DEFINE_GROUP(ether_type, FX_IE_ETHERNET_TYPE)
FX_DEFINE_GROUP(vlans, FX_IE_DOT1Q_VLAN_ID, FX_IE_DOT1Q_CUSTOMER_VLAN_ID)
FX_DEFINE_GROUP(mpls, FX_IE_MPLS_TOP_LABEL_STACK_SECTION,
                FX_IE_MPLS_LABEL_STACK_SECTION2,
                FX_IE_MPLS_LABEL_STACK_SECTION3)
FX_DEFINE_GROUP(vxlan, FX_IE_LAYER2_SEGMENT_ID)
FX_DEFINE_GROUP(gre, FX_IE_GRE_KEY)
FX_DEFINE_GROUP(vmware_tunnel,
                FX_IE_TUNNEL_SOURCE_IPV4_ADDRESS,
                FX_IE_TUNNEL_DESTINATION_IPV4_ADDRESS,
                FX_IE_TUNNEL_PROTOCOL_IDENTIFIER,
                FX_IE_TUNNEL_DESTINATION_TRANSPORT_PORT,
                FX_IE_TUNNEL_TYPE, FX_IE_TUNNEL_KEY)
FX_DEFINE_GROUP(in_identity,
                FX_IE_INTERFACE_NAME, FX_IE_VIRTUAL_STATION_INTERFACE_NAME,
                FX_IE_VIRTUAL_STATION_UUID)
FX_DEFINE_GROUP(out_identity,
                FX_IE_EGRESS_INTERFACE_NAME,
                FX_IE_EGRESS_VIRTUAL_STATION_INTERFACE_NAME,
                FX_IE_EGRESS_VIRTUAL_STATION_UUID)
FX_DEFINE_GROUP(iftable_scope, FX_IE_INGRESS_INTERFACE)
FX_DEFINE_GROUP(iftable,
                FX_IE_INTERFACE_NAME, FX_IE_VIRTUAL_STATION_INTERFACE_ID,
                FX_IE_VIRTUAL_STATION_INTERFACE_NAME,
                FX_IE_VIRTUAL_STATION_UUID, FX_IE_SOURCE_MAC_ADDRESS)
FX_DEFINE_GROUP(v9_interface, FX_IE_V9_SCOPE_INTERFACE)
/* NetFlow v9 has no variable-length fields: a name padded to 64 bytes. */
FX_DEFINE_GROUP_FIXED(v9_if_name, 64, FX_IE_INTERFACE_NAME)
/* The layout of interface descriptions that nfdump 1.7 reads: the port and
 * its description, NUL-padded to a fixed length (see fx-ipfix.c). */
FX_DEFINE_GROUP_FIXED(if_desc, FX_IFACE_DESC_MAX,
                      FX_IE_INGRESS_INTERFACE, FX_IE_INTERFACE_DESCRIPTION)
FX_DEFINE_GROUP(reverse,
                FX_IE_BIFLOW_DIRECTION, FX_IE_REVERSE_IP_CLASS_OF_SERVICE,
                FX_IE_REVERSE_TCP_CONTROL_BITS,
                FX_IE_REVERSE_INGRESS_INTERFACE,
                FX_IE_REVERSE_EGRESS_INTERFACE,
                FX_IE_REVERSE_OCTET_DELTA_COUNT,
                FX_IE_REVERSE_PACKET_DELTA_COUNT,
                FX_IE_REVERSE_FLOW_START_MILLISECONDS,
                FX_IE_REVERSE_FLOW_END_MILLISECONDS)

const struct fx_shape_info fx_shapes[FX_N_SHAPES] = {
    [FX_SHAPE_IPV4] = { .ip = true },
    [FX_SHAPE_IPV6] = { .ip = true, .ipv6 = true },
    [FX_SHAPE_L2] = { .ip = false },
    [FX_SHAPE_IPV4_BIFLOW] = { .ip = true, .biflow = true },
    [FX_SHAPE_IPV6_BIFLOW] = { .ip = true, .ipv6 = true, .biflow = true },
    [FX_SHAPE_IPV4_CT] = { .ip = true, .journey = true },
    [FX_SHAPE_IPV6_CT] = { .ip = true, .ipv6 = true, .journey = true },
    [FX_SHAPE_IPV4_NAT] = { .ip = true, .journey = true, .nat = true },
    [FX_SHAPE_IPV6_NAT] = { .ip = true, .ipv6 = true, .journey = true,
                            .nat = true },
    [FX_SHAPE_IPV4_BIFLOW_CT] = { .ip = true, .biflow = true,
                                  .journey = true },
    [FX_SHAPE_IPV6_BIFLOW_CT] = { .ip = true, .ipv6 = true, .biflow = true,
                                  .journey = true },
    [FX_SHAPE_IPV4_BIFLOW_NAT] = { .ip = true, .biflow = true,
                                   .journey = true, .nat = true },
    [FX_SHAPE_IPV6_BIFLOW_NAT] = { .ip = true, .ipv6 = true, .biflow = true,
                                   .journey = true, .nat = true },
};

/* Returns the shape that holds what 'want' says. */
enum fx_shape
fx_shape_find(const struct fx_shape_info *want)
{
    for (size_t shape = 0; shape < FX_N_SHAPES; shape++) {
        const struct fx_shape_info *info = &fx_shapes[shape];

        if (info->ip == want->ip && info->ipv6 == want->ipv6
            && info->biflow == want->biflow
            && info->journey == want->journey && info->nat == want->nat) {
            return shape;
        }
    }
    OVS_NOT_REACHED();
}

/* The field group that exports each optional key part in IP shapes and in
 * the L2 shape (NULL if such shapes never have it: IP flows have no MPLS
 * labels, since OVS does not parse past them; the L2 shape has its
 * Ethertype already). */
static const struct {
    enum fx_key_fields field;
    const struct fx_ie_group *ip_group;
    const struct fx_ie_group *l2_group;
} key_field_groups[] = {
    { FX_KEY_MAC, &fx_group_ethernet, &fx_group_macs },
    { FX_KEY_VLAN, &fx_group_vlans, &fx_group_vlans },
    { FX_KEY_MPLS, NULL, &fx_group_mpls },
};

/* The field groups of each tunnel kind, in every shape: IANA's element
 * for the tunnel key, if there is one, then VMware's elements, if the
 * kind has them. */
static const struct fx_ie_group *const tunnel_kind_groups[][2] = {
    [FX_TUNNEL_NONE] = { NULL, NULL },
    [FX_TUNNEL_VXLAN] = { &fx_group_vxlan, NULL },
    [FX_TUNNEL_GRE] = { &fx_group_gre, NULL },
    [FX_TUNNEL_VXLAN_V4] = { &fx_group_vxlan, &fx_group_vmware_tunnel },
    [FX_TUNNEL_GRE_V4] = { &fx_group_gre, &fx_group_vmware_tunnel },
    [FX_TUNNEL_OTHER_V4] = { &fx_group_vmware_tunnel, NULL },
};
BUILD_ASSERT_DECL(ARRAY_SIZE(tunnel_kind_groups) == FX_N_TUNNEL_KINDS);

FX_DEFINE_GROUP(exporter_stats,
                FX_IE_EXPORTED_MESSAGE_TOTAL_COUNT,
                FX_IE_EXPORTED_OCTET_TOTAL_COUNT,
                FX_IE_EXPORTED_FLOW_RECORD_TOTAL_COUNT)
FX_DEFINE_GROUP(observation_time, FX_IE_OBSERVATION_TIME_MILLISECONDS)
FX_DEFINE_GROUP(selector, FX_IE_SELECTOR_ID)
FX_DEFINE_GROUP(selector_algorithm, FX_IE_FLOW_SELECTOR_ALGORITHM)
FX_DEFINE_GROUP(flow_spacing,
                FX_IE_SAMPLING_FLOW_INTERVAL, FX_IE_SAMPLING_FLOW_SPACING)
FX_DEFINE_GROUP(flow_probability, FX_IE_SAMPLING_PROBABILITY)
FX_DEFINE_GROUP(flow_hash,
                FX_IE_HASH_OUTPUT_RANGE_MIN, FX_IE_HASH_OUTPUT_RANGE_MAX,
                FX_IE_HASH_SELECTED_RANGE_MIN, FX_IE_HASH_SELECTED_RANGE_MAX,
                FX_IE_HASH_INITIALISER_VALUE)
FX_DEFINE_GROUP(selector_totals,
                FX_IE_SELECTOR_ID_TOTAL_FLOWS_OBSERVED,
                FX_IE_SELECTOR_ID_TOTAL_FLOWS_SELECTED)
FX_DEFINE_GROUP(v9_sampling, FX_IE_SAMPLING_INTERVAL, FX_IE_SAMPLING_ALGORITHM)

/* Appends the elements of 'group' to 't'. */
static void
fx_template_add_group(struct fx_template *t, const struct fx_ie_group *group)
{
    for (size_t i = 0; i < group->n_ies; i++) {
        uint16_t length = fx_ies[group->ies[i]].length;

        if (length == FX_IE_VARLEN && group->string_len) {
            length = group->string_len;
        }
        ovs_assert(t->n_ies < FX_TEMPLATE_MAX_IES);
        t->lengths[t->n_ies] = length;
        t->ies[t->n_ies++] = group->ies[i];
        if (length == FX_IE_VARLEN) {
            t->record_len += 1;     /* The length byte, at least. */
            t->varlen = true;
        } else {
            t->record_len += length;
        }
    }
}

/* Returns true if protocol 'version' (9 for NetFlow v9, 10 for IPFIX)
 * defines every element of 'group': v9 has no names for most L2 and
 * tunnel elements. */
bool
fx_ie_group_in_version(const struct fx_ie_group *group, uint16_t version)
{
    for (size_t i = 0; i < group->n_ies; i++) {
        if (version == 9 && !fx_ies[group->ies[i]].v9_name) {
            return false;
        }
    }
    return true;
}

/* Flattens 'def' into 't'. */
void
fx_template_init(struct fx_template *t, const struct fx_template_def *def)
{
    t->id = def->id;
    t->n_ies = 0;
    t->record_len = 0;
    t->varlen = false;
    for (size_t g = 0; g < def->n_groups; g++) {
        fx_template_add_group(t, def->groups[g]);
    }
}

/* Flattens 'def', the template of 'shape' in protocol 'version' (9 or 10),
 * into 't', followed by the groups of the optional key parts in
 * 'key_fields' (FX_KEY_*) that the shape has and the protocol defines, by
 * the elements of 'tunnel', and with 'port_identity' by the ports'
 * identities.  Returns false if there is no such template: the protocol
 * lacks the tunnel kind's elements, or 'key_fields' has no FX_KEY_TUNNEL. */
bool
fx_template_init_shape(struct fx_template *t,
                       const struct fx_template_def *def, uint16_t version,
                       enum fx_shape shape, enum fx_tunnel_kind tunnel,
                       uint32_t key_fields, bool port_identity)
{
    const struct fx_ie_group *const *tunnel_groups
        = tunnel_kind_groups[tunnel];

    for (size_t i = 0; i < ARRAY_SIZE(tunnel_kind_groups[tunnel]); i++) {
        if (tunnel_groups[i] && (!(key_fields & FX_KEY_TUNNEL)
                                 || !fx_ie_group_in_version(tunnel_groups[i],
                                                            version))) {
            return false;
        }
    }

    fx_template_init(t, def);
    t->id += tunnel * FX_TUNNEL_TEMPLATE_ID_STEP;
    for (size_t i = 0; i < ARRAY_SIZE(key_field_groups); i++) {
        const struct fx_ie_group *group = (fx_shapes[shape].ip
                                           ? key_field_groups[i].ip_group
                                           : key_field_groups[i].l2_group);

        if (key_fields & key_field_groups[i].field && group
            && fx_ie_group_in_version(group, version)) {
            fx_template_add_group(t, group);
        }
    }
    for (size_t i = 0; i < ARRAY_SIZE(tunnel_kind_groups[tunnel]); i++) {
        if (tunnel_groups[i]) {
            fx_template_add_group(t, tunnel_groups[i]);
        }
    }
    if (port_identity
        && fx_ie_group_in_version(&fx_group_in_identity, version)
        && fx_ie_group_in_version(&fx_group_out_identity, version)) {
        fx_template_add_group(t, &fx_group_in_identity);
        fx_template_add_group(t, &fx_group_out_identity);
    }
    return true;
}
