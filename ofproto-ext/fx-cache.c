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

/* Bridge-level flow cache: sharded hash table with per-shard idle lists
 * (least recently touched first) and active-timeout lists.  See fx-cache.h
 * for the contract. */

#include <config.h>
#include "fx-cache.h"

#include "coverage.h"
#include "dpif.h"
#include "hash.h"
#include "flow.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/hmap.h"
#include "openvswitch/list.h"
#include "openvswitch/vlog.h"
#include "packets.h"
#include "ovs-atomic.h"
#include "ovs-thread.h"
#include "openvswitch/poll-loop.h"
#include "seq.h"
#include "timeval.h"
#include "util.h"

VLOG_DEFINE_THIS_MODULE(fx_cache);

COVERAGE_DEFINE(fx_cache_flow_created);
COVERAGE_DEFINE(fx_cache_flow_evicted);
COVERAGE_DEFINE(fx_cache_non_ip);

/* Number of shards: a power of 2, comfortably more than the number of
 * threads that update concurrently. */
#define FX_N_SHARDS 64

/* How often fx_cache_wait() wakes up to check timeouts at the latest. */
#define FX_EXPIRE_INTERVAL 1000

/* A flow's idle list, by what its TCP flags say about its end.  Each list
 * is kept in 'touched' order, and each has a single timeout, so expiry only
 * ever looks at list heads. */
enum fx_idle_list {
    FX_IDLE_LIVE,                   /* No FIN or RST seen: inactive timeout. */
    FX_IDLE_FIN,                    /* FIN seen: tcp_fin_timeout. */
    FX_IDLE_RST,                    /* RST seen: tcp_rst_timeout. */
    FX_N_IDLE_LISTS
};

/* One export flow.  Its key is stored packed (fx_key_pack()) at the end, so
 * that a flow takes only the memory its key needs: the optional parts the
 * cache was configured with when it was created, IPv4 addresses in 4
 * bytes. */
struct fx_flow {
    struct hmap_node hmap_node;     /* In shard's 'flows'. */
    struct ovs_list lru_node;       /* In shard's 'idle[idle_list]'. */
    struct ovs_list active_node;    /* In shard's 'active', by 'started'. */
    uint64_t packets;               /* Packets since 'started'. */
    uint64_t bytes;                 /* Bytes since 'started'. */
    long long int first_used;       /* First packet since 'started', or 0. */
    long long int last_used;        /* Last packet since 'started'. */
    long long int touched;          /* Last update with traffic. */
    long long int started;          /* Start of this record's interval. */
    long long int created;          /* When the flow entered the cache. */
    struct ovs_list life_node;      /* In shard's 'life', by 'created'. */
    uint32_t serial;                /* Creation number, for flow selection. */
    bool reported;                  /* Has a record been made yet? */
    uint16_t out_port;              /* Current output port or NF_OUT_*. */
    uint8_t tcp_flags;              /* OR of TCP flags since 'started'. */
    uint8_t idle_list;              /* enum fx_idle_list. */
    uint8_t key_fields;             /* FX_KEY_* the key was packed with. */
    uint8_t key_len;                /* Bytes in 'key'. */
    uint8_t key[];                  /* Packed export flow key. */
};
BUILD_ASSERT_DECL(FX_KEY_PACKED_MAX <= UINT8_MAX);
BUILD_ASSERT_DECL((FX_KEY_MAC | FX_KEY_VLAN | FX_KEY_MPLS | FX_KEY_TUNNEL
                   | FX_KEY_OMIT_MASK) <= UINT8_MAX);

/* A key as the cache looks it up. */
struct fx_packed_key {
    uint8_t fields;                 /* FX_KEY_* it was packed with. */
    uint8_t len;                    /* Bytes in 'bytes'. */
    uint8_t bytes[FX_KEY_PACKED_MAX];
};

static bool
flow_has_key(const struct fx_flow *flow, const struct fx_packed_key *pk)
{
    return (flow->key_fields == pk->fields && flow->key_len == pk->len
            && !memcmp(flow->key, pk->bytes, pk->len));
}

static void
flow_get_key(const struct fx_flow *flow, struct fx_key *key)
{
    fx_key_unpack(flow->key, flow->key_len, flow->key_fields, key);
}

static size_t
flow_alloc_size(size_t key_len)
{
    return offsetof(struct fx_flow, key) + key_len;
}

