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

#include <config.h>

#include "fx-nat.h"

#include "conntrack.h"
#include "coverage.h"
#include "dp-packet.h"
#include "flow.h"
#include "fx-key.h"
#include "fx-record.h"
#include "hash.h"
#include "openvswitch/hmap.h"
#include "openvswitch/list.h"
#include "ofproto/netflow.h"
#include "ovs-atomic.h"
#include "ovs-thread.h"
#include "util.h"

/* fx_nat_commit counts the translations of new connections seen in
 * conntrack_execute(): tests read it to make sure that the wrapping still
 * takes effect. */
COVERAGE_DEFINE(fx_nat_commit);
COVERAGE_DEFINE(fx_nat_forgotten);

/* One zone's translation of a connection, in both indexes. */
struct nat_entry {
    struct hmap_node by_orig;   /* In 'nat_by_orig', hash of 'orig'. */
    struct hmap_node by_xlated; /* In 'nat_by_xlated', hash of 'xlated'. */
    struct ovs_list lru_node;   /* In 'nat_lru'. */
    uint32_t stamp;             /* 'nat_inserts' when last put last. */
    uint16_t zone;
    struct fx_nat_tuple orig;   /* The connection's tuple in 'zone'. */
    struct fx_nat_tuple xlated; /* As 'zone' translated it. */
};

static struct ovs_mutex nat_mutex = OVS_MUTEX_INITIALIZER;
static struct hmap nat_by_orig OVS_GUARDED_BY(nat_mutex)
    = HMAP_INITIALIZER(&nat_by_orig);
static struct hmap nat_by_xlated OVS_GUARDED_BY(nat_mutex)
    = HMAP_INITIALIZER(&nat_by_xlated);
/* Least recently used first, roughly: a full record forgets the
 * connections that no packet showed for the longest time.  A use moves an
 * entry to the back only if more than half of the record was inserted
 * since it was last put there: moving costs writes to two other entries,
 * so that under churn, where the new entries are the ones in use, it
 * seldom happens.  A translation stays for at least FX_NAT_MAX_ENTRIES / 2
 * insertions after its last use. */
static struct ovs_list nat_lru OVS_GUARDED_BY(nat_mutex)
    = OVS_LIST_INITIALIZER(&nat_lru);
static uint32_t nat_inserts OVS_GUARDED_BY(nat_mutex);

/* The zones that translated connections, up to NAT_MAX_ZONES_KNOWN ('true'
 * in 'nat_zones_overflow' beyond): a step to another zone than those a
 * packet went through is looked up only if there is one.  With one NAT
 * zone, the usual case, that spares each pass a lookup that would miss.
 * Zones are never forgotten. */
#define NAT_MAX_ZONES_KNOWN 8
static uint16_t nat_zones[NAT_MAX_ZONES_KNOWN] OVS_GUARDED_BY(nat_mutex);
static size_t n_nat_zones OVS_GUARDED_BY(nat_mutex);
static bool nat_zones_overflow OVS_GUARDED_BY(nat_mutex);

/* Set by the first translation: until then, no pass needs to look. */
static atomic_bool nat_used = false;

static uint32_t
nat_tuple_hash(const struct fx_nat_tuple *t)
{
    return hash_bytes(t, sizeof *t, 0);
}

static bool
nat_tuple_equals(const struct fx_nat_tuple *a, const struct fx_nat_tuple *b)
{
    return !memcmp(a, b, sizeof *a);
}

void
fx_nat_tuples_from_flow(const struct flow *flow, struct fx_nat_tuple *orig,
                        struct fx_nat_tuple *now)
{
    memset(orig, 0, sizeof *orig);
    memset(now, 0, sizeof *now);
    if (flow->dl_type == htons(ETH_TYPE_IP)) {
        in6_addr_set_mapped_ipv4(&orig->src, flow->ct_nw_src);
        in6_addr_set_mapped_ipv4(&orig->dst, flow->ct_nw_dst);
        in6_addr_set_mapped_ipv4(&now->src, flow->nw_src);
        in6_addr_set_mapped_ipv4(&now->dst, flow->nw_dst);
    } else {
        orig->src = flow->ct_ipv6_src;
        orig->dst = flow->ct_ipv6_dst;
        now->src = flow->ipv6_src;
        now->dst = flow->ipv6_dst;
    }
    orig->tp_src = flow->ct_tp_src;
    orig->tp_dst = flow->ct_tp_dst;
    now->tp_src = flow->tp_src;
    now->tp_dst = flow->tp_dst;
    orig->proto = now->proto = flow->ct_nw_proto;
}

