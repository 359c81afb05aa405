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

#ifndef FX_NAT_H
#define FX_NAT_H 1

/* The translations conntrack made, per zone, so that a journey can be keyed
 * on its packet as the sender sent it.
 *
 * A recirculated pass sees its packet after the translation of the zone it
 * went through last, with that zone's original tuple of the connection.
 * What the sender sent is elsewhere: for a reply, it is the original
 * direction's translated tuple, reversed; for a packet that two zones
 * translated (DNAT in one, SNAT in another, as a gateway router does), it
 * is the first zone's original tuple.  Each zone's translation of a
 * connection is recorded here:
 *
 *   - when conntrack commits a new connection with nat(...): the linker's
 *     --wrap=conntrack_execute (userspace datapath, fx-plugin.h) sees the
 *     packet right after its translation, before any reply can come;
 *
 *   - when a recirculated pass sees an original-direction packet that its
 *     zone translated (fx-xlate.c), for datapaths whose conntrack we do not
 *     see.
 *
 * The record is bounded (FX_NAT_MAX_ENTRIES translations): when full, it
 * forgets the translation that no packet used for the longest time
 * (coverage counter fx_nat_forgotten).  A connection it does not know is
 * keyed as it left conntrack.
 *
 * Thread safety: every function may be called from any thread. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "openvswitch/types.h"
#include "packets.h"

struct flow;
struct fx_ct_info;
struct fx_key;

#define FX_NAT_MAX_ENTRIES 65536
#define FX_NAT_MAX_ZONES 4      /* Zones followed along one packet's way. */

/* A connection's tuple in one direction.  ICMP's "ports" are as conntrack
 * keeps them in a flow's ct_tp_src/ct_tp_dst. */
struct fx_nat_tuple {
    struct in6_addr src, dst;   /* IPv4 addresses IPv4-mapped. */
    ovs_be16 tp_src, tp_dst;
    uint8_t proto;
    uint8_t pad[3];
};

void fx_nat_tuples_from_flow(const struct flow *, struct fx_nat_tuple *orig,
                             struct fx_nat_tuple *now);
void fx_nat_tuple_to_flow(const struct fx_nat_tuple *, struct flow *);
void fx_nat_tuple_reverse(struct fx_nat_tuple *);
bool fx_nat_in_use(void);

void fx_nat_remember(uint16_t zone, const struct fx_nat_tuple *orig,
                     const struct fx_nat_tuple *xlated);

/* The way of a connection's packets through the zones whose translations
 * are known, seen from 'zone', whose original tuple is 'orig'.  For a pass
 * in the original direction ('reply' false), 'first' is its packet before
 * the zones before 'zone' ('n_zones' of them) translated it.  For a reply,
 * 'last' is the original direction's packet after 'zone' and the zones
 * after it ('n_zones', 'zone' included if known) translated it. */
struct fx_nat_way {
    struct fx_nat_tuple first, last;
    size_t n_zones;
};
void fx_nat_follow(uint16_t zone, const struct fx_nat_tuple *orig,
                   bool reply, struct fx_nat_way *);

/* For fx_tap_set_nat_lookup(): gives 'ct' the translation, through every
 * zone that translated it, of the connection whose packets its sender sent
 * as 'key' says.  A connection's first packet, whose own pass commits it
 * with nat(...), is translated only after that pass: its record learns the
 * translation here. */
bool fx_nat_complete_record(const struct fx_key *, struct fx_ct_info *);

#endif /* fx-nat.h */