struct fx_shard {
    PADDED_MEMBERS(CACHE_LINE_SIZE,
        struct ovs_mutex mutex;
        struct hmap flows OVS_GUARDED;     /* Contains "struct fx_flow"s. */
        /* Least recently touched first. */
        struct ovs_list idle[FX_N_IDLE_LISTS] OVS_GUARDED;
        struct ovs_list active OVS_GUARDED; /* Earliest 'started' first. */
        struct ovs_list life OVS_GUARDED;   /* Earliest 'created' first. */
        struct ovs_list expired OVS_GUARDED; /* Records made by updates. */
        struct fx_cache_stats stats OVS_GUARDED; /* Per-shard counters. */
    );
};

struct fx_cache {
    struct fx_shard shards[FX_N_SHARDS];
    atomic_count n_flows;           /* Flows in all shards. */
    atomic_size_t max_flows;        /* Limit read on the update path. */
    atomic_uint32_t key_fields;     /* Key parts, read on the update path. */
    atomic_count next_serial;       /* Serial number of the next flow. */
    size_t peak_flows;              /* Owner only. */
    struct fx_cache_limits limits;  /* Owner only. */
    struct seq *expired_seq;        /* Changes when an update makes records. */
    uint64_t expired_seqno;         /* Last 'expired_seq' value seen. */
};

struct fx_cache *
fx_cache_create(void)
{
    struct fx_cache *cache = xzalloc_cacheline(sizeof *cache);

    for (size_t i = 0; i < FX_N_SHARDS; i++) {
        struct fx_shard *shard = &cache->shards[i];

        ovs_mutex_init(&shard->mutex);
        hmap_init(&shard->flows);
        for (size_t j = 0; j < FX_N_IDLE_LISTS; j++) {
            ovs_list_init(&shard->idle[j]);
        }
        ovs_list_init(&shard->active);
        ovs_list_init(&shard->life);
        ovs_list_init(&shard->expired);
    }
    atomic_count_init(&cache->n_flows, 0);
    atomic_count_init(&cache->next_serial, 0);
    cache->limits.active_timeout = 600 * 1000;
    cache->limits.inactive_timeout = 15 * 1000;
    cache->limits.max_flows = SIZE_MAX;
    atomic_init(&cache->max_flows, SIZE_MAX);
    atomic_init(&cache->key_fields, 0);
    cache->expired_seq = seq_create();
    cache->expired_seqno = seq_read(cache->expired_seq);
    return cache;
}

/* Frees 'cache' and whatever it still holds, without producing records:
 * call fx_cache_flush() first to export them. */
void
fx_cache_destroy(struct fx_cache *cache)
{
    if (!cache) {
        return;
    }
    for (size_t i = 0; i < FX_N_SHARDS; i++) {
        struct fx_shard *shard = &cache->shards[i];
        struct fx_flow *flow;

        HMAP_FOR_EACH_POP (flow, hmap_node, &shard->flows) {
            free(flow);
        }
        hmap_destroy(&shard->flows);
        fx_record_list_free(&shard->expired);
        ovs_mutex_destroy(&shard->mutex);
    }
    seq_destroy(cache->expired_seq);
    free_cacheline(cache);
}

void
fx_cache_set_limits(struct fx_cache *cache,
                    const struct fx_cache_limits *limits)
{
    cache->limits = *limits;
    atomic_store_relaxed(&cache->max_flows, limits->max_flows);
    atomic_store_relaxed(&cache->key_fields, limits->key_fields);
}

void
fx_cache_get_limits(const struct fx_cache *cache,
                    struct fx_cache_limits *limits)
{
    *limits = cache->limits;
}

/* Picks the shard from the hash's top bits: each shard's hash table picks
 * buckets from the low bits, which must not all be equal within a shard. */
#define FX_SHARD_BITS 6
BUILD_ASSERT_DECL(FX_N_SHARDS == 1 << FX_SHARD_BITS);

static struct fx_shard *
shard_for_hash(struct fx_cache *cache, uint32_t hash)
{
    return &cache->shards[hash >> (32 - FX_SHARD_BITS)];
}