/* Puts 't''s addresses and, except for ICMP (whose flow keeps its type and
 * code where the tuple has its id), ports into 'flow'. */
void
fx_nat_tuple_to_flow(const struct fx_nat_tuple *t, struct flow *flow)
{
    if (flow->dl_type == htons(ETH_TYPE_IP)) {
        flow->nw_src = in6_addr_get_mapped_ipv4(&t->src);
        flow->nw_dst = in6_addr_get_mapped_ipv4(&t->dst);
    } else {
        flow->ipv6_src = t->src;
        flow->ipv6_dst = t->dst;
    }
    if (flow->nw_proto != IPPROTO_ICMP && flow->nw_proto != IPPROTO_ICMPV6) {
        flow->tp_src = t->tp_src;
        flow->tp_dst = t->tp_dst;
    }
}

void
fx_nat_tuple_reverse(struct fx_nat_tuple *t)
{
    struct in6_addr addr = t->src;
    ovs_be16 port = t->tp_src;

    t->src = t->dst;
    t->dst = addr;
    t->tp_src = t->tp_dst;
    t->tp_dst = port;
}

bool
fx_nat_in_use(void)
{
    bool used;

    atomic_read_relaxed(&nat_used, &used);
    return used;
}

static bool
zone_in(uint16_t zone, const uint16_t *zones, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (zones[i] == zone) {
            return true;
        }
    }
    return false;
}

static void
nat_zone_add(uint16_t zone)
    OVS_REQUIRES(nat_mutex)
{
    if (!zone_in(zone, nat_zones, n_nat_zones)) {
        if (n_nat_zones < NAT_MAX_ZONES_KNOWN) {
            nat_zones[n_nat_zones++] = zone;
        } else {
            nat_zones_overflow = true;
        }
    }
}

/* Whether a zone not among the 'n' zones 'seen' translated anything. */
static bool
nat_zone_other(const uint16_t *seen, size_t n)
    OVS_REQUIRES(nat_mutex)
{
    if (nat_zones_overflow) {
        return true;
    }
    for (size_t i = 0; i < n_nat_zones; i++) {
        if (!zone_in(nat_zones[i], seen, n)) {
            return true;
        }
    }
    return false;
}

/* Marks 'e' used just now (see 'nat_lru'). */
static void
nat_touch(struct nat_entry *e)
    OVS_REQUIRES(nat_mutex)
{
    if (nat_inserts - e->stamp > FX_NAT_MAX_ENTRIES / 2) {
        ovs_list_remove(&e->lru_node);
        ovs_list_push_back(&nat_lru, &e->lru_node);
        e->stamp = nat_inserts;
    }
}

/* The translation of 'orig' in 'zone', marked used (nat_touch()), or NULL
 * if there is none. */
static struct nat_entry *
nat_find(uint16_t zone, const struct fx_nat_tuple *orig)
    OVS_REQUIRES(nat_mutex)
{
    struct nat_entry *e;

    HMAP_FOR_EACH_WITH_HASH (e, by_orig, nat_tuple_hash(orig),
                             &nat_by_orig) {
        if (e->zone == zone && nat_tuple_equals(&e->orig, orig)) {
            nat_touch(e);
            return e;
        }
    }
    return NULL;
}

