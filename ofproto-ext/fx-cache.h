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

#ifndef FX_CACHE_H
#define FX_CACHE_H 1

/* Bridge-level flow cache.
 *
 * The cache accumulates datapath flow statistics into export flows (one per
 * 'struct fx_key') and decides when each export flow produces a record:
 *
 *   - inactive timeout: no traffic for 'inactive_timeout' ms, counted from
 *     the flow's last packet (the latest 'used' time the datapath
 *     reported, or the time of an update that gave none);
 *   - TCP end: no traffic for 'tcp_fin_timeout' or 'tcp_rst_timeout' ms
 *     after a FIN or RST was seen (if set and shorter than the inactive
 *     timeout);
 *   - active timeout: a long-lived flow is reported every 'active_timeout'
 *     ms (0 disables it), and stays in the cache;
 *   - maximum life: a flow that has been in the cache for 'max_life' ms is
 *     reported and removed, however active it is (0 disables it); its next
 *     packet starts a new flow;
 *   - output change: the datapath now forwards the flow elsewhere;
 *   - eviction: a new flow arrives while 'max_flows' flows are cached, so a
 *     flow is pushed out: the least recently used of a few (up to 8) that
 *     the shards visit in turn, an approximation of LRU that is exact for
 *     caches of up to 8 flows; fx_cache_expire() then evicts the least
 *     recently used flows of the whole cache exactly, if needed;
 *   - flush, reconfiguration, shutdown: forced by the owner.
 *
 * Threads and ordering:
 *
 *   - fx_cache_update() and fx_cache_update_journey() may be called
 *     concurrently from any number of threads (OVS handler, revalidator and
 *     RCU threads).  They only log the update: the key is extracted,
 *     packed and hashed on the calling thread and appended, with the
 *     stats, the output port, the conntrack information and the time, to
 *     that thread's update log for the cache (a batch of fixed size,
 *     appended to without a lock; the log's mutex is taken once per full
 *     batch).  A full batch goes to a bounded queue of the cache.
 *
 *   - Who applies: the cache's applier thread ("fx_apply", started by the
 *     first full batch, joined by fx_cache_destroy()) applies queued
 *     batches, a batch at a time, prefetching its table slots and entries
 *     first.  If the queue already holds its maximum of batches, the
 *     thread whose batch is full applies the oldest queued batch itself,
 *     then queues its own (back-pressure, counted in 'n_backpressure' and
 *     by the coverage counter fx_cache_backpressure): slower for it, but
 *     no update is lost and the memory stays bounded.
 *
 *   - Every other function is for the one thread that owns the cache (in
 *     ovs-vswitchd the main thread: fx-tap finishes a tap there, whichever
 *     thread drops its last reference).  Each of
 *     them except fx_cache_wait(), fx_cache_get_limits() and
 *     fx_cache_destroy() first drains: it queues a copy of what each
 *     thread's batch holds that was not queued yet, and applies the queue
 *     up to those copies, so it sees every update that returned before it
 *     was called (and does not wait for updates made meanwhile: the
 *     applier and threads under back-pressure let the owner go first
 *     between batches).  fx_cache_destroy() frees
 *     logged updates unapplied, like the flows; the thread that logged them
 *     may keep running and update other caches.
 *
 *   - Order: the updates of one thread apply in the order it made them
 *     (its batches are queued in order and applied one at a time, and a
 *     thread under back-pressure applies the oldest batch and queues its
 *     own behind the rest).
 *     Updates of different threads apply in no defined order, as before
 *     (the datapath's flows report in no defined order either): an output
 *     change (FX_END_OUTPUT_CHANGE) is a change from the output port of
 *     the update applied before, and TCP flags and conntrack states are
 *     ORed, so they do not depend on the order.  An update's times are
 *     those of its call, whenever it applies.
 *
 *   - Lock order: the cache's log list, a log, the apply mutex, the queue
 *     mutex, a shard.  The caller holds none of them between calls.
 *
 * Each flow gets a serial number when it is created (0, 1, 2, ... in
 * creation order, per cache), which all of its records carry: flow
 * selection uses it to select all of a flow's records or none.
 *
 * Each timeout takes effect at the first fx_cache_expire() call at or after
 * it.  Idle timeouts (inactive, TCP) longer than 2**30 ms (about 12.4 days)
 * act as 2**30 ms.  The cache keeps packet times in 32 bits: the first
 * packet's relative to the record's interval start, clamped beyond 2**31
 * ms (about 24.8 days), the last packet's as the low 32 bits of the clock,
 * read back as the nearest such time, so a datapath 'used' time must be
 * within 2**31 ms of the time the cache reads it.  The active timeout and
 * the maximum life have no such bound; the maximum life counts from the
 * flow's creation rounded down to 8 ms, so it may end a flow up to 7 ms
 * early.
 *
 * Counters are 64-bit and exact: every packet and byte given to
 * fx_cache_update() comes out in exactly one record, whatever ends the flow,
 * except that a record an update makes while FX_MAX_EXPIRED records of its
 * shard wait for fx_cache_expire() is dropped and counted in the stats
 * ('n_dropped', 'dropped_packets', 'dropped_bytes'). */