static struct fx_flow *
shard_lookup(struct fx_shard *shard, const struct fx_packed_key *pk,
             uint32_t hash)
    OVS_REQUIRES(shard->mutex)
{
    struct fx_flow *flow;

    HMAP_FOR_EACH_WITH_HASH (flow, hmap_node, hash, &shard->flows) {
        if (flow_has_key(flow, pk)) {
            return flow;
        }
    }
    return NULL;
}

/* Appends to 'records' a record of the traffic 'flow' accumulated since its
 * interval started, ended for 'reason', and starts a new interval at 'now'.
 * Does nothing if there was no traffic. */
static void
flow_emit(struct fx_shard *shard, struct fx_flow *flow,
          enum fx_end_reason reason, long long int now,
          struct ovs_list *records)
    OVS_REQUIRES(shard->mutex)
{
    if (flow->packets) {
        struct fx_record *rec = xmalloc(sizeof *rec);

        flow_get_key(flow, &rec->key);
        rec->out_port = flow->out_port;
        rec->tcp_flags = flow->tcp_flags;
        rec->reason = reason;
        rec->first = !flow->reported;
        rec->serial = flow->serial;
        rec->packets = flow->packets;
        rec->bytes = flow->bytes;
        rec->first_used = flow->first_used;
        rec->last_used = flow->last_used;
        ovs_list_push_back(records, &rec->list_node);
        shard->stats.n_records[reason]++;
        flow->reported = true;
    }

    flow->packets = 0;
    flow->bytes = 0;
    flow->tcp_flags = 0;
    flow->first_used = 0;
    flow->last_used = 0;
    flow->started = now;
}

/* Removes 'flow' from 'cache', appending its last record to 'records'. */
static void
flow_remove(struct fx_cache *cache, struct fx_shard *shard,
            struct fx_flow *flow, enum fx_end_reason reason,
            long long int now, struct ovs_list *records)
    OVS_REQUIRES(shard->mutex)
{
    flow_emit(shard, flow, reason, now, records);
    hmap_remove(&shard->flows, &flow->hmap_node);
    ovs_list_remove(&flow->lru_node);
    ovs_list_remove(&flow->active_node);
    ovs_list_remove(&flow->life_node);
    atomic_count_dec(&cache->n_flows);
    shard->stats.memory -= flow_alloc_size(flow->key_len);
    free(flow);
}

/* The first flow in 'LIST' (whose nodes are 'MEMBER's), or NULL. */
#define LIST_HEAD_FLOW(LIST, MEMBER)                                    \
    (ovs_list_is_empty(LIST) ? NULL                                     \
     : CONTAINER_OF(ovs_list_front(LIST), struct fx_flow, MEMBER))

static struct fx_flow *
shard_idle_head(struct fx_shard *shard, enum fx_idle_list list)
    OVS_REQUIRES(shard->mutex)
{
    return LIST_HEAD_FLOW(&shard->idle[list], lru_node);
}

/* Returns the least recently touched flow in 'shard', or NULL. */
static struct fx_flow *
shard_lru_head(struct fx_shard *shard)
    OVS_REQUIRES(shard->mutex)
{
    struct fx_flow *oldest = NULL;

    for (size_t i = 0; i < FX_N_IDLE_LISTS; i++) {
        struct fx_flow *head = shard_idle_head(shard, i);

        if (head && (!oldest || head->touched < oldest->touched)) {
            oldest = head;
        }
    }
    return oldest;
}

/* Makes room for one more flow in 'shard', if the cache is full, by evicting
 * the least recently touched flow of 'shard'.  Returns true if it evicted
 * one.  Other shards are not locked here (that could deadlock), so if this
 * shard is empty the cache may exceed its limit by up to FX_N_SHARDS flows
 * until fx_cache_expire() enforces it exactly, across shards. */
static bool
shard_make_room(struct fx_cache *cache, struct fx_shard *shard,
                long long int now)
    OVS_REQUIRES(shard->mutex)
{
    size_t max_flows;

    atomic_read_relaxed(&cache->max_flows, &max_flows);
    if (atomic_count_get(&cache->n_flows) >= max_flows) {
        struct fx_flow *victim = shard_lru_head(shard);

        if (victim) {
            COVERAGE_INC(fx_cache_flow_evicted);
            flow_remove(cache, shard, victim, FX_END_EVICTED, now,
                        &shard->expired);
            return true;
        }
    }
    return false;
}

