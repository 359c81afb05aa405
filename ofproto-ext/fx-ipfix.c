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

/* IPFIX (RFC 7011) encoder: absolute millisecond timestamps, flowEndReason,
 * and a sequence number that counts data records per observation domain.
 * Its templates are lists of fx-ie.h's field groups; sets come from
 * fx-template.c. */

#include <config.h>
#include "fx-template.h"

#include "fx-iftable.h"
#include "openvswitch/ofpbuf.h"
#include "util.h"

#define IPFIX_VERSION 10
#define IPFIX_TEMPLATE_SET_ID 2

struct ipfix_header {
    ovs_be16 version;           /* IPFIX_VERSION. */
    ovs_be16 length;            /* Message length, header included. */
    ovs_be32 export_time;       /* Seconds since the epoch. */
    ovs_be32 sequence;          /* Data records sent before this message. */
    ovs_be32 obs_domain_id;     /* Observation domain. */
};
BUILD_ASSERT_DECL(sizeof(struct ipfix_header) == 16);

static const struct fx_ie_group *const ipfix_ipv4[] = {
    &fx_group_ipv4_addresses, &fx_group_transport, &fx_group_icmp4,
    &fx_group_forwarding, &fx_group_counters, &fx_group_times_ms,
    &fx_group_end_reason,
};

static const struct fx_ie_group *const ipfix_ipv6[] = {
    &fx_group_ipv6_addresses, &fx_group_transport, &fx_group_icmp6,
    &fx_group_forwarding, &fx_group_counters, &fx_group_times_ms,
    &fx_group_end_reason,
};

/* Non-IP flows (MPLS): the label stack comes from the key part. */
static const struct fx_ie_group *const ipfix_l2[] = {
    &fx_group_ether_type, &fx_group_interfaces, &fx_group_counters,
    &fx_group_times_ms, &fx_group_end_reason,
};

/* Biflows (RFC 5103): the IP shapes with the reverse direction.  Flows
 * without a reverse direction keep the templates above. */
static const struct fx_ie_group *const ipfix_ipv4_biflow[] = {
    &fx_group_ipv4_addresses, &fx_group_transport, &fx_group_icmp4,
    &fx_group_forwarding, &fx_group_counters, &fx_group_times_ms,
    &fx_group_end_reason, &fx_group_reverse,
};

static const struct fx_ie_group *const ipfix_ipv6_biflow[] = {
    &fx_group_ipv6_addresses, &fx_group_transport, &fx_group_icmp6,
    &fx_group_forwarding, &fx_group_counters, &fx_group_times_ms,
    &fx_group_end_reason, &fx_group_reverse,
};

/* Journeys through recirculation (conntrack pipelines): the plain shapes
 * with forwardingStatus and, if conntrack translated the packets, the
 * post-NAT elements, in templates of their own so that other records stay
 * as they are. */
static const struct fx_ie_group *const ipfix_ipv4_ct[] = {
    &fx_group_ipv4_addresses, &fx_group_transport, &fx_group_icmp4,
    &fx_group_forwarding, &fx_group_counters, &fx_group_times_ms,
    &fx_group_end_reason, &fx_group_fwd_status,
};

static const struct fx_ie_group *const ipfix_ipv6_ct[] = {
    &fx_group_ipv6_addresses, &fx_group_transport, &fx_group_icmp6,
    &fx_group_forwarding, &fx_group_counters, &fx_group_times_ms,
    &fx_group_end_reason, &fx_group_fwd_status,
};

static const struct fx_ie_group *const ipfix_ipv4_nat[] = {
    &fx_group_ipv4_addresses, &fx_group_transport, &fx_group_icmp4,
    &fx_group_forwarding, &fx_group_counters, &fx_group_times_ms,
    &fx_group_end_reason, &fx_group_fwd_status, &fx_group_nat4,
};

static const struct fx_ie_group *const ipfix_ipv6_nat[] = {
    &fx_group_ipv6_addresses, &fx_group_transport, &fx_group_icmp6,
    &fx_group_forwarding, &fx_group_counters, &fx_group_times_ms,
    &fx_group_end_reason, &fx_group_fwd_status, &fx_group_nat6,
};

/* Biflows of journeys: the biflow shapes with each direction's
 * forwardingStatus and, if conntrack translated the forward direction,
 * its post-NAT elements (the reverse direction's are the forward key,
 * reversed). */
static const struct fx_ie_group *const ipfix_ipv4_biflow_ct[] = {
    &fx_group_ipv4_addresses, &fx_group_transport, &fx_group_icmp4,
    &fx_group_forwarding, &fx_group_counters, &fx_group_times_ms,
    &fx_group_end_reason, &fx_group_reverse, &fx_group_fwd_status,
    &fx_group_rev_fwd_status,
};

