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

/* Export flow keys and records: derivation from 'struct flow', hashing,
 * formatting.  See fx-record.h. */

#include <config.h>
#include "fx-record.h"

#include <string.h>
#include "flow.h"
#include "hash.h"
#include "openvswitch/dynamic-string.h"
#include "packets.h"
#include "ofproto/netflow.h"
#include "util.h"

BUILD_ASSERT_DECL(sizeof(struct fx_key) % 4 == 0);

static const char *const end_reason_names[] = {
#define FX_END_REASON(ENUM, NAME, IPFIX) NAME,
    FX_END_REASONS
#undef FX_END_REASON
};

static const uint8_t end_reason_ipfix[] = {
#define FX_END_REASON(ENUM, NAME, IPFIX) IPFIX,
    FX_END_REASONS
#undef FX_END_REASON
};

const char *
fx_end_reason_to_string(enum fx_end_reason reason)
{
    return reason < FX_N_END_REASONS ? end_reason_names[reason] : "unknown";
}

uint8_t
fx_end_reason_to_ipfix(enum fx_end_reason reason)
{
    return reason < FX_N_END_REASONS ? end_reason_ipfix[reason] : 4;
}

static bool
is_ip_family(ovs_be16 dl_type)
{
    return dl_type == htons(ETH_TYPE_IP) || dl_type == htons(ETH_TYPE_IPV6);
}

/* Fills 'key' with the export key of 'flow', with the optional 'fields'
 * (FX_KEY_*).  Returns false, leaving 'key' zeroed, if 'flow' is not IP
 * traffic that flow export accounts. */
bool
fx_key_from_flow(const struct flow *flow, uint32_t fields,
                 struct fx_key *key)
{
    memset(key, 0, sizeof *key);
    if (!is_ip_family(flow->dl_type)) {
        return false;
    }

    key->dl_type = flow->dl_type;
    if (flow->dl_type == htons(ETH_TYPE_IP)) {
        in6_addr_set_mapped_ipv4(&key->src, flow->nw_src);
        in6_addr_set_mapped_ipv4(&key->dst, flow->nw_dst);
    } else {
        key->src = flow->ipv6_src;
        key->dst = flow->ipv6_dst;
    }
    key->in_port = ofp_to_u16(flow->in_port.ofp_port);
    key->nw_tos = flow->nw_tos & IP_DSCP_MASK;
    if (!(fields & FX_KEY_OMIT_PROTO)) {
        key->nw_proto = flow->nw_proto;
    }
    if (!(fields & (FX_KEY_OMIT_PORTS | FX_KEY_OMIT_PROTO))) {
        /* Later fragments carry no L4 header: OVS leaves the ports zero. */
        key->tp_src = flow->tp_src;
        key->tp_dst = flow->tp_dst;
    }

    if (fields & FX_KEY_MAC) {
        key->dl_src = flow->dl_src;
        key->dl_dst = flow->dl_dst;
    }
    if (fields & FX_KEY_VLAN) {
        for (size_t i = 0; i < ARRAY_SIZE(key->vlan_tci); i++) {
            ovs_be16 tci = flow->vlans[i].tci;

            /* The VID only: priority bits may change within a flow. */
            key->vlan_tci[i] = (tci & htons(VLAN_CFI)
                                ? tci & htons(VLAN_CFI | VLAN_VID_MASK)
                                : 0);
        }
    }
    return true;
}

/* Un-wildcards in 'wc' every field of 'flow' that fx_key_from_flow() reads
 * with 'fields', so that all packets of one datapath flow share one export
 * key. */
void
fx_key_mask_wc(const struct flow *flow, uint32_t fields,
               struct flow_wildcards *wc)
{
    memset(&wc->masks.dl_type, 0xff, sizeof wc->masks.dl_type);
    if (!is_ip_family(flow->dl_type)) {
        return;
    }

    if (flow->dl_type == htons(ETH_TYPE_IP)) {
        memset(&wc->masks.nw_src, 0xff, sizeof wc->masks.nw_src);
        memset(&wc->masks.nw_dst, 0xff, sizeof wc->masks.nw_dst);
    } else {
        memset(&wc->masks.ipv6_src, 0xff, sizeof wc->masks.ipv6_src);
        memset(&wc->masks.ipv6_dst, 0xff, sizeof wc->masks.ipv6_dst);
    }
    wc->masks.nw_tos |= IP_DSCP_MASK;
    if (!(fields & FX_KEY_OMIT_PROTO)) {
        memset(&wc->masks.nw_proto, 0xff, sizeof wc->masks.nw_proto);
        if (!(fields & FX_KEY_OMIT_PORTS)) {
            flow_unwildcard_tp_ports(flow, wc);
        }
    }

    if (fields & FX_KEY_MAC) {
        WC_MASK_FIELD(wc, dl_src);
        WC_MASK_FIELD(wc, dl_dst);
    }
    if (fields & FX_KEY_VLAN) {
        for (size_t i = 0; i < 2 && i < FLOW_MAX_VLAN_HEADERS; i++) {
            wc->masks.vlans[i].tci |= htons(VLAN_CFI | VLAN_VID_MASK);
        }
    }
}

/* Zeroes the parts of 'key' that 'fields' does not track: optional parts
 * that are not in 'fields', and whatever its track level omits.  An
 * exporter with a coarser key than its cache uses this on the records it
 * exports: several records then have the same key, and collectors add
 * them up. */