static struct fx_flow *
shard_insert(struct fx_cache *cache, struct fx_shard *shard,
             const struct fx_key *key, const struct fx_packed_key *pk,
             uint32_t hash, uint16_t out_port, long long int now)
    OVS_REQUIRES(shard->mutex)
{
    struct fx_flow *flow = xzalloc(flow_alloc_size(pk->len));

    flow->key_fields = pk->fields;
    flow->key_len = pk->len;
    memcpy(flow->key, pk->bytes, pk->len);
    flow->out_port = out_port;
    flow->started = now;
    flow->created = now;
    flow->serial = atomic_count_inc(&cache->next_serial);
    hmap_insert(&shard->flows, &flow->hmap_node, hash);
    flow->idle_list = FX_IDLE_LIVE;
    ovs_list_push_back(&shard->idle[FX_IDLE_LIVE], &flow->lru_node);
    ovs_list_push_back(&shard->active, &flow->active_node);
    ovs_list_push_back(&shard->life, &flow->life_node);
    atomic_count_inc(&cache->n_flows);

    shard->stats.n_created++;
    if (!fx_key_is_ip(key)) {
        shard->stats.n_mpls_flows++;
    } else if (fx_key_is_ipv4(key)) {
        shard->stats.n_ipv4_flows++;
    } else {
        shard->stats.n_ipv6_flows++;
    }
    shard->stats.memory += flow_alloc_size(pk->len);
    COVERAGE_INC(fx_cache_flow_created);
    return flow;
}

/* Credits 'stats' of traffic that matched 'flow' and was sent to 'out_port'.
 * Thread-safe. */
void
fx_cache_update(struct fx_cache *cache, const struct flow *flow_,
                uint16_t out_port, const struct dpif_flow_stats *stats)
{
    struct fx_key key;

    if (!stats->n_packets) {
        return;
    }
    uint32_t key_fields;
    atomic_read_relaxed(&cache->key_fields, &key_fields);
    if (!fx_key_from_flow(flow_, key_fields, &key)) {
        struct fx_shard *shard = &cache->shards[0];

        /* Not accounted, but counted, packets and bytes too. */
        COVERAGE_INC(fx_cache_non_ip);
        ovs_mutex_lock(&shard->mutex);
        shard->stats.n_non_ip++;
        shard->stats.non_ip_packets += stats->n_packets;
        shard->stats.non_ip_bytes += stats->n_bytes;
        ovs_mutex_unlock(&shard->mutex);
        return;
    }

    struct fx_packed_key pk;
    pk.fields = key_fields;
    pk.len = fx_key_pack(&key, key_fields, pk.bytes);
    uint32_t hash = hash_bytes(pk.bytes, pk.len, pk.fields);
    struct fx_shard *shard = shard_for_hash(cache, hash);
    bool made_records = false;

    ovs_mutex_lock(&shard->mutex);

    /* Read the clock under the lock, so that each shard's lists stay in
     * time order. */
    long long int now = time_msec();
    long long int used = stats->used ? stats->used : now;
    struct fx_flow *flow = shard_lookup(shard, &pk, hash);
    if (!flow) {
        made_records = shard_make_room(cache, shard, now);
        flow = shard_insert(cache, shard, &key, &pk, hash, out_port, now);
    } else if (flow->out_port != out_port) {
        /* The flow now goes elsewhere: what went to the old output port is
         * a record of its own. */
        flow_emit(shard, flow, FX_END_OUTPUT_CHANGE, now, &shard->expired);
        ovs_list_remove(&flow->active_node);
        ovs_list_push_back(&shard->active, &flow->active_node);
        flow->out_port = out_port;
        made_records = true;
    }

    flow->packets += stats->n_packets;
    flow->bytes += stats->n_bytes;
    flow->tcp_flags |= stats->tcp_flags;
    if (!flow->first_used || used < flow->first_used) {
        flow->first_used = used;
    }
    if (used > flow->last_used) {
        flow->last_used = used;
    }
    flow->touched = now;
    if (stats->tcp_flags & TCP_RST) {
        flow->idle_list = FX_IDLE_RST;
    } else if (stats->tcp_flags & TCP_FIN
               && flow->idle_list == FX_IDLE_LIVE) {
        flow->idle_list = FX_IDLE_FIN;
    }
    ovs_list_remove(&flow->lru_node);
    ovs_list_push_back(&shard->idle[flow->idle_list], &flow->lru_node);

    shard->stats.n_updates++;
    shard->stats.packets += stats->n_packets;
    shard->stats.bytes += stats->n_bytes;
    ovs_mutex_unlock(&shard->mutex);

    if (made_records) {
        seq_change(cache->expired_seq);
    }
}

