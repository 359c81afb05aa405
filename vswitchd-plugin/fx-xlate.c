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

/* Journeys through recirculation: the linker's --wrap=xlate_actions sends
 * every call of OVS's xlate_actions() from outside ofproto-dpif-xlate.c
 * (the upcall handlers and revalidators of ofproto-dpif-upcall.c, packet
 * execution in ofproto-dpif.c, ofproto/trace) here first.  See fx-tap.h
 * ("Journeys") for what happens around each translation, and
 * fx-plugin.h for what this relies on in OVS. */

#include <config.h>

#include "coverage.h"
#include "fx-tap.h"
#include "hash.h"
#include "openvswitch/hmap.h"
#include "ovs-thread.h"
#include "odp-netlink.h"
#include "ofproto/netflow.h"
#include "ofproto/ofproto-dpif.h"
#include "ofproto/ofproto-dpif-rid.h"
#include "ofproto/ofproto-dpif-xlate.h"
#include "ofproto/ofproto-dpif-xlate-cache.h"
#include "openvswitch/ofpbuf.h"
#include "openvswitch/vlog.h"
#include "packets.h"
#include "util.h"

VLOG_DEFINE_THIS_MODULE(fx_xlate);

/* fx_xlate_pass counts every translation that went through the wrapper:
 * tests read it to make sure that the wrapping still takes effect. */
COVERAGE_DEFINE(fx_xlate_pass);
COVERAGE_DEFINE(fx_xlate_recirculated);
COVERAGE_DEFINE(fx_xlate_deciding_pass);
COVERAGE_DEFINE(fx_xlate_nat_unknown);

enum xlate_error __real_xlate_actions(struct xlate_in *, struct xlate_out *);

/* NAT of connections, as their original direction's packets showed it.
 *
 * A reply that conntrack translated back reaches its recirculated pass
 * with the addresses its receiver will see, and with the connection's
 * original tuple; what its sender sent is the original direction's
 * translated tuple, reversed, which only the original direction's packets
 * show.  So each original-direction pass that conntrack translated records
 * its translation here, by zone and original tuple, for the replies.
 * Bounded: when full, it starts over (a reply whose connection was
 * forgotten is keyed as it left conntrack, and counted in the coverage
 * counter fx_xlate_nat_unknown, until its connection's next
 * original-direction packet). */
struct nat_entry {
    struct hmap_node node;
    struct nat_tuple {
        struct in6_addr src, dst;
        ovs_be16 tp_src, tp_dst;
        uint16_t zone;
        uint8_t proto;
        uint8_t pad;
    } orig, xlated;         /* Original tuple, and as translated. */
};
#define NAT_MAX_ENTRIES 65536
static struct ovs_mutex nat_mutex = OVS_MUTEX_INITIALIZER;
static struct hmap nat_map OVS_GUARDED_BY(nat_mutex)
    = HMAP_INITIALIZER(&nat_map);

static uint32_t
nat_tuple_hash(const struct nat_tuple *t)
{
    return hash_bytes(t, sizeof *t, 0);
}

static void
nat_remember(const struct nat_tuple *orig, const struct nat_tuple *xlated)
    OVS_EXCLUDED(nat_mutex)
{
    uint32_t hash = nat_tuple_hash(orig);
    struct nat_entry *e;

    ovs_mutex_lock(&nat_mutex);
    HMAP_FOR_EACH_WITH_HASH (e, node, hash, &nat_map) {
        if (!memcmp(&e->orig, orig, sizeof *orig)) {
            e->xlated = *xlated;
            ovs_mutex_unlock(&nat_mutex);
            return;
        }
    }
    if (hmap_count(&nat_map) >= NAT_MAX_ENTRIES) {
        struct nat_entry *next;

        HMAP_FOR_EACH_SAFE (e, next, node, &nat_map) {
            hmap_remove(&nat_map, &e->node);
            free(e);
        }
    }
    e = xmalloc(sizeof *e);
    e->orig = *orig;
    e->xlated = *xlated;
    hmap_insert(&nat_map, &e->node, hash);
    ovs_mutex_unlock(&nat_mutex);
}

