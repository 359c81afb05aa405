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

/* A record's values of every information element, in wire format.  See
 * fx-ie-view.h. */

#include <config.h>
#include "fx-ie-view.h"

#include <string.h>
#include "byte-order.h"
#include "fx-encoder.h"
#include "fx-iftable.h"
#include "fx-record.h"
#include "packets.h"
#include "timeval.h"
#include "util.h"

/* layer2SegmentId (IANA IE 351): the encapsulation in the top byte, 0x01 for
 * VXLAN, the segment id in the low 24 bits.  A tunnel is VXLAN if its outer
 * UDP destination port is the IANA one (RFC 7348), as OVS's default. */
#define FX_VXLAN_PORT 4789
#define FX_L2_SEGMENT_VXLAN (UINT64_C(0x01) << 56)

static uint32_t
uptime(long long int msec)
{
    return MAX(msec - time_boot_msec(), 0);
}

/* Converts 'rec' into the wire-format values of every element.
 * 'wall_offset' converts time_msec() into wall-clock time. */
void
fx_ie_view_init(struct fx_ie_view *v, const struct fx_record *rec,
                const struct fx_record *reverse,
                const struct fx_encoder_settings *s, long long int wall_offset)
{
    const struct fx_key *key = &rec->key;
    long long int last = MAX(rec->first_used, rec->last_used);

    memset(v, 0, sizeof *v);
    v->octets = htonll(rec->bytes);
    v->packets = htonll(rec->packets);
    v->start_ms = htonll(rec->first_used + wall_offset);
    v->end_ms = htonll(last + wall_offset);
    v->start_uptime = htonl(uptime(rec->first_used));
    v->end_uptime = htonl(uptime(last));
    if (!fx_key_is_ip(key)) {
        for (size_t i = 0; i < key->n_mpls; i++) {
            memcpy(v->mpls[i], &key->mpls_lse[i], sizeof v->mpls[i]);
        }
    } else if (fx_key_is_ipv4(key)) {
        v->src4 = fx_key_ipv4_src(key);
        v->dst4 = fx_key_ipv4_dst(key);
        v->ip_version = 4;
    } else {
        v->src6 = key->src;
        v->dst6 = key->dst;
        v->ip_version = 6;
    }
    v->in_if = htonl(fx_encoder_iface(s, key->in_port));
    v->out_if = htonl(fx_encoder_iface(s, rec->out_port));
    if (fx_key_is_icmp(key)) {
        v->icmp = htons(fx_key_icmp_type_code(key));
    } else {
        v->src_port = key->tp_src;
        v->dst_port = key->tp_dst;
    }
    v->tcp_flags = htons(rec->tcp_flags);
    if (key->journey) {
        v->fwd_status = fx_record_forwarding_status(rec);
        if (rec->ct.flags & FX_CT_NAT) {
            v->nat_src6 = rec->ct.nat_src;
            v->nat_dst6 = rec->ct.nat_dst;
            v->nat_src4 = in6_addr_get_mapped_ipv4(&rec->ct.nat_src);
            v->nat_dst4 = in6_addr_get_mapped_ipv4(&rec->ct.nat_dst);
            v->nat_src_port = rec->ct.nat_tp_src;
            v->nat_dst_port = rec->ct.nat_tp_dst;
        }
    }
    v->proto = key->nw_proto;
    v->tos = key->nw_tos;
    v->src_mac = key->dl_src;
    v->dst_mac = key->dl_dst;
    v->ether_type = key->dl_type;
    v->vlan_id = htons(vlan_tci_to_vid(key->vlan_tci[0]));
    v->cvlan_id = htons(vlan_tci_to_vid(key->vlan_tci[1]));
    v->end_reason = fx_end_reason_to_ipfix(rec->reason);
    if (reverse) {
        long long int rev_last = MAX(reverse->first_used,
                                     reverse->last_used);

        v->biflow_direction = 1;    /* Initiator (RFC 5103 section 5.1). */
        v->rev_octets = htonll(reverse->bytes);
        v->rev_packets = htonll(reverse->packets);
        v->rev_tos = reverse->key.nw_tos;
        v->rev_tcp_flags = htons(reverse->tcp_flags);
        v->rev_in_if = htonl(fx_encoder_iface(s, reverse->key.in_port));
        v->rev_out_if = htonl(fx_encoder_iface(s, reverse->out_port));
        v->rev_start_ms = htonll(reverse->first_used + wall_offset);
        v->rev_end_ms = htonll(rev_last + wall_offset);
        if (reverse->key.journey) {
            v->rev_fwd_status = fx_record_forwarding_status(reverse);
        }
    }
}

/* Fills in the identities of the ports of a record, 'in' and 'out' (NULL
 * if unknown), for the in_identity and out_identity groups, and the
 * interface table's elements from 'in'.  The view points into them: they
 * must outlive it. */