/* Evicts least recently touched flows, across all shards, until at most
 * 'max_flows' remain. */
static void
enforce_max_flows(struct fx_cache *cache, long long int now,
                  struct ovs_list *records)
{
    while (atomic_count_get(&cache->n_flows) > cache->limits.max_flows) {
        struct fx_shard *oldest_shard = NULL;
        long long int oldest = LLONG_MAX;

        for (size_t i = 0; i < FX_N_SHARDS; i++) {
            struct fx_shard *shard = &cache->shards[i];

            ovs_mutex_lock(&shard->mutex);
            struct fx_flow *head = shard_lru_head(shard);
            if (head && head->touched < oldest) {
                oldest = head->touched;
                oldest_shard = shard;
            }
            ovs_mutex_unlock(&shard->mutex);
        }
        if (!oldest_shard) {
            break;
        }

        ovs_mutex_lock(&oldest_shard->mutex);
        struct fx_flow *victim = shard_lru_head(oldest_shard);
        if (victim) {
            COVERAGE_INC(fx_cache_flow_evicted);
            flow_remove(cache, oldest_shard, victim, FX_END_EVICTED, now,
                        records);
        }
        ovs_mutex_unlock(&oldest_shard->mutex);
    }
}

/* Returns the idle timeout of flows on idle 'list', and in '*reason' why
 * they end when it passes.  A TCP flow that saw FIN or RST ends after the
 * (usually short) TCP timeout if one is set, and never later than the
 * inactive timeout. */
static long long int
idle_timeout(const struct fx_cache_limits *limits, enum fx_idle_list list,
             enum fx_end_reason *reason)
{
    long long int tcp_timeout = (list == FX_IDLE_FIN
                                 ? limits->tcp_fin_timeout
                                 : list == FX_IDLE_RST
                                 ? limits->tcp_rst_timeout : 0);

    if (tcp_timeout && tcp_timeout < limits->inactive_timeout) {
        *reason = FX_END_TCP_END;
        return tcp_timeout;
    }
    *reason = FX_END_IDLE;
    return limits->inactive_timeout;
}

/* Appends to 'records' every record that is due at 'now': those made by
 * updates (evictions, output changes), inactive flows, flows that reached
 * their maximum life, and active flows whose active timeout passed.  The
 * caller owns the records. */
void
fx_cache_expire(struct fx_cache *cache, long long int now,
                struct ovs_list *records)
{
    const struct fx_cache_limits *limits = &cache->limits;

    cache->expired_seqno = seq_read(cache->expired_seq);
    for (size_t i = 0; i < FX_N_SHARDS; i++) {
        struct fx_shard *shard = &cache->shards[i];
        struct fx_flow *flow;

        ovs_mutex_lock(&shard->mutex);
        ovs_list_push_back_all(records, &shard->expired);

        for (size_t list = 0; list < FX_N_IDLE_LISTS; list++) {
            enum fx_end_reason reason;
            long long int timeout = idle_timeout(limits, list, &reason);

            while ((flow = shard_idle_head(shard, list))
                   && now - flow->touched >= timeout) {
                flow_remove(cache, shard, flow, reason, now, records);
            }
        }

        while (limits->max_life
               && (flow = LIST_HEAD_FLOW(&shard->life, life_node))
               && now - flow->created >= limits->max_life) {
            flow_remove(cache, shard, flow, FX_END_MAX_LIFE, now, records);
        }

        if (limits->active_timeout) {
            while ((flow = LIST_HEAD_FLOW(&shard->active, active_node))
                   && now - flow->started >= limits->active_timeout) {
                flow_emit(shard, flow, FX_END_ACTIVE, now, records);
                ovs_list_remove(&flow->active_node);
                ovs_list_push_back(&shard->active, &flow->active_node);
            }
        }
        ovs_mutex_unlock(&shard->mutex);
    }
    enforce_max_flows(cache, now, records);