static const struct fx_ie_group *const ipfix_ipv6_biflow_ct[] = {
    &fx_group_ipv6_addresses, &fx_group_transport, &fx_group_icmp6,
    &fx_group_forwarding, &fx_group_counters, &fx_group_times_ms,
    &fx_group_end_reason, &fx_group_reverse, &fx_group_fwd_status,
    &fx_group_rev_fwd_status,
};

static const struct fx_ie_group *const ipfix_ipv4_biflow_nat[] = {
    &fx_group_ipv4_addresses, &fx_group_transport, &fx_group_icmp4,
    &fx_group_forwarding, &fx_group_counters, &fx_group_times_ms,
    &fx_group_end_reason, &fx_group_reverse, &fx_group_fwd_status,
    &fx_group_rev_fwd_status, &fx_group_nat4,
};

static const struct fx_ie_group *const ipfix_ipv6_biflow_nat[] = {
    &fx_group_ipv6_addresses, &fx_group_transport, &fx_group_icmp6,
    &fx_group_forwarding, &fx_group_counters, &fx_group_times_ms,
    &fx_group_end_reason, &fx_group_reverse, &fx_group_fwd_status,
    &fx_group_rev_fwd_status, &fx_group_nat6,
};

/* 258 is the statistics options template, 260 the flow sampling one,
 * 263 and 264 the interface table's. */
static const struct fx_template_def ipfix_templates[FX_N_SHAPES] = {
    [FX_SHAPE_IPV4] = { 256, ipfix_ipv4, ARRAY_SIZE(ipfix_ipv4) },
    [FX_SHAPE_IPV6] = { 257, ipfix_ipv6, ARRAY_SIZE(ipfix_ipv6) },
    [FX_SHAPE_L2] = { 259, ipfix_l2, ARRAY_SIZE(ipfix_l2) },
    [FX_SHAPE_IPV4_BIFLOW] = {
        261, ipfix_ipv4_biflow, ARRAY_SIZE(ipfix_ipv4_biflow)
    },
    [FX_SHAPE_IPV6_BIFLOW] = {
        262, ipfix_ipv6_biflow, ARRAY_SIZE(ipfix_ipv6_biflow)
    },
    [FX_SHAPE_IPV4_CT] = { 265, ipfix_ipv4_ct, ARRAY_SIZE(ipfix_ipv4_ct) },
    [FX_SHAPE_IPV6_CT] = { 266, ipfix_ipv6_ct, ARRAY_SIZE(ipfix_ipv6_ct) },
    [FX_SHAPE_IPV4_NAT] = {
        267, ipfix_ipv4_nat, ARRAY_SIZE(ipfix_ipv4_nat)
    },
    [FX_SHAPE_IPV6_NAT] = {
        268, ipfix_ipv6_nat, ARRAY_SIZE(ipfix_ipv6_nat)
    },
    [FX_SHAPE_IPV4_BIFLOW_CT] = {
        269, ipfix_ipv4_biflow_ct, ARRAY_SIZE(ipfix_ipv4_biflow_ct)
    },
    [FX_SHAPE_IPV6_BIFLOW_CT] = {
        270, ipfix_ipv6_biflow_ct, ARRAY_SIZE(ipfix_ipv6_biflow_ct)
    },
    [FX_SHAPE_IPV4_BIFLOW_NAT] = {
        271, ipfix_ipv4_biflow_nat, ARRAY_SIZE(ipfix_ipv4_biflow_nat)
    },
    [FX_SHAPE_IPV6_BIFLOW_NAT] = {
        272, ipfix_ipv6_biflow_nat, ARRAY_SIZE(ipfix_ipv6_biflow_nat)
    },
};

/* Exporter statistics, scoped to the exporting process. */
static const struct fx_ie_group *const ipfix_stats[] = {
    &fx_group_process, &fx_group_exporter_stats, &fx_group_observation_time,
};
static const struct fx_template_def ipfix_stats_template = {
    258, ipfix_stats, ARRAY_SIZE(ipfix_stats)
};

/* Flow selection (RFC 7014 section 8), scoped to the selector, with the
 * parameters of each mode's algorithm. */
#define IPFIX_SAMPLING(NAME, PARAMETERS)                                 \
    static const struct fx_ie_group *const NAME[] = {                   \
        &fx_group_selector, &fx_group_selector_algorithm, PARAMETERS,    \
        &fx_group_selector_totals,                                       \
    };