static bool
nat_lookup(const struct nat_tuple *orig, struct nat_tuple *xlated)
    OVS_EXCLUDED(nat_mutex)
{
    uint32_t hash = nat_tuple_hash(orig);
    const struct nat_entry *e;
    bool found = false;

    ovs_mutex_lock(&nat_mutex);
    HMAP_FOR_EACH_WITH_HASH (e, node, hash, &nat_map) {
        if (!memcmp(&e->orig, orig, sizeof *orig)) {
            *xlated = e->xlated;
            found = true;
            break;
        }
    }
    ovs_mutex_unlock(&nat_mutex);
    return found;
}
enum xlate_error __wrap_xlate_actions(struct xlate_in *, struct xlate_out *);

/* What the datapath actions of a pass do with the packet. */
struct fx_verdict {
    bool recirculates;          /* Comes back for another pass. */
    size_t n_outputs;           /* Output actions. */
    odp_port_t port;            /* The output's port, if just one. */
};

static void
scan_actions(const struct nlattr *actions, size_t len, struct fx_verdict *v)
{
    const struct nlattr *a;
    size_t left;

    NL_ATTR_FOR_EACH (a, left, actions, len) {
        switch (nl_attr_type(a)) {
        case OVS_ACTION_ATTR_OUTPUT:
            v->port = nl_attr_get_odp_port(a);
            v->n_outputs++;
            break;
        case OVS_ACTION_ATTR_TUNNEL_PUSH: {
            const struct ovs_action_push_tnl *tnl = nl_attr_get(a);

            /* The tunnel port, as OVS's NetFlow reports it. */
            v->port = tnl->tnl_port;
            v->n_outputs++;
            break;
        }
        case OVS_ACTION_ATTR_LB_OUTPUT:
            /* A balance-tcp bond: one of its members. */
            v->port = ODPP_NONE;
            v->n_outputs++;
            break;
        case OVS_ACTION_ATTR_RECIRC:
            v->recirculates = true;
            break;
        case OVS_ACTION_ATTR_CLONE:
            scan_actions(nl_attr_get(a), nl_attr_get_size(a), v);
            break;
        case OVS_ACTION_ATTR_CHECK_PKT_LEN: {
            /* Either branch may run: both count. */
            const struct nlattr *b;
            size_t bleft;

            NL_NESTED_FOR_EACH (b, bleft, a) {
                uint16_t type = nl_attr_type(b);

                if (type == OVS_CHECK_PKT_LEN_ATTR_ACTIONS_IF_GREATER
                    || type == OVS_CHECK_PKT_LEN_ATTR_ACTIONS_IF_LESS_EQUAL) {
                    scan_actions(nl_attr_get(b), nl_attr_get_size(b), v);
                }
            }
            break;
        }
        default:
            /* Sampling (sFlow, IPFIX), userspace, set, push, pop, ct...:
             * no output of the packet itself. */
            break;
        }
    }
}

/* The OpenFlow output of a pass of bridge 'ofproto' whose actions do 'v',
 * as OVS's NetFlow numbers it. */
static ofp_port_t
verdict_to_iface(const struct ofproto_dpif *ofproto,
                 const struct fx_verdict *v)
{
    if (!v->n_outputs) {
        return NF_OUT_DROP;
    } else if (v->n_outputs > 1 || v->port == ODPP_NONE) {
        return NF_OUT_MULTI;
    } else {
        /* The port's bridge and OpenFlow number, as xlate finds them for
         * an input port. */
        struct flow f;
        ofp_port_t ofp_port;

        memset(&f, 0, sizeof f);
        f.in_port.odp_port = v->port;
        const struct ofproto_dpif *owner
            = xlate_lookup_ofproto(ofproto->backer, &f, &ofp_port, NULL);
        return owner ? ofp_port : NF_OUT_MULTI;
    }
}

