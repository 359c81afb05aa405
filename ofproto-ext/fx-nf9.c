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

/* NetFlow v9 (RFC 3954) encoder: SysUptime-relative timestamps and a
 * sequence number that counts export packets.  Its templates are lists of
 * fx-ie.h's field groups; FlowSets come from fx-template.c. */

#include <config.h>
#include "fx-template.h"

#include "fx-iftable.h"
#include "openvswitch/ofpbuf.h"
#include "timeval.h"
#include "util.h"

#define NF9_VERSION 9
#define NF9_TEMPLATE_FLOWSET_ID 0

struct nf9_header {
    ovs_be16 version;           /* NF9_VERSION. */
    ovs_be16 count;             /* Template and data records. */
    ovs_be32 sys_uptime;        /* ms since ovs-vswitchd started. */
    ovs_be32 unix_secs;         /* Seconds since the epoch. */
    ovs_be32 sequence;          /* Export packets sent before this one. */
    ovs_be32 source_id;         /* Observation domain. */
};
BUILD_ASSERT_DECL(sizeof(struct nf9_header) == 20);

/* RFC 3954 has one ICMP field, ICMP_TYPE (32), whatever the family: it
 * serves IPv6 records too.  IPFIX's icmpTypeCodeIPv6 (139) is not an RFC
 * 3954 field, and nfdump 1.7 does not read it in v9 (it showed ICMPv6 type
 * and code as 0 with it; tests/ipfix.at). */
static const struct fx_ie_group *const nf9_ipv4[] = {
    &fx_group_ipv4_addresses, &fx_group_transport, &fx_group_icmp4,
    &fx_group_forwarding, &fx_group_counters, &fx_group_times_uptime,
};

static const struct fx_ie_group *const nf9_ipv6[] = {
    &fx_group_ipv6_addresses, &fx_group_transport, &fx_group_icmp4,
    &fx_group_forwarding, &fx_group_counters, &fx_group_times_uptime,
};

/* Non-IP flows (MPLS): v9 has no Ethertype field; the MPLS_LABEL_* fields
 * come from the key part. */
static const struct fx_ie_group *const nf9_l2[] = {
    &fx_group_interfaces, &fx_group_counters, &fx_group_times_uptime,
};

/* Journeys through recirculation: FORWARDING_STATUS and, if conntrack
 * translated the packets, Cisco's XLATE_* fields for the post-NAT
 * elements, in templates of their own, as in IPFIX. */
static const struct fx_ie_group *const nf9_ipv4_ct[] = {
    &fx_group_ipv4_addresses, &fx_group_transport, &fx_group_icmp4,
    &fx_group_forwarding, &fx_group_counters, &fx_group_times_uptime,
    &fx_group_fwd_status,
};

static const struct fx_ie_group *const nf9_ipv6_ct[] = {
    &fx_group_ipv6_addresses, &fx_group_transport, &fx_group_icmp4,
    &fx_group_forwarding, &fx_group_counters, &fx_group_times_uptime,
    &fx_group_fwd_status,
};

static const struct fx_ie_group *const nf9_ipv4_nat[] = {
    &fx_group_ipv4_addresses, &fx_group_transport, &fx_group_icmp4,
    &fx_group_forwarding, &fx_group_counters, &fx_group_times_uptime,
    &fx_group_fwd_status, &fx_group_nat4,
};

static const struct fx_ie_group *const nf9_ipv6_nat[] = {
    &fx_group_ipv6_addresses, &fx_group_transport, &fx_group_icmp4,
    &fx_group_forwarding, &fx_group_counters, &fx_group_times_uptime,
    &fx_group_fwd_status, &fx_group_nat6,
};

/* 258 is the statistics options template, 260 the flow sampling one. */
static const struct fx_template_def nf9_templates[FX_N_SHAPES] = {
    [FX_SHAPE_IPV4] = { 256, nf9_ipv4, ARRAY_SIZE(nf9_ipv4) },
    [FX_SHAPE_IPV6] = { 257, nf9_ipv6, ARRAY_SIZE(nf9_ipv6) },
    [FX_SHAPE_L2] = { 259, nf9_l2, ARRAY_SIZE(nf9_l2) },
    [FX_SHAPE_IPV4_CT] = { 265, nf9_ipv4_ct, ARRAY_SIZE(nf9_ipv4_ct) },
    [FX_SHAPE_IPV6_CT] = { 266, nf9_ipv6_ct, ARRAY_SIZE(nf9_ipv6_ct) },
    [FX_SHAPE_IPV4_NAT] = { 267, nf9_ipv4_nat, ARRAY_SIZE(nf9_ipv4_nat) },
    [FX_SHAPE_IPV6_NAT] = { 268, nf9_ipv6_nat, ARRAY_SIZE(nf9_ipv6_nat) },
};

