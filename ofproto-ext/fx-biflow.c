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

/* Biflow pairing (RFC 5103) of an exporter's records.  See fx-biflow.h. */

#include <config.h>
#include "fx-biflow.h"

#include <limits.h>
#include <string.h>
#include "openvswitch/hmap.h"
#include "packets.h"
#include "util.h"

/* A record waiting for its reverse. */
struct fx_biflow_pending {
    struct hmap_node hmap_node; /* In 'pending', by hash of 'match'. */
    struct ovs_list list_node;  /* In 'queue', oldest (first due) first. */
    long long int deadline;     /* When it leaves alone. */
    struct fx_key match;        /* Its key as matched (see match_key()). */
    struct fx_record rec;       /* The record. */
};

struct fx_biflow {
    uint32_t key_fields;        /* The exporter's key fields, FX_KEY_*. */
    long long int wait;         /* How long a record waits, in ms. */
    size_t max_pending;         /* How many records may wait. */
    struct hmap pending;        /* Waiting records, fx_biflow_pending. */
    struct ovs_list queue;      /* The same, in deadline order. */
    struct fx_biflow_stats stats;
};

struct fx_biflow *
fx_biflow_create(uint32_t key_fields, long long int wait, size_t max_pending)
{
    struct fx_biflow *b = xzalloc(sizeof *b);

    b->key_fields = key_fields;
    b->wait = wait;
    b->max_pending = max_pending;
    hmap_init(&b->pending);
    ovs_list_init(&b->queue);
    return b;
}

/* Frees 'b' and the records still waiting in it: drain it first (with
 * fx_biflow_run()) to have them. */
void
fx_biflow_destroy(struct fx_biflow *b)
{
    if (b) {
        struct fx_biflow_pending *p;

        HMAP_FOR_EACH_POP (p, hmap_node, &b->pending) {
            free(p);
        }
        hmap_destroy(&b->pending);
        free(b);
    }
}

/* The ICMP and ICMPv6 types whose reply is another type: echo, and for
 * ICMP timestamp, information and address mask requests. */
static bool
icmp_reverse_type(bool ipv4, uint8_t type, uint8_t *reverse)
{
    static const uint8_t icmp4_pairs[][2] = {
        { 8, 0 }, { 13, 14 }, { 15, 16 }, { 17, 18 },
    };
    static const uint8_t icmp6_pairs[][2] = {
        { 128, 129 },
    };
    const uint8_t (*pairs)[2] = ipv4 ? icmp4_pairs : icmp6_pairs;
    size_t n = ipv4 ? ARRAY_SIZE(icmp4_pairs) : ARRAY_SIZE(icmp6_pairs);

    for (size_t i = 0; i < n; i++) {
        if (type == pairs[i][0] || type == pairs[i][1]) {
            *reverse = type == pairs[i][0] ? pairs[i][1] : pairs[i][0];
            return true;
        }
    }
    return false;
}

/* 'key' as the pairing stage matches it: without what is a value of each
 * direction rather than part of the conversation (ingress port, ToS). */
static void
match_key(const struct fx_key *key, struct fx_key *match)
{
    *match = *key;
    match->in_port = 0;
    match->nw_tos = 0;
}

/* Stores in 'reverse' the key that the reverse direction of a flow with
 * 'key' has, as exported with 'key_fields' (a track level without ports
 * has no ICMP types to map), and returns true; returns false if such a flow
 * can have no reverse (not IP, or an ICMP type without a reply). */
bool
fx_biflow_reverse_key(const struct fx_key *key, uint32_t key_fields,
                      struct fx_key *reverse)
{
    if (!fx_key_is_ip(key)) {
        return false;
    }

    *reverse = *key;
    reverse->src = key->dst;
    reverse->dst = key->src;
    reverse->dl_src = key->dl_dst;
    reverse->dl_dst = key->dl_src;
    reverse->tun_src = key->tun_dst;
    reverse->tun_dst = key->tun_src;
    if (key_fields & FX_KEY_OMIT_MASK) {
        /* No ports, or no protocol either: the addresses are the key. */
    } else if (fx_key_is_icmp(key)) {
        uint8_t type;

        if (!icmp_reverse_type(fx_key_is_ipv4(key), ntohs(key->tp_src),
                               &type)) {
            return false;
        }
        reverse->tp_src = htons(type);
    } else {
        reverse->tp_src = key->tp_dst;
        reverse->tp_dst = key->tp_src;
    }
    return true;
}

/* 'match', the matched key of 'rec', as the other end of the conversation
 * sees it: for a journey that conntrack translated, the addresses and
 * ports after the translation (those the other end answers to). */