/* Fills in 'j' for the deciding pass of a journey whose flow was 'flow'
 * when the pass began (the packet as the datapath recirculated it: after
 * NAT, with conntrack's fields), in 'state''s bridge. */
static void
make_journey(const struct flow *flow, const struct frozen_state *state,
             struct fx_journey *j)
{
    memset(j, 0, sizeof *j);
    j->flow = *flow;
    j->flow.in_port.ofp_port = state->metadata.in_port;
    if (!j->flow.recirc_id) {
        j->flow.recirc_id = 1;      /* Marks a journey. */
    }
    j->journey = FX_JOURNEY_RECIRC;

    if (!(flow->ct_state & CS_TRACKED)) {
        return;
    }
    j->journey |= FX_JOURNEY_TRACKED;
    j->ct.ct_state = flow->ct_state;
    j->ct.ct_zone = flow->ct_zone;
    j->ct.ct_mark = flow->ct_mark;
    j->ct.ct_label = flow->ct_label;

    if (flow->ct_state & (CS_SRC_NAT | CS_DST_NAT) && flow->ct_nw_proto) {
        /* The datapath translated the packet before recirculating it: its
         * addresses now are the translated ones. */
        bool ipv4 = flow->dl_type == htons(ETH_TYPE_IP);
        struct nat_tuple orig, now;

        memset(&orig, 0, sizeof orig);
        memset(&now, 0, sizeof now);
        if (ipv4) {
            in6_addr_set_mapped_ipv4(&orig.src, flow->ct_nw_src);
            in6_addr_set_mapped_ipv4(&orig.dst, flow->ct_nw_dst);
            in6_addr_set_mapped_ipv4(&now.src, flow->nw_src);
            in6_addr_set_mapped_ipv4(&now.dst, flow->nw_dst);
        } else {
            orig.src = flow->ct_ipv6_src;
            orig.dst = flow->ct_ipv6_dst;
            now.src = flow->ipv6_src;
            now.dst = flow->ipv6_dst;
        }
        orig.tp_src = flow->ct_tp_src;
        orig.tp_dst = flow->ct_tp_dst;
        orig.zone = now.zone = flow->ct_zone;
        orig.proto = now.proto = flow->ct_nw_proto;
        now.tp_src = flow->tp_src;
        now.tp_dst = flow->tp_dst;

        j->ct.flags |= FX_CT_NAT;
        if (ipv4) {
            in6_addr_set_mapped_ipv4(&j->ct.nat_src, flow->nw_src);
            in6_addr_set_mapped_ipv4(&j->ct.nat_dst, flow->nw_dst);
        } else {
            j->ct.nat_src = flow->ipv6_src;
            j->ct.nat_dst = flow->ipv6_dst;
        }
        j->ct.nat_tp_src = flow->tp_src;
        j->ct.nat_tp_dst = flow->tp_dst;

        struct nat_tuple sent;
        if (!(flow->ct_state & CS_REPLY_DIR)) {
            /* In the original direction, the connection's original tuple
             * is the packet as the sender sent it. */
            nat_remember(&orig, &now);
            sent = orig;
        } else {
            /* A reply: its sender sent the original direction's
             * translated tuple, reversed. */
            struct nat_tuple xlated;

            if (nat_lookup(&orig, &xlated)) {
                sent = xlated;
                sent.src = xlated.dst;
                sent.dst = xlated.src;
                sent.tp_src = xlated.tp_dst;
                sent.tp_dst = xlated.tp_src;
            } else {
                COVERAGE_INC(fx_xlate_nat_unknown);
                sent = now;
            }
        }
        if (ipv4) {
            j->flow.nw_src = in6_addr_get_mapped_ipv4(&sent.src);
            j->flow.nw_dst = in6_addr_get_mapped_ipv4(&sent.dst);
        } else {
            j->flow.ipv6_src = sent.src;
            j->flow.ipv6_dst = sent.dst;
        }
        if (flow->nw_proto != IPPROTO_ICMP
            && flow->nw_proto != IPPROTO_ICMPV6) {
            /* ICMP's "ports" in the tuple are its id: the flow keeps the
             * type and code. */
            j->flow.tp_src = sent.tp_src;
            j->flow.tp_dst = sent.tp_dst;
        }
    }
}