/* Exporter statistics, scoped to the "System" (the source id). */
static const struct fx_ie_group *const nf9_stats[] = {
    &fx_group_v9_system, &fx_group_exporter_stats,
};
static const struct fx_template_def nf9_stats_template = {
    258, nf9_stats, ARRAY_SIZE(nf9_stats)
};

/* Flow sampling, scoped to the "System", with RFC 3954's sampler fields
 * whatever the mode (see fx-ie.def). */
static const struct fx_ie_group *const nf9_sampling_groups[] = {
    &fx_group_v9_system, &fx_group_v9_sampling,
};
#define NF9_SAMPLING_TEMPLATE \
    { 260, nf9_sampling_groups, ARRAY_SIZE(nf9_sampling_groups) }
static const struct fx_template_def nf9_sampling[FX_N_SAMPLING_MODES] = {
    [FX_SAMPLING_HASH] = NF9_SAMPLING_TEMPLATE,
    [FX_SAMPLING_DETERMINISTIC] = NF9_SAMPLING_TEMPLATE,
    [FX_SAMPLING_RANDOM] = NF9_SAMPLING_TEMPLATE,
};

/* The interface table (interface_table), one row per port in each of two
 * options templates, as for IPFIX (see fx-ipfix.c), with what v9 has:
 * 263 scoped to the port (scope type "Interface") with its IF_NAME; 264
 * with scope "System", INPUT_SNMP and IF_DESC, which nfdump 1.7 reads.  v9
 * fields have fixed lengths: strings are padded with NULs. */
static const struct fx_ie_group *const nf9_iftable[] = {
    &fx_group_v9_interface, &fx_group_v9_if_name,
};
static const struct fx_ie_group *const nf9_ifdesc[] = {
    &fx_group_v9_system, &fx_group_if_desc,
};
static const struct fx_template_def nf9_iftable_templates[] = {
    { 263, nf9_iftable, ARRAY_SIZE(nf9_iftable) },
    { 264, nf9_ifdesc, ARRAY_SIZE(nf9_ifdesc) },
};

/* v9: template id, scope specifiers' length, option specifiers' length. */
static void
nf9_put_options_template_header(struct ofpbuf *msg,
                                const struct fx_template *t, size_t n_scope)
{
    fx_template_put_u16(msg, t->id);
    fx_template_put_u16(msg, 4 * n_scope);
    fx_template_put_u16(msg, 4 * (t->n_ies - n_scope));
}

static void
nf9_put_header(struct fx_tmpl_encoder *te, struct ofpbuf *msg,
               long long int now, long long int wall_now,
               size_t n_data, size_t n_templates)
{
    struct nf9_header *h = msg->data;

    h->version = htons(NF9_VERSION);
    h->count = htons(n_data + n_templates);
    h->sys_uptime = htonl(MAX(now - time_boot_msec(), 0));
    h->unix_secs = htonl(wall_now / 1000);
    h->sequence = htonl(te->sequence++);
    h->source_id = htonl(te->up.settings.obs_domain_id);
}

static const struct fx_dialect nf9_dialect = {
    .version = NF9_VERSION,
    .template_set_id = NF9_TEMPLATE_FLOWSET_ID,
    .header_len = sizeof(struct nf9_header),
    .seq_offset = offsetof(struct nf9_header, sequence),
    .templates = nf9_templates,
    .stats_template = &nf9_stats_template,
    .stats_n_scope = 1,
    .options_template_set_id = 1,
    .sampling_templates = nf9_sampling,
    .iftable_templates = nf9_iftable_templates,
    .n_iftable_templates = ARRAY_SIZE(nf9_iftable_templates),
    .put_options_template_header = nf9_put_options_template_header,
    .put_header = nf9_put_header,
};

static struct fx_encoder *
nf9_create(const struct fx_encoder_settings *settings)
{
    return fx_tmpl_encoder_create(&nf9_dialect, &fx_netflow_v9_class,
                                  settings);
}

static size_t
nf9_min_mtu(const struct fx_encoder_settings *settings)
{
    return fx_tmpl_encoder_min_mtu(&nf9_dialect, &fx_netflow_v9_class,
                                   settings);
}

const struct fx_encoder_class fx_netflow_v9_class = {
    .protocol = FX_PROTO_NETFLOW_V9,
    .name = "NetFlow v9",
    .header_len = sizeof(struct nf9_header),
    .create = nf9_create,
    .min_mtu = nf9_min_mtu,
    .destroy = fx_tmpl_encoder_destroy,
    .begin = fx_tmpl_encoder_begin,
    .add = fx_tmpl_encoder_add,
    .add_options = fx_tmpl_encoder_add_options,
    .finish = fx_tmpl_encoder_finish,
    .put_templates = fx_tmpl_encoder_put_templates,
};