void
fx_key_restrict(struct fx_key *key, uint32_t fields)
{
    if (!(fields & FX_KEY_MAC)) {
        key->dl_src = eth_addr_zero;
        key->dl_dst = eth_addr_zero;
    }
    if (!(fields & FX_KEY_VLAN)) {
        memset(key->vlan_tci, 0, sizeof key->vlan_tci);
    }
    if (fields & FX_KEY_OMIT_PROTO) {
        key->nw_proto = 0;
    }
    if (fields & (FX_KEY_OMIT_PORTS | FX_KEY_OMIT_PROTO)) {
        key->tp_src = key->tp_dst = htons(0);
    }
}

/* Returns key fields that track everything that 'a' or 'b' tracks: the
 * optional parts of either, and the finer of their track levels. */
uint32_t
fx_key_fields_finest(uint32_t a, uint32_t b)
{
    return ((a | b) & ~FX_KEY_OMIT_MASK) | (a & b & FX_KEY_OMIT_MASK);
}

uint32_t
fx_key_hash(const struct fx_key *key)
{
    return hash_words((const uint32_t *) key, sizeof *key / 4, 0);
}

bool
fx_key_equal(const struct fx_key *a, const struct fx_key *b)
{
    return !memcmp(a, b, sizeof *a);
}

bool
fx_key_is_ipv4(const struct fx_key *key)
{
    return key->dl_type == htons(ETH_TYPE_IP);
}

ovs_be32
fx_key_ipv4_src(const struct fx_key *key)
{
    return in6_addr_get_mapped_ipv4(&key->src);
}

ovs_be32
fx_key_ipv4_dst(const struct fx_key *key)
{
    return in6_addr_get_mapped_ipv4(&key->dst);
}

bool
fx_key_is_icmp(const struct fx_key *key)
{
    return (fx_key_is_ipv4(key)
            ? key->nw_proto == IPPROTO_ICMP
            : key->nw_proto == IPPROTO_ICMPV6);
}

/* Returns ICMP type * 256 + code, the encoding that NetFlow (in the
 * destination port) and IPFIX (icmpTypeCode*) use. */
uint16_t
fx_key_icmp_type_code(const struct fx_key *key)
{
    return (ntohs(key->tp_src) << 8) | (ntohs(key->tp_dst) & 0xff);
}

static void
format_port(uint16_t port, struct ds *s)
{
    if (port == ofp_to_u16(NF_OUT_FLOOD)) {
        ds_put_cstr(s, "flood");
    } else if (port == ofp_to_u16(NF_OUT_MULTI)) {
        ds_put_cstr(s, "multi");
    } else if (port == ofp_to_u16(NF_OUT_DROP)) {
        ds_put_cstr(s, "drop");
    } else {
        ds_put_format(s, "%"PRIu16, port);
    }
}

/* Appends 'key' to 's' as "in_port=N src=... dst=... proto=N ...". */
void
fx_key_format(const struct fx_key *key, struct ds *s)
{
    ds_put_format(s, "in_port=%"PRIu16" ", key->in_port);
    if (!eth_addr_is_zero(key->dl_src) || !eth_addr_is_zero(key->dl_dst)) {
        ds_put_format(s, "dl_src="ETH_ADDR_FMT" dl_dst="ETH_ADDR_FMT" ",
                      ETH_ADDR_ARGS(key->dl_src), ETH_ADDR_ARGS(key->dl_dst));
    }
    for (size_t i = 0; i < ARRAY_SIZE(key->vlan_tci); i++) {
        if (key->vlan_tci[i]) {
            ds_put_format(s, "%s=%"PRIu16" ", i ? "cvlan" : "vlan",
                          vlan_tci_to_vid(key->vlan_tci[i]));
        }
    }
    if (fx_key_is_ipv4(key)) {
        ds_put_format(s, "src="IP_FMT" dst="IP_FMT,
                      IP_ARGS(fx_key_ipv4_src(key)),
                      IP_ARGS(fx_key_ipv4_dst(key)));
    } else {
        ds_put_cstr(s, "src=");
        ipv6_format_addr(&key->src, s);
        ds_put_cstr(s, " dst=");
        ipv6_format_addr(&key->dst, s);
    }
    ds_put_format(s, " proto=%"PRIu8" tos=%"PRIu8, key->nw_proto,
                  key->nw_tos);
    if (fx_key_is_icmp(key)) {
        ds_put_format(s, " icmp=%"PRIu16"/%"PRIu16,
                      ntohs(key->tp_src), ntohs(key->tp_dst));
    } else {
        ds_put_format(s, " sport=%"PRIu16" dport=%"PRIu16,
                      ntohs(key->tp_src), ntohs(key->tp_dst));
    }
}

/* Appends 'rec' to 's' on one line, for logs and flowexport/dump-flows. */
void
fx_record_format(const struct fx_record *rec, struct ds *s)
{
    fx_key_format(&rec->key, s);
    ds_put_cstr(s, " out_port=");
    format_port(rec->out_port, s);
    ds_put_format(s, " packets=%"PRIu64" bytes=%"PRIu64" tcp_flags=0x%02"
                  PRIx8, rec->packets, rec->bytes, rec->tcp_flags);
}

/* Frees every record in 'records' and leaves the list empty. */
void
fx_record_list_free(struct ovs_list *records)
{
    struct fx_record *rec;

    LIST_FOR_EACH_POP (rec, list_node, records) {
        free(rec);
    }
}
