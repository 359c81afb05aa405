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
/* Export flow keys: derivation from 'struct flow', the datapath mask,
 * packing, hashing, formatting.  See fx-key.h. */

#include <config.h>
#include "fx-key.h"

#include <string.h>
#include "flow.h"
#include "entropy.h"
#include "hash.h"
#include "openvswitch/dynamic-string.h"
#include "packets.h"
#include "ovs-thread.h"
#include "util.h"

BUILD_ASSERT_DECL(sizeof(struct fx_key) % 4 == 0);

static bool
is_ip_family(ovs_be16 dl_type)
{
    return dl_type == htons(ETH_TYPE_IP) || dl_type == htons(ETH_TYPE_IPV6);
}

/* The bits of an MPLS label stack entry that identify a flow: everything
 * but the TTL, which decreases hop by hop. */
#define FX_MPLS_KEY_MASK (MPLS_LABEL_MASK | MPLS_TC_MASK | MPLS_BOS_MASK)

static bool
is_key_mpls(ovs_be16 dl_type, uint32_t fields)
{
    return (fields & FX_KEY_MPLS) && eth_type_mpls(dl_type);
}

/* Makes the zeroed address 'ip6' the IPv4-mapped ::ffff:'ip4', as OVS's
 * in6_addr_set_mapped_ipv4() does, but storing its last two 32-bit words
 * straight into 'ip6': that one builds the address in a temporary byte by
 * byte and copies it with one 16-byte load, which must wait for those
 * byte stores (perf put most of fx_key_from_flow()'s time there), and
 * readers of the address (IN6_IS_ADDR_V4MAPPED) load it in 32-bit words,
 * which must not span narrower stores either. */
static void
set_mapped_ipv4(struct in6_addr *ip6, ovs_be32 ip4)
{
    const ovs_be32 mapped[2] = { htonl(0xffff), ip4 };

    memcpy(&ip6->s6_addr[8], mapped, sizeof mapped);
}

/* Returns the number of label stack entries of 'flow' in its key: up to
 * and including the bottom of the stack, or all FX_KEY_MAX_MPLS entries if
 * none of them has the S bit.  It depends on the S bits alone, which
 * flow_count_mpls_labels() un-wildcards.  (That function instead counts
 * the non-zero entries of a stack without S bit, which depends on their
 * TTLs too, which datapath flows need not match: found by fuzz-records.) */
static int
key_mpls_depth(const struct flow *flow)
{
    for (int i = 0; i < FX_KEY_MAX_MPLS; i++) {
        if (flow->mpls_lse[i] & htonl(MPLS_BOS_MASK)) {
            return i + 1;
        }
    }
    return FX_KEY_MAX_MPLS;
}

/* Fills 'key' with the export key of 'flow', with the optional 'fields'
 * (FX_KEY_*).  Returns false, leaving 'key' zeroed, if 'flow' is not traffic
 * that flow export accounts: IP, or MPLS with FX_KEY_MPLS. */
bool
fx_key_from_flow(const struct flow *flow, uint32_t fields,
                 struct fx_key *key)
{
    static const struct fx_key zero_key;

