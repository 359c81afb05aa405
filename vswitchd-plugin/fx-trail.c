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

/* What one translation went through (see fx-trail.h). */

#include <config.h>

#include "fx-trail.h"
#include "coverage.h"
#include "flow.h"
#include "mac-learning.h"
#include "ofproto/ofproto-dpif.h"
#include "ofproto/ofproto-dpif-rid.h"
#include "ofproto/ofproto-provider.h"
#include "openvswitch/ofp-actions.h"
#include "ovs-thread.h"
#include "packets.h"
#include "util.h"
#include "uuid.h"

/* Tests read these to make sure that the wrapping still takes effect. */
COVERAGE_DEFINE(fx_trail_rule_lookup);
COVERAGE_DEFINE(fx_trail_normal_flood);
COVERAGE_DEFINE(fx_trail_rules_overflow);

struct rule_dpif *__real_rule_dpif_lookup_from_table(
    struct ofproto_dpif *, ovs_version_t, struct flow *,
    struct flow_wildcards *, const struct dpif_flow_stats *,
    uint8_t *table_id, ofp_port_t in_port, bool may_packet_in,
    bool honor_table_miss, struct xlate_cache *);
struct rule_dpif *__wrap_rule_dpif_lookup_from_table(
    struct ofproto_dpif *, ovs_version_t, struct flow *,
    struct flow_wildcards *, const struct dpif_flow_stats *,
    uint8_t *table_id, ofp_port_t in_port, bool may_packet_in,
    bool honor_table_miss, struct xlate_cache *);

struct mac_entry *__real_mac_learning_lookup(const struct mac_learning *ml,
                                             const struct eth_addr dst,
                                             uint16_t vlan)
    OVS_REQ_RDLOCK(ml->rwlock);
struct mac_entry *__wrap_mac_learning_lookup(const struct mac_learning *ml,
                                             const struct eth_addr dst,
                                             uint16_t vlan)
    OVS_REQ_RDLOCK(ml->rwlock);

/* The trail of the translation this thread is in, if any. */
DEFINE_STATIC_PER_THREAD_DATA(struct fx_trail *, fx_current_trail, NULL);

void
fx_trail_begin(struct fx_trail *trail, const struct flow *flow,
               const struct frozen_state *state)
{
    struct fx_trail **current = fx_current_trail_get();

    trail->flow = flow;
    trail->state = state;
    trail->n_rules = 0;
    trail->n_bridges = 0;
    trail->last_bridge = NULL;
    trail->n_tables = 0;
    trail->outer = *current;
    *current = trail;
}

void
fx_trail_end(struct fx_trail *trail)
{
    *fx_current_trail_get() = trail->outer;
}

static void
trail_add_rule(struct fx_trail *trail, const struct rule_dpif *rule)
{
    const struct ofproto_dpif *bridge
        = CONTAINER_OF(rule->up.ofproto, struct ofproto_dpif, up);

    COVERAGE_INC(fx_trail_rule_lookup);
    if (trail->n_rules < FX_TRAIL_MAX_RULES) {
        trail->rules[trail->n_rules++] = rule;
    } else {
        COVERAGE_INC(fx_trail_rules_overflow);
    }

    if (bridge != trail->last_bridge) {
        size_t n = MIN(trail->n_bridges, FX_TRAIL_MAX_BRIDGES);
        size_t i;

        for (i = 0; i < n && trail->bridges[i] != bridge; i++) {
            continue;
        }
        if (i == n) {
            if (n < FX_TRAIL_MAX_BRIDGES) {
                trail->bridges[n] = bridge;
            }
            trail->n_bridges++;
        }
        trail->last_bridge = bridge;
    }
}

struct rule_dpif *
__wrap_rule_dpif_lookup_from_table(struct ofproto_dpif *ofproto,
                                   ovs_version_t version, struct flow *flow,
                                   struct flow_wildcards *wc,
                                   const struct dpif_flow_stats *stats,
                                   uint8_t *table_id, ofp_port_t in_port,
                                   bool may_packet_in, bool honor_table_miss,
                                   struct xlate_cache *xcache)
{
    struct rule_dpif *rule = __real_rule_dpif_lookup_from_table(
        ofproto, version, flow, wc, stats, table_id, in_port, may_packet_in,
        honor_table_miss, xcache);
    struct fx_trail *trail = *fx_current_trail_get();

    if (trail && rule) {
        /* The rule stays valid until this thread quiesces, after the
         * translation. */
        trail_add_rule(trail, rule);
    }
    return rule;
}

struct mac_entry *
__wrap_mac_learning_lookup(const struct mac_learning *ml,
                           const struct eth_addr dst, uint16_t vlan)
    OVS_REQ_RDLOCK(ml->rwlock)
{
    struct mac_entry *mac = __real_mac_learning_lookup(ml, dst, vlan);
    struct fx_trail *trail = *fx_current_trail_get();

    /* NORMAL looks up the packet's destination; a bonded port's check of
     * its source is no flood. */
    if (trail && (!mac || !mac_entry_get_port(ml, mac))
        && eth_addr_equals(dst, trail->flow->dl_dst)) {
        for (size_t i = 0; i < trail->n_tables; i++) {
            if (trail->tables[i] == ml) {
                return mac;
            }
        }
        COVERAGE_INC(fx_trail_normal_flood);
        if (trail->n_tables < FX_TRAIL_MAX_TABLES) {
            trail->tables[trail->n_tables++] = ml;
        }
    }
    return mac;
}

static bool
actions_flood(const struct ofpact *ofpacts, size_t ofpacts_len)
{
    return (ofpacts_output_to_port(ofpacts, ofpacts_len, OFPP_FLOOD)
            || ofpacts_output_to_port(ofpacts, ofpacts_len, OFPP_ALL));
}

bool
fx_trail_flooded(const struct fx_trail *trail, const struct uuid *bridge)
{
    for (size_t i = 0; i < trail->n_rules; i++) {
        const struct rule_dpif *rule = trail->rules[i];
        const struct ofproto_dpif *ofproto
            = CONTAINER_OF(rule->up.ofproto, struct ofproto_dpif, up);

        if (uuid_equals(&ofproto->uuid, bridge)) {
            const struct rule_actions *actions = rule_get_actions(&rule->up);

            if (actions_flood(actions->ofpacts, actions->ofpacts_len)) {
                return true;
            }
        }
    }

    const struct frozen_state *state = trail->state;
    if (state && uuid_equals(&state->ofproto_uuid, bridge)
        && (actions_flood(state->ofpacts, state->ofpacts_len)
            || actions_flood(state->action_set, state->action_set_len))) {
        return true;
    }

    if (trail->n_tables) {
        const struct ofproto_dpif *ofproto
            = ofproto_dpif_lookup_by_uuid(bridge);

        for (size_t i = 0; ofproto && i < trail->n_tables; i++) {
            if (trail->tables[i] == ofproto->ml) {
                return true;
            }
        }
    }
    return false;
}
