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

#ifndef FX_TAP_H
#define FX_TAP_H 1

/* The datapath tap: flowexport's implementation of OVS's ofproto/netflow.h.
 *
 * ovs-vswitchd is linked with fx-tap.o instead of OVS's netflow.o, so
 * ofproto-dpif's NetFlow hooks feed flowexport.  A bridge whose ofproto has
 * a 'struct netflow' (the tap) gets:
 *
 *   - netflow_mask_wc(): the export key fields un-wildcarded in datapath
 *     flows during upcall translation;
 *   - netflow_flow_update(): the traffic of each datapath flow, first at
 *     upcall time, then as deltas from revalidators and a final delta when
 *     the datapath flow is deleted (any thread);
 *   - netflow_flow_clear(): the xlate cache entry went away.  Not a flow
 *     end (it also happens on OpenFlow table changes) and may repeat, so it
 *     is ignored: timeouts decide when flows end;
 *   - netflow_run()/netflow_wait(): from the bridge's ofproto run/wait, in
 *     the main thread: expiry and export.
 *
 * The plugin also tells each tap its bridge's ports (fx_tap_set_ports()),
 * for the interface table, the ports' identities in records and the types
 * of tunnels (see fx-iftable.h).
 *
 * Each tap owns a flow cache and the exporters configured for its bridge by
 * the vswitchd plugin through the functions below (main thread only).
 * netflow_set_options() is accepted and ignored: OVS's netflow_options do
 * not carry flowexport's configuration. */

#include <stddef.h>
#include "dpif.h"
#include "flow.h"
#include "fx-record.h"
#include "uuid.h"

struct ds;
struct fx_exporter_options;
struct fx_port_info;
struct netflow;

void fx_tap_set_name(struct netflow *, const char *bridge_name);
void fx_tap_set_uuid(struct netflow *, const struct uuid *ofproto_uuid);
struct netflow *fx_tap_find_by_uuid(const struct uuid *ofproto_uuid);
void fx_tap_configure(struct netflow *,
                      const struct fx_exporter_options *, size_t n);
bool fx_tap_refine_key(struct netflow *,
                       const struct fx_exporter_options *, size_t n);
void fx_tap_flush(struct netflow *, enum fx_end_reason);
void fx_tap_remove_exporters(struct netflow *);
bool fx_tap_set_ports(struct netflow *, const struct fx_port_info *,
                      size_t n);
size_t fx_tap_n_exporters(const struct netflow *);
bool fx_tap_get_exporter_options(struct netflow *, const char *name,
                                 struct fx_exporter_options *);

/* The last netflow_unref() of a tap may run in any thread; unless that is
 * the main thread, the tap is finished (its cache exported, its exporters
 * and transports destroyed) by the main thread's next fx_tap_reap(), which
 * the main loop calls, with fx_tap_reap_wait(), and once more before
 * exiting.  Both are for the main thread only; fx_tap_reap_wait() wakes
 * the loop when a tap was queued since the last fx_tap_reap(), without
 * taking a lock. */
void fx_tap_reap(void);
void fx_tap_reap_wait(void);

void fx_tap_format_show(struct netflow *, struct ds *);
void fx_tap_format_counters(struct netflow *, struct ds *);
void fx_tap_dump_flows(struct netflow *, struct ds *);
void fx_tap_dump_interfaces(struct netflow *, struct ds *);

/* Journeys: packets that OVS recirculates.
 *
 * OVS calls netflow_flow_update() only for the first pass of a packet
 * (xlate_actions() skips it for thawed, "frozen", passes), whose output is
 * not decided yet when the pass ends in ct(table=N) or another
 * recirculation.  The vswitchd plugin wraps xlate_actions() (fx-xlate.c)
 * and, around each translation:
 *
 *   - holds back the netflow_flow_update() that OVS makes during a first
 *     pass (fx_tap_defer_begin()/_end()): if the pass recirculates the
 *     packet, the update is dropped, and so are the datapath flow's later
 *     statistics (its xlate cache entry loses its tap), because the pass
 *     that decides counts the packet;
 *   - for a recirculated pass that decides (outputs or drops the packet
 *     without recirculating it again), counts the packet with
 *     fx_tap_journey_update() and puts an xlate cache entry of its own
 *     (a 'struct fx_journey', whose 'flow' has a nonzero 'recirc_id') into
 *     the datapath flow's xlate cache, so that OVS pushes that datapath
 *     flow's statistics to netflow_flow_update() like a first pass's.
 *
 * So each packet is counted once, by the datapath flow of its deciding
 * pass, with that pass's output. */
struct fx_tap_deferred {
    struct fx_tap_deferred *up; /* Enclosing translation in this thread. */
    struct netflow *nf;         /* Held back update's tap, or NULL. */
    struct flow flow;           /* Its flow. */
    ofp_port_t iface;           /* Its output. */
    struct dpif_flow_stats stats; /* Its statistics. */
};
void fx_tap_defer_begin(struct fx_tap_deferred *);
void fx_tap_defer_end(struct fx_tap_deferred *, bool apply);

struct fx_journey {
    struct flow flow;           /* First member: OVS frees it as a flow.
                                 * The packet as the first pass saw it
                                 * (pre-NAT), with the deciding pass's
                                 * in_port (of its bridge) and ct_*;
                                 * 'recirc_id' nonzero. */
    uint8_t journey;            /* FX_JOURNEY_*. */
    struct fx_ct_info ct;       /* Conntrack's view. */
};
void fx_tap_journey_update(struct netflow *, const struct fx_journey *,
                           ofp_port_t out, const struct dpif_flow_stats *);

/* Translations that a journey's passes cannot show.  A pass that commits
 * its connection with nat(...) is translated by the datapath after the
 * pass's translation, so the packet of that pass (a connection's first,
 * and the only one of a one-packet connection) reaches the cache as it was
 * sent, without its post-NAT tuple.  The vswitchd plugin, which sees
 * conntrack's translations as they happen, may set a function that looks
 * them up (fx_nat_lookup_func, fx-record.h), before any tap exists.  It is
 * called for each journey that ran through conntrack in the original
 * direction untranslated (fx_ct_info_lacks_nat()): by the cache's applier
 * when the journey's flow is made, soon after the packet's pass, and
 * again, if it still has none, when the cache makes a record of it.  It
 * runs with the cache's apply lock held, in whichever thread applies or
 * expires: it must not call back into the tap or the cache. */
void fx_tap_set_nat_lookup(fx_nat_lookup_func *);

/* Patch ports.  A packet that crosses bridges through patch ports is one
 * datapath flow, translated once across them; each bridge with a tap gets
 * the part of the journey through it, in its own port numbers, with the
 * full counts.  The plugin tells the taps the links between bridges
 * (main thread); fx-xlate.c finds the path of each translation over
 * them. */
struct fx_patch_link {
    struct uuid from;           /* A bridge's ofproto. */
    uint16_t from_port;         /* Its patch port. */
    struct uuid to;             /* The peer's bridge's ofproto. */
    uint16_t to_port;           /* The peer patch port. */
};
#define FX_PATCH_MAX_HOPS 8
bool fx_tap_set_patch_links(const struct fx_patch_link *, size_t n);
bool fx_tap_has_patch_links(void);
size_t fx_tap_patch_path(const struct uuid *from, const struct uuid *to,
                         struct fx_patch_link path[FX_PATCH_MAX_HOPS]);

#endif /* fx-tap.h */