#include <stddef.h>
#include <stdint.h>
#include "fx-record.h"

struct dpif_flow_stats;
struct ds;
struct flow;
struct ovs_list;

struct fx_cache_limits {
    long long int active_timeout;   /* In ms; 0 means never. */
    long long int inactive_timeout; /* In ms; must be positive. */
    long long int tcp_fin_timeout;  /* In ms after a FIN; 0 = inactive. */
    long long int tcp_rst_timeout;  /* In ms after a RST; 0 = inactive. */
    long long int max_life;         /* In ms; 0 means unlimited. */
    size_t max_flows;               /* Maximum number of cached flows. */
    uint32_t key_fields;            /* Key parts and track level, FX_KEY_*. */
};

struct fx_cache_stats {
    uint64_t n_created;             /* Export flows created. */
    uint64_t n_updates;             /* fx_cache_update() calls with traffic. */
    uint64_t n_non_ip;              /* Updates ignored: not IPv4 or IPv6,
                                     * nor MPLS with FX_KEY_MPLS. */
    uint64_t non_ip_packets;        /* Packets in those updates. */
    uint64_t non_ip_bytes;          /* Bytes in those updates. */
    uint64_t n_ipv4_flows;          /* IPv4 export flows created. */
    uint64_t n_ipv6_flows;          /* IPv6 export flows created. */
    uint64_t n_mpls_flows;          /* MPLS export flows created. */
    uint64_t n_records[FX_N_END_REASONS]; /* Records produced, by reason. */
    uint64_t packets;               /* Packets accounted. */
    uint64_t bytes;                 /* Bytes accounted. */
    uint64_t n_dropped;             /* Records that updates made beyond
                                     * the bound on those waiting for
                                     * fx_cache_expire(): lost. */
    uint64_t dropped_packets;       /* Packets in those records. */
    uint64_t dropped_bytes;         /* Bytes in those records. */
    uint64_t n_sweeps;              /* Expiry's passes over all flows of
                                     * a shard. */
    uint64_t n_backpressure;        /* Batches of updates that their
                                     * thread applied itself because the
                                     * queue was full. */
    size_t n_flows;                 /* Flows now in the cache. */
    size_t peak_flows;              /* Most flows ever in the cache. */
    size_t memory;                  /* Bytes of the flows' arenas and
                                     * hash tables. */
};

/* A new cache has the default timeouts (fx-defaults.h) and no flow limit,
 * until fx_cache_set_limits(). */
struct fx_cache *fx_cache_create(void);
void fx_cache_destroy(struct fx_cache *);

void fx_cache_set_limits(struct fx_cache *, const struct fx_cache_limits *);
void fx_cache_get_limits(const struct fx_cache *, struct fx_cache_limits *);

void fx_cache_update(struct fx_cache *, const struct flow *,
                     uint16_t out_port, const struct dpif_flow_stats *);
void fx_cache_update_journey(struct fx_cache *, const struct flow *,
                             uint8_t journey, const struct fx_ct_info *,
                             uint16_t out_port,
                             const struct dpif_flow_stats *);

void fx_cache_expire(struct fx_cache *, long long int now,
                     struct ovs_list *records);
void fx_cache_flush(struct fx_cache *, enum fx_end_reason,
                    struct ovs_list *records);
void fx_cache_flush_ports(struct fx_cache *, const uint16_t *ports, size_t n,
                          enum fx_end_reason, struct ovs_list *records);
void fx_cache_wait(struct fx_cache *);

void fx_cache_get_stats(struct fx_cache *, struct fx_cache_stats *);
void fx_cache_dump(struct fx_cache *, struct ds *);

/* Sets the function with which the cache gives a journey flow that ran
 * through conntrack in the original direction untranslated
 * (fx_ct_info_lacks_nat()) its connection's translation, kept for the
 * flow's life (see fx_tap_set_nat_lookup()): when the applier makes the
 * flow, and again when a record is made of a flow that still lacks one
 * (coverage fx_cache_nat_completed and fx_cache_nat_completed_late).  Set
 * once, before any cache exists.  It runs in whichever thread applies or
 * expires, with the cache's apply lock held: it must not call back into
 * the cache. */
void fx_cache_set_nat_lookup(fx_nat_lookup_func *);

/* For tests: at most 'max_queued' full batches wait for the applier. */
void fx_cache_set_max_queued(struct fx_cache *, size_t max_queued);

size_t fx_cache_flow_size(const struct fx_key *, uint32_t fields);

#endif /* fx-cache.h */
