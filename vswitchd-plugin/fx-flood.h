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

#ifndef FX_FLOOD_H
#define FX_FLOOD_H 1

/* Which bridges flooded the packet of a translation.
 *
 * OVS's NetFlow numbers a flooding bridge's output 65535 (NF_OUT_FLOOD),
 * however many ports the flood reached, but OVS tells it only for the
 * first bridge of a first pass (xlate_actions()'s 'nf_output_iface').  A
 * pass after recirculation, and each bridge after the first over patch
 * ports, learn it here, from two points of the translation, both reached
 * through the linker's --wrap (fx-plugin.h):
 *
 *   - rule_dpif_lookup_from_table(): every OpenFlow rule the translation
 *     looks up, in whichever bridge; a bridge floods if one of its rules'
 *     actions outputs to OFPP_FLOOD or OFPP_ALL (also in nested actions
 *     such as clone()), or the actions a recirculated pass resumes do;
 *
 *   - mac_learning_lookup(): the NORMAL action's lookup of the packet's
 *     destination in a bridge's MAC learning table; a bridge floods if it
 *     finds no port (an unknown or a multicast destination).
 *
 * Not seen: the floods of IGMP/MLD snooping (multicast with
 * mcast_snooping_enable), and actions after one that ends the pass early
 * (a flood after "exit" counts as done).
 *
 * Every function runs in the thread that translates, around one
 * translation; the record lives on the caller's stack. */

#include <stdbool.h>
#include <stddef.h>

struct flow;
struct frozen_state;
struct mac_learning;
struct rule_dpif;
struct uuid;

#define FX_FLOOD_MAX_RULES 64
#define FX_FLOOD_MAX_TABLES 8

struct fx_floods {
    const struct flow *flow;    /* The translation's flow, as it changes. */
    const struct frozen_state *state; /* What a recirculated pass resumes. */
    const struct rule_dpif *rules[FX_FLOOD_MAX_RULES]; /* Looked up. */
    size_t n_rules;
    const struct mac_learning *tables[FX_FLOOD_MAX_TABLES]; /* NORMAL found
                                                             * no port. */
    size_t n_tables;
    struct fx_floods *outer;    /* The record this one hides, if any. */
};

/* Starts recording the translation of 'flow' (the xlate_in's, which the
 * translation changes in place), resuming 'state' if nonnull, into
 * 'floods', until fx_flood_end(). */
void fx_flood_begin(struct fx_floods *floods, const struct flow *flow,
                    const struct frozen_state *state);
void fx_flood_end(struct fx_floods *floods);

/* Whether bridge 'bridge' flooded the packet in the translation recorded
 * in 'floods'. */
bool fx_flood_in(const struct fx_floods *floods, const struct uuid *bridge);

#endif /* fx-flood.h */