static void
match_key_translated(const struct fx_record *rec, uint32_t key_fields,
                     struct fx_key *match)
{
    if (rec->key.journey && rec->ct.flags & FX_CT_NAT) {
        match->src = rec->ct.nat_src;
        match->dst = rec->ct.nat_dst;
        if (!(key_fields & FX_KEY_OMIT_MASK) && !fx_key_is_icmp(match)) {
            match->tp_src = rec->ct.nat_tp_src;
            match->tp_dst = rec->ct.nat_tp_dst;
        }
    }
}

/* Appends a record of 'forward' and 'reverse' (NULL if alone) to 'out'. */
static void
emit(struct fx_biflow *b, const struct fx_record *forward,
     const struct fx_record *reverse, struct ovs_list *out)
{
    struct fx_biflow_record *br = xmalloc(sizeof *br);

    br->forward = *forward;
    br->paired = reverse != NULL;
    if (reverse) {
        br->reverse = *reverse;
        b->stats.paired++;
    } else {
        memset(&br->reverse, 0, sizeof br->reverse);
        b->stats.alone++;
    }
    ovs_list_push_back(out, &br->list_node);
}

static void
pending_remove(struct fx_biflow *b, struct fx_biflow_pending *p)
{
    hmap_remove(&b->pending, &p->hmap_node);
    ovs_list_remove(&p->list_node);
}

/* Is flow serial 'a' older than 'b'?  Serials wrap around. */
static bool
serial_before(uint32_t a, uint32_t b)
{
    return (int32_t) (a - b) < 0;
}

/* Gives 'rec' (restricted to the exporter's key) to the pairing stage at
 * time 'now'.  If it completes a pair, or can have no reverse, appends a
 * record to 'out'; otherwise it waits. */
void
fx_biflow_add(struct fx_biflow *b, const struct fx_record *rec,
              long long int now, struct ovs_list *out)
{
    struct fx_key match, translated, reverse;

    match_key(&rec->key, &match);
    translated = match;
    match_key_translated(rec, b->key_fields, &translated);
    if (!fx_biflow_reverse_key(&translated, b->key_fields, &reverse)) {
        emit(b, rec, NULL, out);
        return;
    }

    struct fx_biflow_pending *p;
    HMAP_FOR_EACH_WITH_HASH (p, hmap_node, fx_key_hash(&reverse),
                             &b->pending) {
        /* Records of one flow (same serial) never pair with each other,
         * even if its key is its own reverse. */
        if (fx_key_equal(&p->match, &reverse)
            && p->rec.serial != rec->serial) {
            pending_remove(b, p);
            if (serial_before(p->rec.serial, rec->serial)) {
                emit(b, &p->rec, rec, out);
            } else {
                emit(b, rec, &p->rec, out);
            }
            free(p);
            return;
        }
    }

    p = xmalloc(sizeof *p);
    p->deadline = now + b->wait;
    p->match = match;
    p->rec = *rec;
    hmap_insert(&b->pending, &p->hmap_node, fx_key_hash(&match));
    ovs_list_push_back(&b->queue, &p->list_node);
}

/* Appends to 'out' the waiting records whose time is up at 'now', then the
 * oldest ones beyond the limit, or, if 'drain', all of them. */
void
fx_biflow_run(struct fx_biflow *b, long long int now, bool drain,
              struct ovs_list *out)
{
    size_t n = hmap_count(&b->pending);

    while (!ovs_list_is_empty(&b->queue)) {
        struct fx_biflow_pending *p = CONTAINER_OF(
            ovs_list_front(&b->queue), struct fx_biflow_pending, list_node);
        bool overflow = n > b->max_pending;

        if (!drain && !overflow && p->deadline > now) {
            break;
        }
        pending_remove(b, p);
        n--;
        emit(b, &p->rec, NULL, out);
        b->stats.overflows += overflow && !drain && p->deadline > now;
        free(p);
    }
}

/* Returns when the next waiting record's time is up, or LLONG_MAX. */
long long int
fx_biflow_next_deadline(const struct fx_biflow *b)
{
    if (ovs_list_is_empty(&b->queue)) {
        return LLONG_MAX;
    }

    const struct fx_biflow_pending *p = CONTAINER_OF(
        ovs_list_front(&b->queue), struct fx_biflow_pending, list_node);
    return p->deadline;
}

void
fx_biflow_get_stats(const struct fx_biflow *b, struct fx_biflow_stats *stats)
{
    *stats = b->stats;
    stats->pending = hmap_count(&b->pending);
}

void
fx_biflow_record_list_free(struct ovs_list *records)
{
    struct fx_biflow_record *br;

    LIST_FOR_EACH_POP (br, list_node, records) {
        free(br);
    }
}