IPFIX_SAMPLING(ipfix_sampling_hash, &fx_group_flow_hash)
IPFIX_SAMPLING(ipfix_sampling_deterministic, &fx_group_flow_spacing)
IPFIX_SAMPLING(ipfix_sampling_random, &fx_group_flow_probability)
#undef IPFIX_SAMPLING
static const struct fx_template_def ipfix_sampling[FX_N_SAMPLING_MODES] = {
    [FX_SAMPLING_HASH] = {
        260, ipfix_sampling_hash, ARRAY_SIZE(ipfix_sampling_hash)
    },
    [FX_SAMPLING_DETERMINISTIC] = {
        260, ipfix_sampling_deterministic,
        ARRAY_SIZE(ipfix_sampling_deterministic)
    },
    [FX_SAMPLING_RANDOM] = {
        260, ipfix_sampling_random, ARRAY_SIZE(ipfix_sampling_random)
    },
};

/* The interface table (interface_table), one row per port in each of two
 * options templates:
 *
 *   263: scoped to the port (ingressInterface, the number records use for
 *        both of their ports), with its interfaceName, the virtual station
 *        behind it (virtualStationInterfaceId and -Name from the iface-id,
 *        virtualStationUUID from the vm-id or vm-uuid) and, as
 *        sourceMacAddress, the attached-mac: the address the port's
 *        traffic comes from.
 *
 *   264: the ports' interfaceDescription, in the layout that nfdump 1.7
 *        reads (scope: the exporting process; then ingressInterface and a
 *        fixed-length interfaceDescription), so that it can name the ports
 *        of every flow it shows.  A description of variable length in 263
 *        would make nfdump misread 263 instead. */
static const struct fx_ie_group *const ipfix_iftable[] = {
    &fx_group_iftable_scope, &fx_group_iftable,
};
static const struct fx_ie_group *const ipfix_ifdesc[] = {
    &fx_group_process, &fx_group_if_desc,
};
static const struct fx_template_def ipfix_iftable_templates[] = {
    { 263, ipfix_iftable, ARRAY_SIZE(ipfix_iftable) },
    { 264, ipfix_ifdesc, ARRAY_SIZE(ipfix_ifdesc) },
};

/* IPFIX: template id, field count, scope field count. */
static void
ipfix_put_options_template_header(struct ofpbuf *msg,
                                  const struct fx_template *t,
                                  size_t n_scope)
{
    fx_template_put_u16(msg, t->id);
    fx_template_put_u16(msg, t->n_ies);
    fx_template_put_u16(msg, n_scope);
}

static void
ipfix_put_header(struct fx_tmpl_encoder *te, struct ofpbuf *msg,
                 long long int now OVS_UNUSED, long long int wall_now,
                 size_t n_data, size_t n_templates OVS_UNUSED)
{
    struct ipfix_header *h = msg->data;

    h->version = htons(IPFIX_VERSION);
    h->length = htons(msg->size);
    h->export_time = htonl(wall_now / 1000);
    h->sequence = htonl(te->sequence);
    h->obs_domain_id = htonl(te->up.settings.obs_domain_id);
    te->sequence += n_data;
}

static const struct fx_dialect ipfix_dialect = {
    .version = IPFIX_VERSION,
    .template_set_id = IPFIX_TEMPLATE_SET_ID,
    .header_len = sizeof(struct ipfix_header),
    .seq_offset = offsetof(struct ipfix_header, sequence),
    .templates = ipfix_templates,
    .stats_template = &ipfix_stats_template,
    .stats_n_scope = 1,
    .options_template_set_id = 3,
    .sampling_templates = ipfix_sampling,
    .iftable_templates = ipfix_iftable_templates,
    .n_iftable_templates = ARRAY_SIZE(ipfix_iftable_templates),
    .put_options_template_header = ipfix_put_options_template_header,
    .put_header = ipfix_put_header,
};

static struct fx_encoder *
ipfix_create(const struct fx_encoder_settings *settings)
{
    return fx_tmpl_encoder_create(&ipfix_dialect, &fx_ipfix_class, settings);
}

static size_t
ipfix_min_mtu(const struct fx_encoder_settings *settings)
{
    return fx_tmpl_encoder_min_mtu(&ipfix_dialect, &fx_ipfix_class, settings);
}

const struct fx_encoder_class fx_ipfix_class = {
    .protocol = FX_PROTO_IPFIX,
    .name = "IPFIX",
    .header_len = sizeof(struct ipfix_header),
    .create = ipfix_create,
    .min_mtu = ipfix_min_mtu,
    .destroy = fx_tmpl_encoder_destroy,
    .begin = fx_tmpl_encoder_begin,
    .biflows = true,
    .add = fx_tmpl_encoder_add,
    .add_options = fx_tmpl_encoder_add_options,
    .finish = fx_tmpl_encoder_finish,
    .put_templates = fx_tmpl_encoder_put_templates,
};