/* Credits the traffic of this translation, 'flow' (a 'struct flow', or a
 * 'struct fx_journey' if 'journey'), to the tap of 'bridge' if it has one,
 * with ingress port 'in' and output 'out': now if the translation carries
 * statistics, and later through an xlate cache entry of its own. */
static void
credit_bridge(struct xlate_in *xin, const struct uuid *bridge,
              const void *flow, bool journey, ofp_port_t in, ofp_port_t out)
{
    struct netflow *nf = fx_tap_find_by_uuid(bridge);

    if (nf) {
        size_t size = journey ? sizeof(struct fx_journey)
                              : sizeof(struct flow);
        struct flow *copy = xmemdup(flow, size);

        copy->in_port.ofp_port = in;
        if (xin->resubmit_stats) {
            netflow_flow_update(nf, copy, out, xin->resubmit_stats);
        }
        if (xin->xcache) {
            struct xc_entry *e = xlate_cache_add_entry(xin->xcache,
                                                       XC_NETFLOW);

            e->nf.netflow = netflow_ref(nf);
            e->nf.flow = copy;
            e->nf.iface = out;
        } else {
            free(copy);
        }
        netflow_unref(nf);
    }
}

/* Credits the bridges after the first on a way over 'n' patch links
 * 'path', whose last bridge outputs to 'last_out' (or, with 'last_out'
 * OFPP_NONE, is not credited here: its own recirculated pass will be). */
static void
credit_path(struct xlate_in *xin, const struct fx_patch_link *path,
            size_t n, const void *flow, bool journey, ofp_port_t last_out)
{
    for (size_t k = 1; k <= n; k++) {
        ofp_port_t in = u16_to_ofp(path[k - 1].to_port);

        if (k < n) {
            credit_bridge(xin, &path[k - 1].to, flow, journey, in,
                          u16_to_ofp(path[k].from_port));
        } else if (last_out != OFPP_NONE) {
            credit_bridge(xin, &path[k - 1].to, flow, journey, in, last_out);
        }
    }
}

/* The xlate cache entries of OVS's own NetFlow update for this
 * translation, those after 'ofs': with a NULL 'nf', they lose their tap
 * (and count nothing), else their output becomes 'iface'. */
static void
fix_netflow_entries(struct xlate_cache *xcache, size_t ofs, bool drop,
                    ofp_port_t iface)
{
    for (; xcache && ofs < xcache->entries.size;
         ofs += sizeof(struct xc_entry)) {
        struct xc_entry *e = ofpbuf_at_assert(&xcache->entries, ofs,
                                              sizeof *e);
        if (e->type == XC_NETFLOW && e->nf.netflow
            && !e->nf.flow->recirc_id) {
            if (drop) {
                netflow_unref(e->nf.netflow);
                e->nf.netflow = NULL;
            } else {
                e->nf.iface = iface;
            }
        }
    }
}

/* The bridge in which the packet of a translation that recirculates it
 * continues. */
static const struct uuid *
frozen_bridge(const struct xlate_out *xout)
{
    const struct recirc_refs *r = &xout->recircs;
    uint32_t id;

    if (!r->n_recircs) {
        return NULL;
    }
    id = (r->n_recircs <= 2 ? r->recirc[r->n_recircs - 1]
          : r->recircs[r->n_recircs - 1]);

    const struct recirc_id_node *node = recirc_id_node_find(id);
    return node ? &node->state.ofproto_uuid : NULL;
}

