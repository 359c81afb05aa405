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

#ifndef FX_BIFLOW_H
#define FX_BIFLOW_H 1

/* Biflow pairing (RFC 5103): the stage between the flow cache and an
 * exporter with 'bidirectional' set.
 *
 * The cache keeps unidirectional flows; their records come out in batches
 * (fx_cache_expire(), fx_cache_flush()).  The pairing stage matches each
 * record with a record of the reverse flow: same addresses swapped, ports
 * swapped (an ICMP echo request with its reply, and the like), same
 * protocol and same optional key parts (MACs swapped, VLANs, tunnel with
 * its outer addresses swapped).  The ingress port and the ToS are not part
 * of the match: they are values of each direction, and the biflow record
 * carries both.  A journey that conntrack translated (FX_CT_NAT) is
 * matched on its translation: a reply is sent to the addresses and ports
 * that the other direction left with (keyed as sent, see fx-key.h).
 *
 * A record whose reverse is not there yet waits in a table of pending
 * records, for at most 'wait' ms: both directions of a conversation usually
 * end within milliseconds of each other (same timeouts, traffic close
 * together).  It leaves the table paired, or alone when its time is up, or
 * alone when the table holds more than 'max_pending' records (oldest
 * first, counted as overflows), or when the owner drains the table (flush,
 * reconfiguration, shutdown).  Records that can have no reverse (non-IP,
 * ICMP errors) leave at once.  Every record given to the stage comes out
 * exactly once, alone or in one pair: counters are never lost or doubled.
 *
 * The forward direction of a pair is the one whose flow the cache created
 * first (the lower serial): the initiator, "the direction seen first" of
 * RFC 5103 section 5.1.
 *
 * Not thread-safe: each exporter owns one, used under the tap's lock. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "fx-record.h"
#include "openvswitch/list.h"

/* Defaults: how long a record waits for its reverse, and how many wait. */
#define FX_BIFLOW_WAIT_MS 2000
#define FX_BIFLOW_MAX_PENDING 65536

/* A record that the pairing stage produces. */
struct fx_biflow_record {
    struct ovs_list list_node;  /* In a list of records to export. */
    struct fx_record forward;   /* The initiator's direction, or the only
                                 * one if not 'paired'. */
    struct fx_record reverse;   /* The other direction, if 'paired'. */
    bool paired;                /* Is this a biflow? */
};

struct fx_biflow_stats {
    uint64_t paired;            /* Biflow records produced. */
    uint64_t alone;             /* Records produced without a reverse. */
    uint64_t overflows;         /* Those of them pushed out early because
                                 * too many records were waiting. */
    size_t pending;             /* Records now waiting for their reverse. */
};

struct fx_biflow *fx_biflow_create(uint32_t key_fields, long long int wait,
                                   size_t max_pending);
void fx_biflow_destroy(struct fx_biflow *);

void fx_biflow_add(struct fx_biflow *, const struct fx_record *,
                   long long int now, struct ovs_list *out);
void fx_biflow_run(struct fx_biflow *, long long int now, bool drain,
                   struct ovs_list *out);
long long int fx_biflow_next_deadline(const struct fx_biflow *);
void fx_biflow_get_stats(const struct fx_biflow *, struct fx_biflow_stats *);

bool fx_biflow_reverse_key(const struct fx_key *, uint32_t key_fields,
                           struct fx_key *reverse);
void fx_biflow_record_list_free(struct ovs_list *);

#endif /* fx-biflow.h */
