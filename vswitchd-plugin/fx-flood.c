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

/* Which bridges flooded a translation's packet (see fx-flood.h). */

#include <config.h>

#include "fx-flood.h"
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
COVERAGE_DEFINE(fx_flood_rule_lookup);
COVERAGE_DEFINE(fx_flood_normal);
COVERAGE_DEFINE(fx_flood_rules_overflow);

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

/* The record of the translation this thread is in, if any. */
DEFINE_STATIC_PER_THREAD_DATA(struct fx_floods *, fx_current_floods, NULL);

void
fx_flood_begin(struct fx_floods *floods, const struct flow *flow,
               const struct frozen_state *state)
{
    struct fx_floods **current = fx_current_floods_get();

    floods->flow = flow;
    floods->state = state;
    floods->n_rules = 0;
    floods->n_tables = 0;
    floods->outer = *current;
    *current = floods;
}

void
fx_flood_end(struct fx_floods *floods)
{
    *fx_current_floods_get() = floods->outer;
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
    struct fx_floods *floods = *fx_current_floods_get();

    if (floods) {
        /* The rule stays valid until this thread quiesces, after the
         * translation. */
        COVERAGE_INC(fx_flood_rule_lookup);
        if (floods->n_rules < FX_FLOOD_MAX_RULES) {
            floods->rules[floods->n_rules++] = rule;
        } else {
            COVERAGE_INC(fx_flood_rules_overflow);
        }
    }
    return rule;
}

struct mac_entry *
__wrap_mac_learning_lookup(const struct mac_learning *ml,
                           const struct eth_addr dst, uint16_t vlan)
    OVS_REQ_RDLOCK(ml->rwlock)
{
    struct mac_entry *mac = __real_mac_learning_lookup(ml, dst, vlan);
    struct fx_floods *floods = *fx_current_floods_get();

    /* NORMAL looks up the packet's destination; a bonded port's check of
     * its source is no flood. */
    if (floods && (!mac || !mac_entry_get_port(ml, mac))
        && eth_addr_equals(dst, floods->flow->dl_dst)) {
        for (size_t i = 0; i < floods->n_tables; i++) {
            if (floods->tables[i] == ml) {
                return mac;
            }
        }
        COVERAGE_INC(fx_flood_normal);
        if (floods->n_tables < FX_FLOOD_MAX_TABLES) {
            floods->tables[floods->n_tables++] = ml;
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
fx_flood_in(const struct fx_floods *floods, const struct uuid *bridge)
{
    for (size_t i = 0; i < floods->n_rules; i++) {
        const struct rule_dpif *rule = floods->rules[i];
        const struct ofproto_dpif *ofproto
            = CONTAINER_OF(rule->up.ofproto, struct ofproto_dpif, up);

        if (uuid_equals(&ofproto->uuid, bridge)) {
            const struct rule_actions *actions = rule_get_actions(&rule->up);

            if (actions_flood(actions->ofpacts, actions->ofpacts_len)) {
                return true;
            }
        }
    }

    const struct frozen_state *state = floods->state;
    if (state && uuid_equals(&state->ofproto_uuid, bridge)
        && (actions_flood(state->ofpacts, state->ofpacts_len)
            || actions_flood(state->action_set, state->action_set_len))) {
        return true;
    }

    if (floods->n_tables) {
        const struct ofproto_dpif *ofproto
            = ofproto_dpif_lookup_by_uuid(bridge);

        for (size_t i = 0; ofproto && i < floods->n_tables; i++) {
            if (floods->tables[i] == ofproto->ml) {
                return true;
            }
        }
    }
    return false;
}