void
fx_nat_remember(uint16_t zone, const struct fx_nat_tuple *orig,
                const struct fx_nat_tuple *xlated)
    OVS_EXCLUDED(nat_mutex)
{
    struct nat_entry *e;

    ovs_mutex_lock(&nat_mutex);
    e = nat_find(zone, orig);
    if (e) {
        if (nat_tuple_equals(&e->xlated, xlated)) {
            ovs_mutex_unlock(&nat_mutex);
            return;
        }
        hmap_remove(&nat_by_xlated, &e->by_xlated);
    } else {
        if (hmap_count(&nat_by_orig) >= FX_NAT_MAX_ENTRIES) {
            struct nat_entry *old = CONTAINER_OF(ovs_list_pop_front(&nat_lru),
                                                 struct nat_entry, lru_node);

            COVERAGE_INC(fx_nat_forgotten);
            hmap_remove(&nat_by_orig, &old->by_orig);
            hmap_remove(&nat_by_xlated, &old->by_xlated);
            free(old);
        }
        e = xmalloc(sizeof *e);
        e->zone = zone;
        e->orig = *orig;
        hmap_insert(&nat_by_orig, &e->by_orig, nat_tuple_hash(orig));
        ovs_list_push_back(&nat_lru, &e->lru_node);
        e->stamp = ++nat_inserts;
    }
    e->xlated = *xlated;
    hmap_insert(&nat_by_xlated, &e->by_xlated, nat_tuple_hash(xlated));
    nat_zone_add(zone);
    atomic_store_relaxed(&nat_used, true);
    ovs_mutex_unlock(&nat_mutex);
}

/* The translation of a zone not in 'seen' whose result ('backward') or
 * original tuple (else) is 't', marked used (nat_touch()). */
static struct nat_entry *
nat_step(const struct fx_nat_tuple *t, bool backward,
         const uint16_t *seen, size_t n_seen)
    OVS_REQUIRES(nat_mutex)
{
    struct nat_entry *e;

    if (!nat_zone_other(seen, n_seen)) {
        return NULL;
    }

    if (backward) {
        HMAP_FOR_EACH_WITH_HASH (e, by_xlated, nat_tuple_hash(t),
                                 &nat_by_xlated) {
            if (nat_tuple_equals(&e->xlated, t)
                && !zone_in(e->zone, seen, n_seen)) {
                nat_touch(e);
                return e;
            }
        }
    } else {
        HMAP_FOR_EACH_WITH_HASH (e, by_orig, nat_tuple_hash(t),
                                 &nat_by_orig) {
            if (nat_tuple_equals(&e->orig, t)
                && !zone_in(e->zone, seen, n_seen)) {
                nat_touch(e);
                return e;
            }
        }
    }
    return NULL;
}

/* Translates 't' through the zones, not in the 'n_seen' zones 'seen',
 * whose original tuple it is, one after the other, adding each to 'seen'.
 * Returns how many did. */
static size_t
nat_forward(struct fx_nat_tuple *t, uint16_t seen[FX_NAT_MAX_ZONES],
            size_t n_seen)
    OVS_REQUIRES(nat_mutex)
{
    struct nat_entry *e;
    size_t n = 0;

    while (n_seen < FX_NAT_MAX_ZONES
           && (e = nat_step(t, false, seen, n_seen))) {
        *t = e->xlated;
        seen[n_seen++] = e->zone;
        n++;
    }
    return n;
}

void
fx_nat_follow(uint16_t zone, const struct fx_nat_tuple *orig, bool reply,
              struct fx_nat_way *way)
    OVS_EXCLUDED(nat_mutex)
{
    uint16_t seen[FX_NAT_MAX_ZONES];
    size_t n_seen = 0;
    struct nat_entry *e;

    way->first = way->last = *orig;
    way->n_zones = 0;
    seen[n_seen++] = zone;

    ovs_mutex_lock(&nat_mutex);
    if (!reply) {
        /* Back from 'zone' through the zones that translated the packet
         * before it: each one's result is the next one's original
         * tuple. */
        while (n_seen < FX_NAT_MAX_ZONES
               && (e = nat_step(&way->first, true, seen, n_seen))) {
            way->first = e->orig;
            seen[n_seen++] = e->zone;
            way->n_zones++;
        }
    } else {
        /* Forward through 'zone''s own translation, then the zones
         * after. */
        e = nat_find(zone, orig);
        if (e) {
            way->last = e->xlated;
            way->n_zones++;
        }
        way->n_zones += nat_forward(&way->last, seen, n_seen);
    }
    ovs_mutex_unlock(&nat_mutex);
}