    size_t n_flows = atomic_count_get(&cache->n_flows);
    cache->peak_flows = MAX(cache->peak_flows, n_flows);
}

/* Removes every flow from 'cache', appending a record for each one that had
 * traffic to 'records', with end 'reason'. */
void
fx_cache_flush(struct fx_cache *cache, enum fx_end_reason reason,
               struct ovs_list *records)
{
    long long int now = time_msec();

    for (size_t i = 0; i < FX_N_SHARDS; i++) {
        struct fx_shard *shard = &cache->shards[i];
        struct fx_flow *flow;

        ovs_mutex_lock(&shard->mutex);
        ovs_list_push_back_all(records, &shard->expired);
        HMAP_FOR_EACH_SAFE (flow, hmap_node, &shard->flows) {
            flow_remove(cache, shard, flow, reason, now, records);
        }
        ovs_mutex_unlock(&shard->mutex);
    }
}

/* Arranges for poll_block() to wake up when fx_cache_expire() has work. */
void
fx_cache_wait(struct fx_cache *cache)
{
    long long int interval = FX_EXPIRE_INTERVAL;

    const long long int timeouts[] = {
        cache->limits.inactive_timeout, cache->limits.active_timeout,
        cache->limits.tcp_fin_timeout, cache->limits.tcp_rst_timeout,
        cache->limits.max_life,
    };
    for (size_t i = 0; i < ARRAY_SIZE(timeouts); i++) {
        if (timeouts[i]) {
            interval = MIN(interval, timeouts[i]);
        }
    }
    poll_timer_wait(interval);
    seq_wait(cache->expired_seq, cache->expired_seqno);
}

void
fx_cache_get_stats(struct fx_cache *cache, struct fx_cache_stats *stats)
{
    memset(stats, 0, sizeof *stats);
    for (size_t i = 0; i < FX_N_SHARDS; i++) {
        struct fx_shard *shard = &cache->shards[i];
        const struct fx_cache_stats *s = &shard->stats;

        ovs_mutex_lock(&shard->mutex);
        stats->n_created += s->n_created;
        stats->n_updates += s->n_updates;
        stats->n_ipv4_flows += s->n_ipv4_flows;
        stats->n_ipv6_flows += s->n_ipv6_flows;
        stats->n_mpls_flows += s->n_mpls_flows;
        stats->n_non_ip += s->n_non_ip;
        stats->non_ip_packets += s->non_ip_packets;
        stats->non_ip_bytes += s->non_ip_bytes;
        for (size_t r = 0; r < FX_N_END_REASONS; r++) {
            stats->n_records[r] += s->n_records[r];
        }
        stats->packets += s->packets;
        stats->bytes += s->bytes;
        stats->memory += (s->memory
                          + (shard->flows.mask + 1) * sizeof(void *));
        ovs_mutex_unlock(&shard->mutex);
    }
    stats->n_flows = atomic_count_get(&cache->n_flows);
    cache->peak_flows = MAX(cache->peak_flows, stats->n_flows);
    stats->peak_flows = cache->peak_flows;
}

/* Appends one line per cached flow to 's'. */
void
fx_cache_dump(struct fx_cache *cache, struct ds *s)
{
    long long int now = time_msec();

    for (size_t i = 0; i < FX_N_SHARDS; i++) {
        struct fx_shard *shard = &cache->shards[i];
        const struct fx_flow *flow;

        ovs_mutex_lock(&shard->mutex);
        HMAP_FOR_EACH (flow, hmap_node, &shard->flows) {
            struct fx_record rec = {
                .out_port = flow->out_port,
                .tcp_flags = flow->tcp_flags,
                .packets = flow->packets,
                .bytes = flow->bytes,
            };

            flow_get_key(flow, &rec.key);
            fx_record_format(&rec, s);
            ds_put_format(s, " age=%lldms idle=%lldms\n",
                          now - flow->started, now - flow->touched);
        }
        ovs_mutex_unlock(&shard->mutex);
    }
}

/* Returns the number of bytes one cached flow with 'key', made with key
 * parts 'fields', occupies, excluding the hash table's bucket array and
 * malloc overhead. */
size_t
fx_cache_flow_size(const struct fx_key *key, uint32_t fields)
{
    uint8_t buf[FX_KEY_PACKED_MAX];

    return flow_alloc_size(fx_key_pack(key, fields, buf));
}
