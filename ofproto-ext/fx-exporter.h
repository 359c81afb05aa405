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

#ifndef FX_EXPORTER_H
#define FX_EXPORTER_H 1

/* Exporters: one per configured export (a bridge's NetFlow or IPFIX row).
 *
 * An exporter encodes flow records with its protocol's encoder, batches
 * them into messages, and sends every message to each of its targets
 * (mirroring) or each message to the next target in turn (load
 * balancing).  It
 * also holds the cache settings it asks for (timeouts, limit); the tap
 * combines those of all exporters of a bridge.
 *
 * Exporters are used by one thread at a time (the tap serializes them). */

#include <stdbool.h>
#include <stdint.h>
#include "fx-encoder.h"
#include "openvswitch/list.h"
#include "sset.h"

struct ds;
struct fx_iftable;

/* The longest active timeout, in ms: a year, as the longest max_life.
 * Longer ones would overflow a flow's start time plus the timeout. */
#define FX_MAX_ACTIVE_TIMEOUT (31536000LL * 1000)

/* The most flows a cache may be asked to hold (also the maximum of our
 * NetFlow max_flows column): far below what one shard's arenas can index
 * (2**27 entries of one size), even if every flow hashed to one shard. */
#define FX_MAX_CACHE_FLOWS 16777216

/* Configuration of one exporter.  Compare with fx_exporter_options_equal():
 * unchanged options mean no change at all. */
struct fx_exporter_options {
    char *name;                 /* Kind of row: "netflow" or "ipfix". */
    enum fx_protocol protocol;  /* Wire format. */
    struct sset targets;        /* Collectors, as "host:port". */
    struct fx_encoder_settings encoder; /* Engine type/id, flow sampling
                                         * (rate and mode), etc. */
    long long int active_timeout;   /* In ms, 0 = never. */
    long long int inactive_timeout; /* In ms. */
    long long int tcp_fin_timeout;  /* In ms after a FIN, 0 = inactive. */
    long long int tcp_rst_timeout;  /* In ms after a RST, 0 = inactive. */
    uint8_t dscp;                   /* DSCP of export packets. */
    uint8_t ttl;                    /* Their TTL / hop limit, 0: default. */
    char *source;                   /* Their source IP, or NULL. */
    char *interface;                /* Device they leave by, or NULL. */
    long long int max_life;     /* In ms, 0 = unlimited. */
    size_t max_flows;           /* Flow cache limit. */
    bool sampling_mode_set;     /* Was a sampling mode configured? */
    bool balance;               /* Round-robin messages over 'targets'
                                 * instead of sending each to all. */
};

void fx_exporter_options_init(struct fx_exporter_options *);
void fx_exporter_options_destroy(struct fx_exporter_options *);
void fx_exporter_options_clone(struct fx_exporter_options *dst,
                               const struct fx_exporter_options *src);
bool fx_exporter_options_equal(const struct fx_exporter_options *,
                               const struct fx_exporter_options *);
char *fx_exporter_options_validate(const struct fx_exporter_options *)
    OVS_WARN_UNUSED_RESULT;

struct fx_exporter_stats {
    uint64_t records;           /* Records given to the exporter. */
    uint64_t exported;          /* Records put into messages (a biflow
                                 * record holds two). */
    uint64_t unsupported;       /* Records the protocol cannot carry. */
    uint64_t not_selected;      /* Records of flows not sampled. */
    struct fx_selection_totals selection; /* Flow sampling's flows. */
    uint64_t messages;          /* Messages built. */
    uint64_t packets;           /* Packets in exported records. */
    uint64_t bytes;             /* Bytes in exported records. */
    uint64_t options;           /* Interface table records put into
                                 * messages. */
};

struct fx_exporter *fx_exporter_create(const struct fx_exporter_options *);
void fx_exporter_destroy(struct fx_exporter *);

bool fx_exporter_reconfigure(struct fx_exporter *,
                             const struct fx_exporter_options *);
const struct fx_exporter_options *fx_exporter_get_options(
    const struct fx_exporter *);

void fx_exporter_export(struct fx_exporter *, const struct ovs_list *records,
                        bool drain);
void fx_exporter_set_iftable(struct fx_exporter *, struct fx_iftable *);
void fx_exporter_run(struct fx_exporter *);
void fx_exporter_wait(struct fx_exporter *);

void fx_exporter_get_stats(const struct fx_exporter *,
                           struct fx_exporter_stats *);
void fx_exporter_format(const struct fx_exporter *, struct ds *);
void fx_exporter_format_counters(const struct fx_exporter *, struct ds *);

#endif /* fx-exporter.h */