bool
fx_nat_complete_record(const struct fx_key *key, struct fx_ct_info *ct)
    OVS_EXCLUDED(nat_mutex)
{
    uint16_t seen[FX_NAT_MAX_ZONES];
    struct fx_nat_tuple t;
    size_t n_zones;

    if (!fx_nat_in_use() || !key->nw_proto
        || (key->dl_type != htons(ETH_TYPE_IP)
            && key->dl_type != htons(ETH_TYPE_IPV6))) {
        return false;
    }

    /* A key's ICMP type and code are where conntrack's tuple has them. */
    memset(&t, 0, sizeof t);
    t.src = key->src;
    t.dst = key->dst;
    t.tp_src = key->tp_src;
    t.tp_dst = key->tp_dst;
    t.proto = key->nw_proto;

    ovs_mutex_lock(&nat_mutex);
    n_zones = nat_forward(&t, seen, 0);
    ovs_mutex_unlock(&nat_mutex);

    if (!n_zones) {
        return false;
    }
    ct->flags |= FX_CT_NAT;
    ct->nat_src = t.src;
    ct->nat_dst = t.dst;
    ct->nat_tp_src = t.tp_src;
    ct->nat_tp_dst = t.tp_dst;
    return true;
}

/* Conntrack in the userspace datapath: the linker's
 * --wrap=conntrack_execute sends dpif-netdev.c's calls here (see
 * fx-plugin.h).  A new connection committed with nat(...) is translated
 * here, before its first reply can exist: record the translation at once
 * (a recirculated pass of its packet would see it only if that pass came
 * after the commit). */
int __real_conntrack_execute(struct conntrack *, struct dp_packet_batch *,
                             ovs_be16 dl_type, bool force, bool commit,
                             uint16_t zone, const uint32_t *setmark,
                             const struct ovs_key_ct_labels *setlabel,
                             ovs_be16 tp_src, ovs_be16 tp_dst,
                             const char *helper,
                             const struct nat_action_info_t *,
                             long long now, uint32_t tp_id);
int __wrap_conntrack_execute(struct conntrack *, struct dp_packet_batch *,
                             ovs_be16 dl_type, bool force, bool commit,
                             uint16_t zone, const uint32_t *setmark,
                             const struct ovs_key_ct_labels *setlabel,
                             ovs_be16 tp_src, ovs_be16 tp_dst,
                             const char *helper,
                             const struct nat_action_info_t *,
                             long long now, uint32_t tp_id);

int
__wrap_conntrack_execute(struct conntrack *ct, struct dp_packet_batch *batch,
                         ovs_be16 dl_type, bool force, bool commit,
                         uint16_t zone, const uint32_t *setmark,
                         const struct ovs_key_ct_labels *setlabel,
                         ovs_be16 tp_src, ovs_be16 tp_dst, const char *helper,
                         const struct nat_action_info_t *nat_action_info,
                         long long now, uint32_t tp_id)
{
    int error = __real_conntrack_execute(ct, batch, dl_type, force, commit,
                                         zone, setmark, setlabel, tp_src,
                                         tp_dst, helper, nat_action_info,
                                         now, tp_id);
    if (!commit || !nat_action_info || !netflow_exists()) {
        return error;
    }

    struct dp_packet *packet;
    DP_PACKET_BATCH_FOR_EACH (i, packet, batch) {
        uint32_t state = packet->md.ct_state;

        if (state & CS_NEW && state & (CS_SRC_NAT | CS_DST_NAT)
            && !(state & CS_REPLY_DIR)) {
            struct fx_nat_tuple orig, xlated;
            struct flow flow;

            /* The packet as translated, with the connection's original
             * tuple in its metadata. */
            flow_extract(packet, &flow);
            if (flow.ct_nw_proto) {
                COVERAGE_INC(fx_nat_commit);
                fx_nat_tuples_from_flow(&flow, &orig, &xlated);
                fx_nat_remember(packet->md.ct_zone, &orig, &xlated);
            }
        }
    }
    return error;
}