enum xlate_error
__wrap_xlate_actions(struct xlate_in *xin, struct xlate_out *xout)
{
    const struct frozen_state *state = xin->frozen_state;
    struct xlate_cache *xcache = xin->xcache;
    size_t xc_ofs = xcache ? xcache->entries.size : 0;
    struct ofpbuf *odp_actions = xin->odp_actions;
    uint64_t stub[1024 / 8];
    struct ofpbuf actions;
    struct flow flow;

    COVERAGE_INC(fx_xlate_pass);
    if (!netflow_exists()) {
        return __real_xlate_actions(xin, xout);
    }

    /* The actions tell what the pass does with the packet: have them made
     * also where the caller does not want them. */
    if (!odp_actions) {
        ofpbuf_use_stub(&actions, stub, sizeof stub);
        xin->odp_actions = &actions;
    }
    if (state) {
        flow = xin->flow;
    }

    struct fx_tap_deferred deferred;
    fx_tap_defer_begin(&deferred);
    enum xlate_error error = __real_xlate_actions(xin, xout);

    /* xlate_actions() starts from empty actions (it reserves headroom in
     * them, which needs an empty buffer). */
    struct fx_verdict v = { .port = ODPP_NONE };
    scan_actions(xin->odp_actions->data, xin->odp_actions->size, &v);

    /* The bridge where the pass began, and where it ended: the bridge of
     * its one output port, or where it froze the packet.  Between them,
     * the packet crossed patch ports. */
    const struct uuid *start = (state ? &state->ofproto_uuid
                                : &xin->ofproto->uuid);
    const struct uuid *end = NULL;
    ofp_port_t out_port = OFPP_NONE;
    if (!fx_tap_has_patch_links()) {
        /* No way out of the bridge. */
    } else if (v.recirculates) {
        end = frozen_bridge(xout);
    } else if (v.n_outputs == 1 && v.port != ODPP_NONE) {
        struct flow f;

        memset(&f, 0, sizeof f);
        f.in_port.odp_port = v.port;
        const struct ofproto_dpif *owner
            = xlate_lookup_ofproto(xin->ofproto->backer, &f, &out_port,
                                   NULL);
        end = owner ? &owner->uuid : NULL;
    }
    struct fx_patch_link path[FX_PATCH_MAX_HOPS];
    size_t n_hops = (end && error == XLATE_OK
                     ? fx_tap_patch_path(start, end, path) : 0);

    if (!state) {
        /* A first pass: OVS made its update (held back) and its xlate
         * cache entry for the first bridge. */
        if (n_hops) {
            /* The first bridge's part ends at its patch port; the
             * bridges after it get theirs, except one where the packet
             * is recirculated: its pass will count it. */
            ofp_port_t egress = u16_to_ofp(path[0].from_port);

            deferred.iface = egress;
            fx_tap_defer_end(&deferred, true);
            fix_netflow_entries(xcache, xc_ofs, false, egress);
            credit_path(xin, path, n_hops, &xin->flow, false,
                        v.recirculates ? OFPP_NONE : out_port);
        } else {
            fx_tap_defer_end(&deferred, !v.recirculates);
            if (v.recirculates) {
                /* A later pass decides, and counts the packet. */
                COVERAGE_INC(fx_xlate_recirculated);
                fix_netflow_entries(xcache, xc_ofs, true, OFPP_NONE);
            }
        }
    } else {
        fx_tap_defer_end(&deferred, !v.recirculates);
        if (!v.recirculates && error == XLATE_OK) {
            struct ofproto_dpif *ofproto
                = ofproto_dpif_lookup_by_uuid(&state->ofproto_uuid);

            if (ofproto) {
                struct fx_journey j;

                COVERAGE_INC(fx_xlate_deciding_pass);
                make_journey(&flow, state, &j);
                ofp_port_t out = (n_hops ? u16_to_ofp(path[0].from_port)
                                  : verdict_to_iface(ofproto, &v));
                credit_bridge(xin, &state->ofproto_uuid, &j, true,
                              j.flow.in_port.ofp_port, out);
                credit_path(xin, path, n_hops, &j, true, out_port);
            }
        }
    }

    if (!odp_actions) {
        xin->odp_actions = NULL;
        ofpbuf_uninit(&actions);
    }
    return error;
}
