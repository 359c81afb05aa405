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

#ifndef FX_TRAIL_H
#define FX_TRAIL_H 1

/* What one translation went through: the bridges of the OpenFlow rules it
 * looked up, and which of them flooded its packet.
 *
 * A translation that crosses patch ports is one datapath flow; its
 * datapath actions say where the packet went, but not through which
 * bridges, nor where it was dropped, nor whether a bridge flooded it.
 * OVS's NetFlow numbers a flooding bridge's output 65535 (NF_OUT_FLOOD),
 * however many ports the flood reached, but OVS tells it only for the
 * first pass, and for the whole translation (xlate_actions()'s
 * 'nf_output_iface').  The trail is recorded from two calls that the
 * translation makes across compilation units, which the linker's --wrap
 * sends here (fx-plugin.h):
 *
 *   - rule_dpif_lookup_from_table(): every OpenFlow rule the translation
 *     looks up, in whichever bridge.  The bridges of those rules, in the
 *     order of their first rule, are the bridges the packet went through;
 *     the bridge of the last one is where a packet that no action outputs
 *     was dropped.  A bridge floods if one of its rules' actions outputs
 *     to OFPP_FLOOD or OFPP_ALL (also in nested actions such as clone()),
 *     or the actions a recirculated pass resumes do.
 *
 *   - mac_learning_lookup(): the NORMAL action's lookup of the packet's
 *     destination in a bridge's MAC learning table; a bridge floods if it
 *     finds no port (an unknown or a multicast destination).
 *
 * Not seen: a rule that the caller gives the translation (xlate_in's
 * 'rule', which only packet-outs and learned-flow executions have: its
 * bridge is where the translation begins anyway), the floods of IGMP/MLD
 * snooping, and actions after one that ends the pass early (a flood after
 * "exit" counts as done).
 *
 * Every function runs in the thread that translates, around one
 * translation; the trail lives on the caller's stack and is valid until
 * the thread quiesces (the rules it points to are RCU-protected). */

#include <stdbool.h>
#include <stddef.h>

struct flow;
struct frozen_state;
struct mac_learning;
struct ofproto_dpif;
struct rule_dpif;
struct uuid;

#define FX_TRAIL_MAX_RULES 64
#define FX_TRAIL_MAX_BRIDGES 8
#define FX_TRAIL_MAX_TABLES 8

struct fx_trail {
    const struct flow *flow;    /* The translation's flow, as it changes. */
    const struct frozen_state *state; /* What a recirculated pass resumes. */

    /* The rules looked up, the first FX_TRAIL_MAX_RULES of them. */
    const struct rule_dpif *rules[FX_TRAIL_MAX_RULES];
    size_t n_rules;

    /* The bridges of the rules looked up, each once, in the order of
     * their first rule ('n_bridges' > FX_TRAIL_MAX_BRIDGES: more than
     * that, the first ones kept), and the bridge of the last rule. */
    const struct ofproto_dpif *bridges[FX_TRAIL_MAX_BRIDGES];
    size_t n_bridges;
    const struct ofproto_dpif *last_bridge;

    /* The MAC learning tables in which NORMAL found no port for the
     * packet's destination. */
    const struct mac_learning *tables[FX_TRAIL_MAX_TABLES];
    size_t n_tables;

    struct fx_trail *outer;     /* The trail this one hides, if any. */
};

/* Starts recording the translation of 'flow' (the xlate_in's, which the
 * translation changes in place), resuming 'state' if nonnull, into
 * 'trail', until fx_trail_end(). */
void fx_trail_begin(struct fx_trail *trail, const struct flow *flow,
                    const struct frozen_state *state);
void fx_trail_end(struct fx_trail *trail);

/* Whether bridge 'bridge' flooded the packet of the translation that
 * 'trail' recorded. */
bool fx_trail_flooded(const struct fx_trail *trail,
                      const struct uuid *bridge);

#endif /* fx-trail.h */