    /* A copy, not memset(): GCC makes that "rep stos", whose start-up
     * cost was a third of this function's time (perf, bench-cache-fx). */
    *key = zero_key;
    if (is_ip_family(flow->dl_type)) {
        if (flow->dl_type == htons(ETH_TYPE_IP)) {
            set_mapped_ipv4(&key->src, flow->nw_src);
            set_mapped_ipv4(&key->dst, flow->nw_dst);
        } else {
            key->src = flow->ipv6_src;
            key->dst = flow->ipv6_dst;
        }
        key->nw_tos = flow->nw_tos & IP_DSCP_MASK;
        if (!(fields & FX_KEY_OMIT_PROTO)) {
            key->nw_proto = flow->nw_proto;
        }
        if (!(fields & (FX_KEY_OMIT_PORTS | FX_KEY_OMIT_PROTO))) {
            /* Later fragments carry no L4 header: OVS leaves the ports
             * zero. */
            key->tp_src = flow->tp_src;
            key->tp_dst = flow->tp_dst;
        }
    } else if (is_key_mpls(flow->dl_type, fields)) {
        /* OVS does not parse past the label stack: no L3 fields. */
        int n = key_mpls_depth(flow);

        for (int i = 0; i < n; i++) {
            key->mpls_lse[i] = flow->mpls_lse[i] & htonl(FX_MPLS_KEY_MASK);
        }
        key->n_mpls = n;
    } else {
        return false;
    }
    key->dl_type = flow->dl_type;
    key->in_port = ofp_to_u16(flow->in_port.ofp_port);

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
    if (fields & FX_KEY_TUNNEL && flow_tnl_dst_is_set(&flow->tunnel)) {
        const struct flow_tnl *tnl = &flow->tunnel;

        /* Not the outer source port: tunnels vary it per inner flow. */
        /* The family is the destination's, as in fx_key_mask_wc() (OVS's
         * flow_tnl_src() would take an IPv6 source for an IPv4 tunnel
         * whose source is zero). */
        if (tnl->ip_dst) {
            key->tun_family = 4;
            in6_addr_set_mapped_ipv4(&key->tun_src, tnl->ip_src);
            in6_addr_set_mapped_ipv4(&key->tun_dst, tnl->ip_dst);
        } else {
            key->tun_family = 6;
            key->tun_src = tnl->ipv6_src;
            key->tun_dst = tnl->ipv6_dst;
        }
        key->tun_id = tnl->tun_id;
        key->tun_tp_dst = tnl->tp_dst;
        key->tun_erspan_ver = tnl->erspan_ver;
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
    if (is_ip_family(flow->dl_type)) {
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
    } else if (is_key_mpls(flow->dl_type, fields)) {
        int n = key_mpls_depth(flow);

        flow_count_mpls_labels(flow, wc);   /* Masks the S bits it reads. */
        for (int i = 0; i < n; i++) {
            wc->masks.mpls_lse[i] |= htonl(FX_MPLS_KEY_MASK);
        }
    } else {
        return;
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
    if (fields & FX_KEY_TUNNEL && flow_tnl_dst_is_set(&flow->tunnel)) {
        /* Like OVS itself, only for tunneled packets: the ingress port
         * already tells them apart from the others. */
        if (flow->tunnel.ip_dst) {
            WC_MASK_FIELD(wc, tunnel.ip_src);
            WC_MASK_FIELD(wc, tunnel.ip_dst);
        } else {
            WC_MASK_FIELD(wc, tunnel.ipv6_src);
            WC_MASK_FIELD(wc, tunnel.ipv6_dst);
        }
        WC_MASK_FIELD(wc, tunnel.tun_id);
        WC_MASK_FIELD(wc, tunnel.tp_dst);
        if (flow->tunnel.erspan_ver) {
            /* Only ERSPAN ports have it, and they are not GRE ports. */
            WC_MASK_FIELD(wc, tunnel.erspan_ver);
        }
    }
}

/* Packing: a key as the bytes of only the parts it has, in a fixed order
 * for given 'fields', so that two keys with the same 'fields' are equal if
 * and only if their packed forms are (each part's length follows from what
 * was packed before it).  IPv4 addresses take 4 bytes, MPLS label stack
 * entries 3 (label, TC, S), absent tunnels 1 (a tunnel's family and ERSPAN
 * version share a byte). */
static uint8_t *
put_bytes(uint8_t *p, const void *data, size_t n)
{
    memcpy(p, data, n);
    return p + n;
}

static const uint8_t *
get_bytes(const uint8_t *p, void *data, size_t n)
{
    memcpy(data, p, n);
    return p + n;
}

static uint8_t *
put_addresses(uint8_t *p, const struct in6_addr *src,
              const struct in6_addr *dst, bool ipv4)
{
    if (ipv4) {
        ovs_be32 a = in6_addr_get_mapped_ipv4(src);
        ovs_be32 b = in6_addr_get_mapped_ipv4(dst);

        p = put_bytes(p, &a, sizeof a);
        return put_bytes(p, &b, sizeof b);
    }
    p = put_bytes(p, src, sizeof *src);
    return put_bytes(p, dst, sizeof *dst);
}

static const uint8_t *
get_addresses(const uint8_t *p, struct in6_addr *src, struct in6_addr *dst,
              bool ipv4)
{
    if (ipv4) {
        ovs_be32 a, b;

        p = get_bytes(p, &a, sizeof a);
        p = get_bytes(p, &b, sizeof b);
        in6_addr_set_mapped_ipv4(src, a);
        in6_addr_set_mapped_ipv4(dst, b);
        return p;
    }
    p = get_bytes(p, src, sizeof *src);
    return get_bytes(p, dst, sizeof *dst);
}

/* Stores 'key', made with 'fields', into 'buf' (at least FX_KEY_PACKED_MAX
 * bytes) in packed form, and returns its length. */
size_t
fx_key_pack(const struct fx_key *key, uint32_t fields, uint8_t *buf)
{
    uint8_t *p = buf;

    /* The ingress port first: fx_cache_flush_ports() reads it there. */
    p = put_bytes(p, &key->in_port, sizeof key->in_port);
    p = put_bytes(p, &key->dl_type, sizeof key->dl_type);
    if (is_key_mpls(key->dl_type, fields)) {
        *p++ = key->n_mpls;
        for (size_t i = 0; i < key->n_mpls; i++) {
            p = put_bytes(p, &key->mpls_lse[i], 3);
        }
    } else {
        p = put_bytes(p, &key->tp_src, sizeof key->tp_src);
        p = put_bytes(p, &key->tp_dst, sizeof key->tp_dst);
        *p++ = key->nw_proto;
        *p++ = key->nw_tos;
        p = put_addresses(p, &key->src, &key->dst, fx_key_is_ipv4(key));
    }
    if (fields & FX_KEY_MAC) {
        p = put_bytes(p, &key->dl_src, sizeof key->dl_src);
        p = put_bytes(p, &key->dl_dst, sizeof key->dl_dst);
    }
    if (fields & FX_KEY_VLAN) {
        p = put_bytes(p, key->vlan_tci, sizeof key->vlan_tci);
    }
    if (fields & FX_KEY_TUNNEL) {
        *p++ = key->tun_family | key->tun_erspan_ver << 4;
        if (key->tun_family) {
            p = put_bytes(p, &key->tun_tp_dst, sizeof key->tun_tp_dst);
            p = put_bytes(p, &key->tun_id, sizeof key->tun_id);
            p = put_addresses(p, &key->tun_src, &key->tun_dst,
                              key->tun_family == 4);
        }
    }
    if (fields & FX_KEY_JOURNEY) {
        *p++ = key->journey;
    }
    ovs_assert(p - buf <= FX_KEY_PACKED_MAX);
    return p - buf;
}

/* Restores into 'key' the key that fx_key_pack() stored in the 'len' bytes
 * at 'buf' with 'fields'. */
void
fx_key_unpack(const uint8_t *buf, size_t len, uint32_t fields,
              struct fx_key *key)
{
    const uint8_t *p = buf;

    memset(key, 0, sizeof *key);
    p = get_bytes(p, &key->in_port, sizeof key->in_port);
    p = get_bytes(p, &key->dl_type, sizeof key->dl_type);
    if (is_key_mpls(key->dl_type, fields)) {
        key->n_mpls = *p++;
        for (size_t i = 0; i < key->n_mpls; i++) {
            p = get_bytes(p, &key->mpls_lse[i], 3);
        }
    } else {
        p = get_bytes(p, &key->tp_src, sizeof key->tp_src);
        p = get_bytes(p, &key->tp_dst, sizeof key->tp_dst);
        key->nw_proto = *p++;
        key->nw_tos = *p++;
        p = get_addresses(p, &key->src, &key->dst, fx_key_is_ipv4(key));
    }
    if (fields & FX_KEY_MAC) {
        p = get_bytes(p, &key->dl_src, sizeof key->dl_src);
        p = get_bytes(p, &key->dl_dst, sizeof key->dl_dst);
    }
    if (fields & FX_KEY_VLAN) {
        p = get_bytes(p, key->vlan_tci, sizeof key->vlan_tci);
    }
    if (fields & FX_KEY_TUNNEL) {
        key->tun_family = *p & 0x0f;
        key->tun_erspan_ver = *p++ >> 4;
        if (key->tun_family) {
            p = get_bytes(p, &key->tun_tp_dst, sizeof key->tun_tp_dst);
            p = get_bytes(p, &key->tun_id, sizeof key->tun_id);
            p = get_addresses(p, &key->tun_src, &key->tun_dst,
                              key->tun_family == 4);
        }
    }
    if (fields & FX_KEY_JOURNEY) {
        key->journey = *p++;
    }
    ovs_assert(p - buf == len);
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
    if (!(fields & FX_KEY_TUNNEL)) {
        key->tun_family = 0;
        key->tun_tp_dst = htons(0);
        key->tun_erspan_ver = 0;
        key->tun_id = htonll(0);
        memset(&key->tun_src, 0, sizeof key->tun_src);
        memset(&key->tun_dst, 0, sizeof key->tun_dst);
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

/* Returns the basis of the hashes of flow keys in hash tables (the flow
 * cache's, the biflow table's), chosen from the system's entropy once per
 * process: with a known basis, traffic crafted to collide would build long
 * probe chains in the cache's linear probing.  (Not OVS's random_uint32(),
 * which a test may seed.) */
uint32_t
fx_hash_basis(void)
{
    static struct ovsthread_once once = OVSTHREAD_ONCE_INITIALIZER;
    static uint32_t basis;

    if (ovsthread_once_start(&once)) {
        get_entropy_or_die(&basis, sizeof basis);
        ovsthread_once_done(&once);
    }
    return basis;
}

uint32_t
fx_key_hash(const struct fx_key *key)
{
    return hash_words((const uint32_t *) key, sizeof *key / 4,
                      fx_hash_basis());
}

bool
fx_key_equal(const struct fx_key *a, const struct fx_key *b)
{
    return !memcmp(a, b, sizeof *a);
}

/* Returns true for an IPv4 or IPv6 flow, false for an MPLS flow. */
bool
fx_key_is_ip(const struct fx_key *key)
{
    return is_ip_family(key->dl_type);
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

/* Appends 'key' to 's' as "in_port=N src=... dst=... proto=N ...", or for
 * MPLS "in_port=N ... eth_type=0x8847 mpls=LABEL/TC/S,...". */
void
fx_key_format(const struct fx_key *key, struct ds *s)
{
    ds_put_format(s, "in_port=%"PRIu16" ", key->in_port);
    if (key->tun_family) {
        ds_put_format(s, "tun_id=%#"PRIx64" tun_src=", ntohll(key->tun_id));
        ipv6_format_mapped(&key->tun_src, s);
        ds_put_cstr(s, " tun_dst=");
        ipv6_format_mapped(&key->tun_dst, s);
        ds_put_format(s, " tun_tp_dst=%"PRIu16" ", ntohs(key->tun_tp_dst));
        if (key->tun_erspan_ver) {
            ds_put_format(s, "tun_erspan_ver=%"PRIu8" ",
                          key->tun_erspan_ver);
        }
    }
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
    if (!fx_key_is_ip(key)) {
        ds_put_format(s, "eth_type=0x%04"PRIx16" mpls=", ntohs(key->dl_type));
        for (size_t i = 0; i < key->n_mpls; i++) {
            ds_put_format(s, "%s%"PRIu32"/%"PRIu8"/%d", i ? "," : "",
                          mpls_lse_to_label(key->mpls_lse[i]),
                          mpls_lse_to_tc(key->mpls_lse[i]),
                          mpls_lse_to_bos(key->mpls_lse[i]));
        }
        return;
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
