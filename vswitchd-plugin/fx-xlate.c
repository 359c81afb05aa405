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
#include "fx-nat.h"
#include "fx-tap.h"
#include "fx-trail.h"
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

enum xlate_error __wrap_xlate_actions(struct xlate_in *, struct xlate_out *);

/* What the datapath actions of a pass do with the packet. */
#define FX_VERDICT_MAX_PORTS 32
struct fx_verdict {
    bool recirculates;          /* Comes back for another pass. */
    size_t n_outputs;           /* Output actions. */
    odp_port_t port;            /* The output's port, if just one. */
    odp_port_t ports[FX_VERDICT_MAX_PORTS]; /* The first outputs' ports
                                             * (ODPP_NONE: a bond's). */
};

static void
verdict_add_output(struct fx_verdict *v, odp_port_t port)
{
    if (v->n_outputs < FX_VERDICT_MAX_PORTS) {
        v->ports[v->n_outputs] = port;
    }
    v->port = port;
    v->n_outputs++;
}

static void
scan_actions(const struct nlattr *actions, size_t len, struct fx_verdict *v)
{
    const struct nlattr *a;
    size_t left;

    NL_ATTR_FOR_EACH (a, left, actions, len) {
        switch (nl_attr_type(a)) {
        case OVS_ACTION_ATTR_OUTPUT:
            verdict_add_output(v, nl_attr_get_odp_port(a));
            break;
        case OVS_ACTION_ATTR_TUNNEL_PUSH: {
            const struct ovs_action_push_tnl *tnl = nl_attr_get(a);

            /* The tunnel port, as OVS's NetFlow reports it. */
            verdict_add_output(v, tnl->tnl_port);
            break;
        }
        case OVS_ACTION_ATTR_LB_OUTPUT:
            /* A balance-tcp bond: one of its members. */
            verdict_add_output(v, ODPP_NONE);
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

/* The bridge that owns datapath port 'port' of 'backer', with the port's
 * OpenFlow number in '*ofp_port', as xlate finds them for an input port;
 * NULL if none does. */
static const struct ofproto_dpif *
port_owner(const struct dpif_backer *backer, odp_port_t port,
           ofp_port_t *ofp_port)
{
    struct flow f;

    memset(&f, 0, sizeof f);
    f.in_port.odp_port = port;
    return xlate_lookup_ofproto(backer, &f, ofp_port, NULL);
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
        ofp_port_t ofp_port;

        return (port_owner(ofproto->backer, v->port, &ofp_port)
                ? ofp_port : NF_OUT_MULTI);
    }
}

/* Keys journey 'j', whose deciding pass's 'flow' is tracked with its
 * connection's original tuple in its zone, on its packet as the sender sent
 * it (see fx-nat.h), and gives it the tuple it leaves with if its zone
 * translated it.  A reply whose connection's translation is not known is
 * keyed as it left conntrack.
 *
 * A pass that its own zone did not translate gets no post-NAT tuple even
 * when earlier zones did: its actions may yet commit it with nat(...), and
 * then its header is not what leaves.  The flow's other packets show it. */
static void
journey_key_as_sent(const struct flow *flow, struct fx_journey *j)
{
    bool translated = flow->ct_state & (CS_SRC_NAT | CS_DST_NAT);
    bool reply = flow->ct_state & CS_REPLY_DIR;
    struct fx_nat_tuple orig, now, sent;
    struct fx_nat_way way;

    if (!translated && !fx_nat_in_use()) {
        return;
    }
    fx_nat_tuples_from_flow(flow, &orig, &now);
    if (translated && !reply) {
        fx_nat_remember(flow->ct_zone, &orig, &now);
    }
    fx_nat_follow(flow->ct_zone, &orig, reply, &way);

    if (translated) {
        j->ct.flags |= FX_CT_NAT;
        j->ct.nat_src = now.src;
        j->ct.nat_dst = now.dst;
        j->ct.nat_tp_src = now.tp_src;
        j->ct.nat_tp_dst = now.tp_dst;
    }
    if (!reply) {
        /* The original tuple in this zone, before the zones before it
         * translated it. */
        sent = way.first;
    } else if (way.n_zones) {
        /* The original direction's tuple after its last translation,
         * reversed. */
        sent = way.last;
        fx_nat_tuple_reverse(&sent);
    } else {
        if (translated) {
            COVERAGE_INC(fx_xlate_nat_unknown);
        }
        return;
    }
    fx_nat_tuple_to_flow(&sent, &j->flow);
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

    if (flow->ct_nw_proto) {
        journey_key_as_sent(flow, j);
    }
}

/* 'out', the output of 'bridge' in the translation 'trail' recorded, or
 * NF_OUT_FLOOD if 'bridge' flooded the packet there: OVS's NetFlow numbers
 * a flood so, however many ports it reached.  A flood that reached no port
 * is a drop. */
static ofp_port_t
flooded_or(const struct fx_trail *trail, const struct uuid *bridge,
           ofp_port_t out)
{
    return (out != NF_OUT_DROP && fx_trail_flooded(trail, bridge)
            ? NF_OUT_FLOOD : out);
}

/* Credits the traffic of this translation, 'flow' (a 'struct flow', or a
 * 'struct fx_journey' if 'journey'), to the tap of 'bridge' if it has one,
 * with ingress port 'in' and output 'out' (or flooding, if 'trail' says
 * so): now if the translation carries statistics, and later through an
 * xlate cache entry of its own. */
static void
credit_bridge(struct xlate_in *xin, const struct fx_trail *trail,
              const struct uuid *bridge, const void *flow, bool journey,
              ofp_port_t in, ofp_port_t out)
{
    struct netflow *nf = fx_tap_find_by_uuid(bridge);

    if (nf) {
        out = flooded_or(trail, bridge, out);
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
credit_path(struct xlate_in *xin, const struct fx_trail *trail,
            const struct fx_patch_link *path, size_t n, const void *flow,
            bool journey, ofp_port_t last_out)
{
    for (size_t k = 1; k <= n; k++) {
        ofp_port_t in = u16_to_ofp(path[k - 1].to_port);

        if (k < n) {
            credit_bridge(xin, trail, &path[k - 1].to, flow, journey, in,
                          u16_to_ofp(path[k].from_port));
        } else if (last_out != OFPP_NONE) {
            credit_bridge(xin, trail, &path[k - 1].to, flow, journey, in,
                          last_out);
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

/* A bridge that the packet of a translation went through, and what it
 * did with the packet there. */
#define FX_MAX_VISITS FX_PATCH_MAX_HOPS
struct fx_visit {
    const struct uuid *bridge;
    ofp_port_t in;              /* The patch port it came in on (not for
                                 * the first bridge). */
    size_t n_outputs;           /* Datapath outputs to its own ports. */
    ofp_port_t out;             /* The last of those. */
    ofp_port_t patch_outs[FX_MAX_VISITS]; /* Its patch ports to the bridges
                                           * after it, each once. */
    size_t n_patch_outs;
};

static struct fx_visit *
visit_find(struct fx_visit *visits, size_t n, const struct uuid *bridge)
{
    for (size_t i = 0; i < n; i++) {
        if (uuid_equals(visits[i].bridge, bridge)) {
            return &visits[i];
        }
    }
    return NULL;
}

static void
visit_add_patch_out(struct fx_visit *visit, ofp_port_t port)
{
    for (size_t i = 0; i < visit->n_patch_outs; i++) {
        if (visit->patch_outs[i] == port) {
            return;
        }
    }
    visit->patch_outs[visit->n_patch_outs++] = port;
}

/* 'visit''s output, as OVS's NetFlow numbers it. */
static ofp_port_t
visit_out(const struct fx_visit *visit)
{
    size_t n = visit->n_outputs + visit->n_patch_outs;

    return (!n ? NF_OUT_DROP
            : n > 1 ? NF_OUT_MULTI
            : visit->n_outputs ? visit->out
            : visit->patch_outs[0]);
}

/* For a translation, begun in bridge 'start', whose datapath actions 'v'
 * output the packet more than once: the bridges it went through (those
 * of the OpenFlow rules it looked up, from 'trail'), each with its own
 * outputs and its patch ports to the bridges after it, in 'visits',
 * 'start' first.  Returns how many, or 0 if the packet stayed in 'start'
 * or it cannot tell (a bond's output, more outputs or bridges than it
 * follows, a bridge it finds no way to). */
static size_t
spread_outputs(const struct uuid *start, const struct fx_trail *trail,
               const struct dpif_backer *backer, const struct fx_verdict *v,
               struct fx_visit *visits)
{
    size_t n = 0;

    if (trail->n_bridges > FX_TRAIL_MAX_BRIDGES) {
        return 0;
    }
    visits[n++] = (struct fx_visit) { .bridge = start, .in = OFPP_NONE };
    for (size_t i = 0; i < trail->n_bridges; i++) {
        const struct uuid *bridge = &trail->bridges[i]->uuid;

        if (!visit_find(visits, n, bridge)) {
            if (n == FX_MAX_VISITS) {
                return 0;
            }
            visits[n++] = (struct fx_visit) { .bridge = bridge };
        }
    }
    if (n == 1 || v->n_outputs > FX_VERDICT_MAX_PORTS) {
        return 0;
    }

    for (size_t i = 0; i < v->n_outputs; i++) {
        struct fx_visit *visit;
        ofp_port_t ofp_port;

        if (v->ports[i] == ODPP_NONE) {
            return 0;
        }
        const struct ofproto_dpif *owner = port_owner(backer, v->ports[i],
                                                      &ofp_port);
        visit = owner ? visit_find(visits, n, &owner->uuid) : NULL;
        if (!visit) {
            return 0;
        }
        visit->n_outputs++;
        visit->out = ofp_port;
    }

    for (size_t i = 1; i < n; i++) {
        struct fx_patch_link path[FX_PATCH_MAX_HOPS];
        size_t n_hops = fx_tap_patch_path(start, visits[i].bridge, path);

        if (!n_hops) {
            return 0;
        }
        visits[i].in = u16_to_ofp(path[n_hops - 1].to_port);
        for (size_t k = 0; k < n_hops; k++) {
            struct fx_visit *from = visit_find(visits, n, &path[k].from);

            if (!from) {
                return 0;
            }
            visit_add_patch_out(from, u16_to_ofp(path[k].from_port));
        }
    }
    return n;
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

    bool linked = fx_tap_has_patch_links();
    struct fx_tap_deferred deferred;
    struct fx_trail trail;
    fx_tap_defer_begin(&deferred);
    fx_trail_begin(&trail, &xin->flow, state);
    enum xlate_error error = __real_xlate_actions(xin, xout);
    fx_trail_end(&trail);

    /* xlate_actions() starts from empty actions (it reserves headroom in
     * them, which needs an empty buffer). */
    struct fx_verdict v = { .port = ODPP_NONE };
    scan_actions(xin->odp_actions->data, xin->odp_actions->size, &v);

    /* The bridge where the pass began; with patch ports, where the
     * packet went from there, from the rules the translation looked up:
     * the bridge where it was dropped, or each bridge's part of several
     * outputs. */
    const struct uuid *start = (state ? &state->ofproto_uuid
                                : &xin->ofproto->uuid);
    const struct uuid *drop_bridge = NULL;
    struct fx_visit visits[FX_MAX_VISITS];
    size_t n_visits = 0;
    if (linked && error == XLATE_OK && !v.recirculates) {
        if (!v.n_outputs) {
            drop_bridge = (trail.last_bridge ? &trail.last_bridge->uuid
                           : NULL);
        } else if (v.n_outputs > 1) {
            n_visits = spread_outputs(start, &trail, xin->ofproto->backer,
                                      &v, visits);
        }
    }

    /* Where the pass ended, if it went through patch ports to one bridge:
     * the bridge of its one output port, where it froze the packet, or
     * where it was dropped. */
    const struct uuid *end = NULL;
    ofp_port_t out_port = OFPP_NONE;
    if (!linked) {
        /* No way out of the bridge. */
    } else if (v.recirculates) {
        end = frozen_bridge(xout);
    } else if (!v.n_outputs) {
        /* Dropped in the bridge of the last rule. */
        end = drop_bridge;
        out_port = NF_OUT_DROP;
    } else if (v.n_outputs == 1 && v.port != ODPP_NONE) {
        const struct ofproto_dpif *owner
            = port_owner(xin->ofproto->backer, v.port, &out_port);
        end = owner ? &owner->uuid : NULL;
    }
    struct fx_patch_link path[FX_PATCH_MAX_HOPS];
    size_t n_hops = (end && error == XLATE_OK
                     ? fx_tap_patch_path(start, end, path) : 0);

    if (!state) {
        /* A first pass: OVS made its update (held back) and its xlate
         * cache entry for the first bridge. */
        if (n_visits) {
            /* Each bridge's part of several outputs.  OVS's flooding may
             * be a later bridge's: ask which bridges flooded. */
            ofp_port_t out = flooded_or(&trail, start,
                                        visit_out(&visits[0]));

            deferred.iface = out;
            fx_tap_defer_end(&deferred, true);
            fix_netflow_entries(xcache, xc_ofs, false, out);
            for (size_t i = 1; i < n_visits; i++) {
                credit_bridge(xin, &trail, visits[i].bridge, &xin->flow,
                              false, visits[i].in, visit_out(&visits[i]));
            }
        } else if (n_hops) {
            /* The first bridge's part ends at its patch port; the
             * bridges after it get theirs, except one where the packet
             * is recirculated: its pass will count it. */
            ofp_port_t egress = flooded_or(&trail, start,
                                           u16_to_ofp(path[0].from_port));

            deferred.iface = egress;
            fx_tap_defer_end(&deferred, true);
            fix_netflow_entries(xcache, xc_ofs, false, egress);
            credit_path(xin, &trail, path, n_hops, &xin->flow, false,
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
                ofp_port_t out = (n_visits ? visit_out(&visits[0])
                                  : n_hops ? u16_to_ofp(path[0].from_port)
                                  : verdict_to_iface(ofproto, &v));
                credit_bridge(xin, &trail, &state->ofproto_uuid, &j, true,
                              j.flow.in_port.ofp_port, out);
                credit_path(xin, &trail, path, n_hops, &j, true, out_port);
                for (size_t i = 1; i < n_visits; i++) {
                    credit_bridge(xin, &trail, visits[i].bridge, &j, true,
                                  visits[i].in, visit_out(&visits[i]));
                }
            }
        }
    }

    if (!odp_actions) {
        xin->odp_actions = NULL;
        ofpbuf_uninit(&actions);
    }
    return error;
}