void
fx_ie_view_set_ports(struct fx_ie_view *v, const struct fx_iface *in,
                     const struct fx_iface *out)
{
    static const struct fx_iface none = {
        .name = "", .type = "", .iface_id = "", .vm_id = "", .desc = "",
    };

    in = in ? in : &none;
    out = out ? out : &none;
    v->in_name = (struct fx_ie_bytes) { in->name, strlen(in->name) };
    v->in_desc = (struct fx_ie_bytes) { in->desc, strlen(in->desc) };
    v->in_vsi_id = (struct fx_ie_bytes) {
        in->iface_uuid, in->has_iface_uuid ? sizeof in->iface_uuid : 0
    };
    v->in_vsi_name = (struct fx_ie_bytes) {
        in->iface_id, strlen(in->iface_id)
    };
    v->in_vs_uuid = (struct fx_ie_bytes) {
        in->vm_uuid, in->has_vm_uuid ? sizeof in->vm_uuid : 0
    };
    v->out_name = (struct fx_ie_bytes) { out->name, strlen(out->name) };
    v->out_vsi_name = (struct fx_ie_bytes) {
        out->iface_id, strlen(out->iface_id)
    };
    v->out_vs_uuid = (struct fx_ie_bytes) {
        out->vm_uuid, out->has_vm_uuid ? sizeof out->vm_uuid : 0
    };
}

/* The outer IP protocol of each tunnel type, and the bytes of its key, as
 * OVS's own IPFIX exporter has them. */
static void
tunnel_type_info(enum fx_if_tunnel type, uint8_t *proto, size_t *key_len)
{
    switch (type) {
    case FX_IF_TUNNEL_GRE:
        *proto = IPPROTO_GRE;
        *key_len = 4;
        return;
    case FX_IF_TUNNEL_STT:
        *proto = IPPROTO_TCP;
        *key_len = 8;
        return;
    case FX_IF_TUNNEL_VXLAN:
    case FX_IF_TUNNEL_LISP:
    case FX_IF_TUNNEL_GENEVE:
        *proto = IPPROTO_UDP;
        *key_len = 3;
        return;
    case FX_IF_TUNNEL_NONE:
    default:
        *proto = 0;
        *key_len = 0;
        return;
    }
}

/* Fills in the tunnel elements of a record of 'key', which came in through
 * 'in_iface' (NULL if unknown) and uses the template of 'kind'. */
void
fx_ie_view_set_tunnel(struct fx_ie_view *v, const struct fx_key *key,
                      enum fx_tunnel_kind kind,
                      const struct fx_iface *in_iface)
{
    uint64_t tun_id = ntohll(key->tun_id);

    switch (kind) {
    case FX_TUNNEL_VXLAN:
    case FX_TUNNEL_VXLAN_V4:
        v->l2_segment_id = htonll(FX_L2_SEGMENT_VXLAN | (tun_id & 0xffffff));
        break;
    case FX_TUNNEL_GRE:
    case FX_TUNNEL_GRE_V4:
        v->gre_key = htonl(tun_id);
        break;
    case FX_TUNNEL_NONE:
    case FX_TUNNEL_OTHER_V4:
    case FX_N_TUNNEL_KINDS:
    default:
        break;
    }

    if (kind >= FX_TUNNEL_VXLAN_V4 && kind < FX_N_TUNNEL_KINDS && in_iface) {
        size_t key_len;

        v->tun_src4 = in6_addr_get_mapped_ipv4(&key->tun_src);
        v->tun_dst4 = in6_addr_get_mapped_ipv4(&key->tun_dst);
        v->tun_dst_port = key->tun_tp_dst;
        v->tun_type = in_iface->tunnel;
        tunnel_type_info(in_iface->tunnel, &v->tun_proto, &key_len);

        /* The key in its low bytes, as OVS's exporter sends it. */
        ovs_be64 id = key->tun_id;
        memcpy(v->tun_key_buf, (const uint8_t *) &id + 8 - key_len, key_len);
        v->tun_key = (struct fx_ie_bytes) { v->tun_key_buf, key_len };
    }
}

/* The kind of tunnel 'key' came through (see enum fx_tunnel_kind), from
 * the type of its ingress port, 'in_iface', as OVS's own IPFIX exporter
 * takes it.  If the port's type is unknown (no interface table), from the
 * key alone: VXLAN if the outer UDP destination port is IANA's 4789, GRE
 * if there is no outer UDP and it is not ERSPAN (OVS keeps an ERSPAN
 * session id in the tunnel key, but ERSPAN's GRE header has no key); and
 * then without VMware's elements, which need the type. */
enum fx_tunnel_kind
fx_tunnel_kind(const struct fx_key *key, const struct fx_iface *in_iface)
{
    if (!key->tun_family) {
        return FX_TUNNEL_NONE;
    } else if (in_iface && !in_iface->removed && in_iface->type[0]) {
        bool vmware = (key->tun_family == 4
                       && in_iface->tunnel != FX_IF_TUNNEL_NONE);

        if (in_iface->tunnel == FX_IF_TUNNEL_VXLAN) {
            return vmware ? FX_TUNNEL_VXLAN_V4 : FX_TUNNEL_VXLAN;
        } else if (in_iface->gre_like && !key->tun_erspan_ver) {
            return vmware ? FX_TUNNEL_GRE_V4 : FX_TUNNEL_GRE;
        } else {
            return vmware ? FX_TUNNEL_OTHER_V4 : FX_TUNNEL_NONE;
        }
    } else if (key->tun_tp_dst == htons(FX_VXLAN_PORT)) {
        return FX_TUNNEL_VXLAN;
    } else if (!key->tun_tp_dst && !key->tun_erspan_ver) {
        return FX_TUNNEL_GRE;
    } else {
        return FX_TUNNEL_NONE;
    }
}
