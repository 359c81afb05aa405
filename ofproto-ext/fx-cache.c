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

/* Bridge-level flow cache.  See fx-cache.h for the contract.
 *
 * Layout, chosen for memory per flow and for the cache misses of an update
 * (see docs/benchmarks.md):
 *
 *   - The cache is split into FX_N_SHARDS shards, picked by the top bits of
 *     the key's hash, each with its own mutex.
 *
 *   - A shard keeps its flows in a store (fx-store.h, the data structure
 *     alone; this file is the policy): arenas, one per entry size (a
 *     flow's size depends on the length of its packed key), each a growing
 *     array of slabs of fixed-size entries: no malloc header per flow, and
 *     a flow is named by a 32-bit reference (size class and index) instead
 *     of a pointer.  Freed entries are reused first; a size class's slabs
 *     go back to malloc when it has no flow left.
 *
 *   - The store's hash table is open addressing with linear probing, each
 *     slot the flow's hash and reference (8 bytes), so that a lookup reads
 *     the entry only when the hash matches.
 *
 *   - There are no lists: an update touches the table slot and the entry
 *     only.  Instead, each shard knows a time before which none of its flows
 *     is due ('next_due'), and fx_cache_expire() sweeps a shard's entries,
 *     in memory order, only when that time has passed.  Updates only lower
 *     it when they create a flow or shorten its idle timeout (FIN, RST), so
 *     every timeout still takes effect at the first fx_cache_expire() call
 *     at or after it.  A sweep also lists, in time order, the flows due
 *     within FX_SWEEP_WINDOW ('soon'), so that under churn, where a flow
 *     falls due every few milliseconds, expiry visits those flows only and
 *     the whole shard about once per window, not once per expiring flow.
 *
 *   - Times are 32-bit where their range allows: the last packet as the low
 *     32 bits of the millisecond clock (read relative to the current time,
 *     hence the bound on idle timeouts, FX_MAX_IDLE_TIMEOUT), the first
 *     packet relative to the interval start, the creation time as an age
 *     in 8 ms units (see flow_created()).  The interval start stays
 *     64-bit: the active timeout has no such bound.  So an IPv4 flow with
 *     the default key fits one 64-byte cache line. */

#include <config.h>
#include "fx-cache.h"

#include <sched.h>
#include "coverage.h"
#include "dpif.h"
#include "fx-defaults.h"
#include "fx-store.h"
#include "hash.h"
#include "flow.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/list.h"
#include "openvswitch/vlog.h"
#include "packets.h"
#include "ovs-atomic.h"
#include "ovs-rcu.h"
#include "ovs-thread.h"
#include "openvswitch/poll-loop.h"
#include "seq.h"
#include "timeval.h"
#include "util.h"

VLOG_DEFINE_THIS_MODULE(fx_cache);

COVERAGE_DEFINE(fx_cache_backpressure);
COVERAGE_DEFINE(fx_cache_flow_created);
COVERAGE_DEFINE(fx_cache_flow_evicted);
COVERAGE_DEFINE(fx_cache_nat_completed);
COVERAGE_DEFINE(fx_cache_nat_completed_late);
COVERAGE_DEFINE(fx_cache_non_ip);
COVERAGE_DEFINE(fx_cache_record_dropped);
COVERAGE_DEFINE(fx_cache_sweep);

/* Number of shards: a power of 2, comfortably more than the number of
 * threads that update concurrently. */
#define FX_SHARD_BITS 6
#define FX_N_SHARDS (1 << FX_SHARD_BITS)

/* How often fx_cache_wait() wakes up to check timeouts at the latest. */
#define FX_EXPIRE_INTERVAL 1000

/* A shard's sweep lists the flows due within this many ms of it. */
#define FX_SWEEP_WINDOW 1000

/* Idle timeouts longer than this (about 12.4 days) act as this long: the
 * time of a flow's last packet is kept in 32 bits. */
#define FX_MAX_IDLE_TIMEOUT (1LL << 30)

/* Flows the update path looks at to pick one to evict. */
#define FX_EVICT_SAMPLES 8

/* Most records that updates may leave waiting in a shard for
 * fx_cache_expire(): 262144 in a cache, about 50 MB (a record is about
 * 200 bytes with malloc's overhead).  At 100000 new flows a second into a
 * full cache, that is over 2 s without a main loop iteration. */
#define FX_MAX_EXPIRED 4096

/* A flow's idle state, by what its TCP flags say about its end: which idle
 * timeout applies to it. */
enum fx_idle_state {
    FX_IDLE_LIVE,                   /* No FIN or RST seen: inactive timeout. */
    FX_IDLE_FIN,                    /* FIN seen: tcp_fin_timeout. */
    FX_IDLE_RST,                    /* RST seen: tcp_rst_timeout. */
};

/* Bits of 'struct fx_flow''s 'flags' (FX_STORE_LIVE, 0x01, is the
 * store's). */
#define FX_FLOW_REPORTED  0x02      /* A record of the flow was made. */
#define FX_FLOW_IDLE_SHIFT 2        /* enum fx_idle_state, 2 bits. */
#define FX_FLOW_IDLE_MASK (3 << FX_FLOW_IDLE_SHIFT)

/* One export flow: an entry of the shard's store, so it starts with the
 * store's header (struct fx_store_entry).  Its key is stored packed
 * (fx_key_pack()) at the end, so that a flow takes only the memory its key
 * needs: 64 bytes (one cache line) for an IPv4 flow with the default key,
 * 88 for IPv6.  Times are kept in 32 bits where a range of weeks is
 * enough, see 'last' and 'life'. */
struct fx_flow {
    uint32_t serial;                /* Creation number, for flow selection
                                     * (the store's 'link'). */
    uint8_t flags;                  /* FX_FLOW_*, FX_STORE_LIVE. */
    uint8_t tcp_flags;              /* OR of TCP flags since 'started'. */
    uint16_t out_port;              /* Current output port or NF_OUT_*. */
    uint64_t packets;               /* Packets since 'started'. */
    uint64_t bytes;                 /* Bytes since 'started'. */
    long long int started;          /* Start of this record's interval. */
    uint32_t last;                  /* Last packet (the datapath's 'used',
                                     * else the update's time), low 32 bits
                                     * of time_msec(): idle timeouts count
                                     * from it. */
    int32_t first_used;             /* First packet, ms after 'started'. */
    uint32_t life;                  /* Age at 'started', see flow_created(). */
    uint8_t key_fields;             /* FX_KEY_* the key was packed with. */
    uint8_t key_len;                /* Bytes in 'key'. */
    uint8_t key[];                  /* Packed export flow key; with
                                     * FX_KEY_JOURNEY, followed by a
                                     * struct fx_ct_info (unaligned). */
};
BUILD_ASSERT_DECL(FX_KEY_PACKED_MAX <= UINT8_MAX);
BUILD_ASSERT_DECL((FX_KEY_MAC | FX_KEY_VLAN | FX_KEY_MPLS | FX_KEY_TUNNEL
                   | FX_KEY_JOURNEY | FX_KEY_OMIT_MASK) <= UINT8_MAX);

BUILD_ASSERT_DECL(offsetof(struct fx_flow, serial)
                  == offsetof(struct fx_store_entry, link));
BUILD_ASSERT_DECL(offsetof(struct fx_flow, flags)
                  == offsetof(struct fx_store_entry, flags));
BUILD_ASSERT_DECL(!(FX_FLOW_REPORTED & FX_STORE_LIVE)
                  && !(FX_FLOW_IDLE_MASK & FX_STORE_LIVE));

/* A flow's size class in the store: its size / 8. */
BUILD_ASSERT_DECL(offsetof(struct fx_flow, key) + FX_KEY_PACKED_MAX
                  + sizeof(struct fx_ct_info) < FX_STORE_N_CLASSES * 8);

/* A key as the cache looks it up. */
struct fx_packed_key {
    uint8_t fields;                 /* FX_KEY_* it was packed with. */
    uint8_t len;                    /* Bytes in 'bytes'. */
    uint8_t bytes[FX_KEY_PACKED_MAX];
};

/* A flow that a sweep found due soon: at 'due', unless updates since
 * changed that, and only if 'ref' still names it (see expire_soon()). */
struct fx_due {
    long long int due;
    uint32_t ref;
};

/* A part of the flows, with its own table: the owner sweeps, flushes and
 * expires one shard at a time.  Every member is guarded by the cache's
 * 'apply_mutex' (see struct fx_cache): there is no lock per shard, so
 * applying an update takes none.
 *
 * Invariant: every flow due before 'horizon' is in 'soon[next_soon..]', at
 * the time it is due; 'next_due' is at most 'horizon' and the first of
 * those times.  Updates that may make a flow due earlier lower both
 * (shard_may_be_due()); updates that make a flow due later leave its entry,
 * which then finds it not due yet. */
struct fx_shard {
    PADDED_MEMBERS(CACHE_LINE_SIZE,
        struct fx_store store OVS_GUARDED;  /* The flows. */
        long long int next_due OVS_GUARDED; /* No flow is due before. */
        long long int horizon OVS_GUARDED;  /* Next sweep at the latest. */
        struct fx_due *soon OVS_GUARDED;    /* Sorted by 'due'. */
        size_t n_soon OVS_GUARDED;
        size_t next_soon OVS_GUARDED;       /* First not yet looked at. */
        size_t allocated_soon OVS_GUARDED;
        uint32_t hand OVS_GUARDED;          /* Eviction's next slot. */
        struct ovs_list expired OVS_GUARDED; /* Records made by updates. */
        size_t n_expired OVS_GUARDED;        /* Records in 'expired'. */
        struct fx_cache_stats stats OVS_GUARDED; /* Per-shard counters. */
    );
};

/* Update logs.
 *
 * fx_cache_update() only appends what it was told, with the packed key and
 * its hash, to the calling thread's batch for the cache (its log): memory
 * that stays in the CPU cache.  A full batch goes to the cache's queue, and
 * the cache's applier thread applies queued batches, prefetching the table
 * slots and entries of a whole batch before it updates them.  The owner's
 * functions first drain: they queue every log's partial batch and apply
 * the queue themselves (cache_drain()), so that they see every update
 * made before them. */

/* Bytes of updates in a batch: about 180 IPv4 updates with the default
 * key. */
#define FX_BATCH_BYTES 16384

/* Batches that may wait for the applier; beyond, a thread that fills one
 * applies it itself (back-pressure).  fx_cache_set_max_queued() changes it,
 * for tests. */
#define FX_MAX_QUEUED 16

/* Batches queued before a sleeping applier is woken up: it then applies
 * them in one go (what waits meanwhile, the owner applies when it drains,
 * see cache_drain()). */
#define FX_WAKE_QUEUED 4

/* What kind of key an update has (its 'family'). */
enum fx_update_family {
    FX_UPDATE_NON_IP,               /* No key: counted, not accounted. */
    FX_UPDATE_IPV4,
    FX_UPDATE_IPV6,
    FX_UPDATE_MPLS,
};

/* One logged update, of variable size (update_size()), so that a batch
 * takes only the memory its keys need. */
struct fx_update {
    uint64_t n_packets;
    uint64_t n_bytes;
    long long int used;             /* Datapath's last use, or 0. */
    long long int now;              /* time_msec() at the update. */
    uint32_t hash;                  /* packed_hash() of the key. */
    uint16_t out_port;
    uint16_t tcp_flags;
    uint8_t family;                 /* enum fx_update_family. */
    uint8_t journey;                /* FX_JOURNEY_*, 0 if none. */
    uint8_t key_fields;             /* FX_KEY_* the key was packed with. */
    uint8_t key_len;                /* Bytes in 'key'. */
    uint8_t key[];                  /* Packed key; if 'journey', followed by
                                     * a struct fx_ct_info (unaligned). */
};

/* The largest update. */
#define FX_UPDATE_MAX ROUND_UP(sizeof(struct fx_update) + FX_KEY_PACKED_MAX \
                               + sizeof(struct fx_ct_info), 8)

struct fx_batch {
    struct ovs_list list_node;      /* In the queue, or the pool. */
    uint64_t seqno;                 /* Order in which it was queued. */
    size_t start;                   /* Offset in 'buf' of the first update
                                     * to apply (see struct fx_log). */
    size_t used;                    /* Bytes of 'buf' taken by updates. */
    uint64_t buf[FX_BATCH_BYTES / 8];
};
BUILD_ASSERT_DECL(FX_BATCH_BYTES >= 8 * FX_UPDATE_MAX);

/* Bytes that update 'u' takes in a batch. */
static size_t
update_size(const struct fx_update *u)
{
    return ROUND_UP(sizeof *u + u->key_len
                    + (u->journey ? sizeof(struct fx_ct_info) : 0), 8);
}

/* Iterates over the updates of 'BATCH': 'U' is each one. */
#define BATCH_FOR_EACH(U, BATCH)                                        \
    for (size_t OFS_ = (BATCH)->start;                                  \
         (OFS_ < (BATCH)->used                                          \
          ? ((U) = ALIGNED_CAST(const struct fx_update *,               \
                                (const uint8_t *) (BATCH)->buf + OFS_), \
             true)                                                      \
          : false);                                                     \
         OFS_ += update_size(U))

/* One thread's log for one cache.
 *
 * The owning thread appends updates to 'batch' without a lock: it writes
 * an update past 'committed', then publishes it by storing the new end in
 * 'committed' (release).  It takes 'mutex' only to hand a full batch off
 * (log_hand_off()), once per batch.  cache_drain() takes 'mutex' and
 * queues a copy of the updates between 'drained' and 'committed' (read
 * with acquire), then advances 'drained'; the hand-off then queues only
 * what follows 'drained'.  So every update is applied once, and the
 * updates of one thread in the order it made them. */
struct fx_log {
    struct ovs_list list_node;      /* In 'cache->logs'. */
    unsigned int owner;             /* ovsthread_id_self() of the owner. */
    struct ovs_mutex mutex;
    struct fx_batch *batch;         /* Never NULL; changed only by the
                                     * owning thread, under 'mutex'. */
    atomic_size_t committed;        /* Bytes of 'batch' published. */
    size_t drained OVS_GUARDED;     /* Bytes of 'batch' already queued. */
};

/* Per thread: the logs of the caches the thread updated lately, by the
 * caches' ids (ids are never reused, so the entry of a destroyed cache
 * never matches again). */
#define FX_LOG_SLOTS 16
struct fx_log_slot {
    uint64_t cache_id;              /* 0: unused. */
    struct fx_log *log;
};
struct fx_logs {
    struct fx_log_slot slots[FX_LOG_SLOTS];
};
DEFINE_STATIC_PER_THREAD_DATA(struct fx_logs, fx_logs, { { { 0, NULL } } });

/* Unique cache ids. */
static atomic_uint64_t next_cache_id = 1;

struct fx_cache {
    struct fx_shard shards[FX_N_SHARDS];
    atomic_count n_flows;           /* Flows in all shards. */
    atomic_size_t max_flows;        /* Limit read on the update path. */
    atomic_uint32_t key_fields;     /* Key parts, read on the update path. */
    atomic_llong min_timeout;       /* Shortest timeout, in ms. */
    atomic_count next_serial;       /* Serial number of the next flow. */
    size_t peak_flows;              /* Owner only. */
    struct fx_cache_limits limits;  /* Owner only. */
    struct seq *expired_seq;        /* Changes when an update makes records. */
    uint64_t expired_seqno;         /* Last 'expired_seq' value seen. */

    /* Update logs.  Lock order: 'logs_mutex', a log's mutex,
     * 'apply_mutex', 'queue_mutex'.  Only the holder of 'apply_mutex'
     * reads or changes the shards (the applier, a thread applying its own
     * batch, the owner for one shard at a time with owner_apply_lock()).
     * Each OVS_GUARDED member below is guarded by the mutex that precedes
     * it (C's thread-safety annotations cannot name a member). */
    uint64_t id;                    /* Unique, never 0. */
    struct ovs_mutex logs_mutex;
    struct ovs_list logs OVS_GUARDED; /* struct fx_log. */

    struct ovs_mutex apply_mutex;
    uint64_t n_applied OVS_GUARDED;     /* Updates. */
    uint64_t n_backpressure OVS_GUARDED; /* Batches. */
    /* For fx_cache_expire(), which runs every main loop iteration: no
     * shard has a flow due before 'next_due' (0 at first), and none has
     * records in its 'expired' list unless 'expired_pending'. */
    long long int next_due OVS_GUARDED;
    bool expired_pending OVS_GUARDED;
    size_t evict_shard OVS_GUARDED; /* Where eviction samples next. */
    atomic_count owner_waiting;     /* Owner threads waiting for it. */

    struct ovs_mutex queue_mutex;
    pthread_cond_t queue_cond;      /* Signaled when batches are queued. */
    struct ovs_list queue OVS_GUARDED; /* Full batches, by 'seqno'. */
    uint64_t next_seqno OVS_GUARDED;   /* Of the next batch queued. */
    struct ovs_list pool OVS_GUARDED;  /* Empty batches. */
    size_t n_queued OVS_GUARDED;       /* In 'queue'. */
    size_t max_queued OVS_GUARDED;
    bool applier_started OVS_GUARDED;
    bool applier_exit OVS_GUARDED;
    bool applier_waiting OVS_GUARDED; /* In cond_wait. */
    pthread_t applier;              /* If 'applier_started'. */
};

static void cache_drain(struct fx_cache *);
static void owner_apply_lock(struct fx_cache *cache)
    OVS_ACQUIRES(cache->apply_mutex);

/* Times. */

/* Returns the time whose low 32 bits are 'lo' nearest to 'ref'. */
static long long int
time_from_lo(uint32_t lo, long long int ref)
{
    return ref + (int32_t) (lo - (uint32_t) ref);
}

static int32_t
clamp_delta(long long int delta)
{
    return MAX(INT32_MIN, MIN(INT32_MAX, delta));
}

/* The time of 'flow''s last packet. */
static long long int
flow_last(const struct fx_flow *flow, long long int now)
{
    return time_from_lo(flow->last, now);
}

/* 'life' is the flow's age at 'started' in units of 8 ms, between the
 * grid points at or below each time: (started >> 3) - (created >> 3).  So
 * it never drifts however often 'started' moves, and 32 bits hold 397
 * days, more than any max_life; an older flow keeps UINT32_MAX, which
 * still says it is older than any max_life. */
#define FX_LIFE_SHIFT 3

/* Returns when 'flow' entered the cache, rounded down to 8 ms (so max_life
 * ends a flow up to 7 ms early, never late). */
static long long int
flow_created(const struct fx_flow *flow)
{
    return (((flow->started >> FX_LIFE_SHIFT) - flow->life)
            << FX_LIFE_SHIFT);
}

/* Starts 'flow''s next interval at 'now'. */
static void
flow_restart(struct fx_flow *flow, long long int now)
{
    long long int life = (flow->life + (now >> FX_LIFE_SHIFT)
                          - (flow->started >> FX_LIFE_SHIFT));

    flow->life = MAX(0, MIN(life, UINT32_MAX));
    flow->started = now;
}

static enum fx_idle_state
flow_idle_state(const struct fx_flow *flow)
{
    return (flow->flags & FX_FLOW_IDLE_MASK) >> FX_FLOW_IDLE_SHIFT;
}

/* Keys. */

/* Compares the 'len' bytes at 'a' and 'b' in 64-bit words.  Not memcmp():
 * glibc's compares a short key with one masked 32-byte load, which reads
 * the next cache line too when the key ends near the end of its line (an
 * IPv4 flow's key ends at its entry's last byte), a cache miss the
 * prefetch cannot avoid (perf: most of the applier's time). */
static bool
packed_equal(const uint8_t *a, const uint8_t *b, size_t len)
{
    uint64_t diff = 0;
    size_t ofs;

    for (ofs = 0; ofs + 8 <= len; ofs += 8) {
        uint64_t wa, wb;

        memcpy(&wa, &a[ofs], sizeof wa);
        memcpy(&wb, &b[ofs], sizeof wb);
        diff |= wa ^ wb;
    }
    for (; ofs < len; ofs++) {
        diff |= a[ofs] ^ b[ofs];
    }
    return !diff;
}

static bool
flow_has_key(const struct fx_flow *flow, const struct fx_packed_key *pk)
{
    return (flow->key_fields == pk->fields && flow->key_len == pk->len
            && packed_equal(flow->key, pk->bytes, pk->len));
}

static void
flow_get_key(const struct fx_flow *flow, struct fx_key *key)
{
    fx_key_unpack(flow->key, flow->key_len, flow->key_fields, key);
}

/* Hashes a packed key in 64-bit words.  Not hash_bytes(): it copies a
 * key's last, partial word byte by byte into memory and loads it back as a
 * word, a load that must wait for those stores (two thirds of its time on
 * an 18-byte IPv4 key, measured with perf); here the last bytes are
 * combined in a register. */
static uint32_t
packed_hash(const uint8_t *bytes, size_t len, uint32_t fields)
{
    uint32_t hash = fields ^ fx_hash_basis();
    size_t ofs;

    for (ofs = 0; ofs + 8 <= len; ofs += 8) {
        uint64_t word;

        memcpy(&word, &bytes[ofs], sizeof word);
        hash = hash_add64(hash, word);
    }
    if (ofs < len) {
        uint64_t tail = 0;

        for (unsigned int i = 0; ofs + i < len; i++) {
            tail |= (uint64_t) bytes[ofs + i] << (8 * i);
        }
        hash = hash_add64(hash, tail);
    }
    return hash_finish(hash, len);
}

static uint32_t
cached_flow_hash(const struct fx_flow *flow)
{
    return packed_hash(flow->key, flow->key_len, flow->key_fields);
}

/* The size class of a flow whose packed key has 'key_len' bytes, packed
 * with 'fields': a journey flow also keeps its struct fx_ct_info, so that
 * only flows of conntrack pipelines pay for it. */
static unsigned int
flow_class(size_t key_len, uint32_t fields)
{
    size_t extra = fields & FX_KEY_JOURNEY ? sizeof(struct fx_ct_info) : 0;

    return DIV_ROUND_UP(offsetof(struct fx_flow, key) + key_len + extra, 8);
}

/* Reads the struct fx_ct_info of journey flow 'flow' into 'ct', or zeroes
 * 'ct' if 'flow' is no journey. */
static void
flow_get_ct(const struct fx_flow *flow, struct fx_ct_info *ct)
{
    if (flow->key_fields & FX_KEY_JOURNEY) {
        memcpy(ct, &flow->key[flow->key_len], sizeof *ct);
    } else {
        memset(ct, 0, sizeof *ct);
    }
}

static void
flow_set_ct(struct fx_flow *flow, const struct fx_ct_info *ct)
{
    if (flow->key_fields & FX_KEY_JOURNEY) {
        memcpy(&flow->key[flow->key_len], ct, sizeof *ct);
    }
}

/* Shards. */

static struct fx_flow *
shard_flow(const struct fx_cache *cache, const struct fx_shard *shard,
           uint32_t ref)
    OVS_REQUIRES(cache->apply_mutex)
{
    return fx_store_entry(&shard->store, ref);
}

/* Before the shard is shared: no lock needed. */
static void
shard_init(struct fx_shard *shard)
    OVS_NO_THREAD_SAFETY_ANALYSIS
{
    fx_store_init(&shard->store);
    shard->next_due = LLONG_MAX;
    shard->horizon = LLONG_MAX;
    ovs_list_init(&shard->expired);
}

/* Frees the flows and the table of 'shard', keeping it usable. */
static void
shard_clear(struct fx_cache *cache, struct fx_shard *shard)
    OVS_REQUIRES(cache->apply_mutex)
{
    fx_store_clear(&shard->store);
    shard->hand = 0;
    shard->n_soon = shard->next_soon = 0;
}

/* Before and after the cache is shared, fx_cache_create() and
 * fx_cache_destroy() touch guarded members without their locks. */
struct fx_cache *
fx_cache_create(void)
    OVS_NO_THREAD_SAFETY_ANALYSIS
{
    struct fx_cache *cache = xzalloc_cacheline(sizeof *cache);

    for (size_t i = 0; i < FX_N_SHARDS; i++) {
        shard_init(&cache->shards[i]);
    }
    atomic_count_init(&cache->n_flows, 0);
    atomic_count_init(&cache->next_serial, 0);
    cache->limits.active_timeout = FX_DEFAULT_NETFLOW_ACTIVE_TIMEOUT_S * 1000;
    cache->limits.inactive_timeout = FX_DEFAULT_INACTIVE_TIMEOUT_S * 1000;
    cache->limits.max_flows = SIZE_MAX;
    atomic_init(&cache->max_flows, SIZE_MAX);
    atomic_init(&cache->key_fields, 0);
    atomic_init(&cache->min_timeout, cache->limits.inactive_timeout);
    cache->expired_seq = seq_create();
    cache->expired_seqno = seq_read(cache->expired_seq);

    atomic_add(&next_cache_id, 1, &cache->id);
    ovs_mutex_init(&cache->logs_mutex);
    ovs_list_init(&cache->logs);
    ovs_mutex_init(&cache->apply_mutex);
    atomic_count_init(&cache->owner_waiting, 0);
    ovs_mutex_init(&cache->queue_mutex);
    xpthread_cond_init(&cache->queue_cond, NULL);
    ovs_list_init(&cache->queue);
    ovs_list_init(&cache->pool);
    cache->max_queued = FX_MAX_QUEUED;
    return cache;
}

/* Frees 'cache' and whatever it still holds, without producing records:
 * call fx_cache_flush() first to export them. */
void
fx_cache_destroy(struct fx_cache *cache)
    OVS_NO_THREAD_SAFETY_ANALYSIS
{
    if (!cache) {
        return;
    }

    /* The applier first, then the logs (their updates are lost, like the
     * flows: the caller flushed what it wanted). */
    ovs_mutex_lock(&cache->queue_mutex);
    cache->applier_exit = true;
    xpthread_cond_signal(&cache->queue_cond);
    bool joined = cache->applier_started;
    ovs_mutex_unlock(&cache->queue_mutex);
    if (joined) {
        xpthread_join(cache->applier, NULL);
    }

    struct fx_log *log;
    LIST_FOR_EACH_POP (log, list_node, &cache->logs) {
        ovs_mutex_lock(&log->mutex);
        free(log->batch);
        ovs_mutex_unlock(&log->mutex);
        ovs_mutex_destroy(&log->mutex);
        free(log);
    }
    struct fx_batch *batch;
    LIST_FOR_EACH_POP (batch, list_node, &cache->queue) {
        free(batch);
    }
    LIST_FOR_EACH_POP (batch, list_node, &cache->pool) {
        free(batch);
    }
    xpthread_cond_destroy(&cache->queue_cond);
    ovs_mutex_destroy(&cache->queue_mutex);
    ovs_mutex_destroy(&cache->apply_mutex);
    ovs_mutex_destroy(&cache->logs_mutex);

    for (size_t i = 0; i < FX_N_SHARDS; i++) {
        struct fx_shard *shard = &cache->shards[i];

        fx_store_destroy(&shard->store);
        free(shard->soon);
        fx_record_list_free(&shard->expired);
    }
    seq_destroy(cache->expired_seq);
    free_cacheline(cache);
}

/* Returns the idle timeout of flows in idle 'state', and in '*reason' why
 * they end when it passes.  A TCP flow that saw FIN or RST ends after the
 * (usually short) TCP timeout if one is set, and never later than the
 * inactive timeout. */
static long long int
idle_timeout(const struct fx_cache_limits *limits, enum fx_idle_state state,
             enum fx_end_reason *reason)
{
    long long int tcp_timeout = (state == FX_IDLE_FIN
                                 ? limits->tcp_fin_timeout
                                 : state == FX_IDLE_RST
                                 ? limits->tcp_rst_timeout : 0);

    if (tcp_timeout && tcp_timeout < limits->inactive_timeout) {
        *reason = FX_END_TCP_END;
        return MIN(tcp_timeout, FX_MAX_IDLE_TIMEOUT);
    }
    *reason = FX_END_IDLE;
    return MIN(limits->inactive_timeout, FX_MAX_IDLE_TIMEOUT);
}

void
fx_cache_set_limits(struct fx_cache *cache,
                    const struct fx_cache_limits *limits)
{
    long long int min_timeout = LLONG_MAX;
    const long long int timeouts[] = {
        limits->inactive_timeout, limits->active_timeout,
        limits->tcp_fin_timeout, limits->tcp_rst_timeout, limits->max_life,
    };
    for (size_t i = 0; i < ARRAY_SIZE(timeouts); i++) {
        if (timeouts[i] > 0) {
            min_timeout = MIN(min_timeout, timeouts[i]);
        }
    }

    /* Updates made so far apply under the old limits. */
    cache_drain(cache);
    cache->limits = *limits;
    atomic_store_relaxed(&cache->max_flows, limits->max_flows);
    atomic_store_relaxed(&cache->key_fields, limits->key_fields);
    atomic_store_relaxed(&cache->min_timeout,
                         MIN(min_timeout, FX_MAX_IDLE_TIMEOUT));

    /* Any flow may be due under the new timeouts. */
    owner_apply_lock(cache);
    for (size_t i = 0; i < FX_N_SHARDS; i++) {
        cache->shards[i].next_due = cache->shards[i].horizon = LLONG_MIN;
    }
    cache->next_due = LLONG_MIN;
    ovs_mutex_unlock(&cache->apply_mutex);
}

void
fx_cache_get_limits(const struct fx_cache *cache,
                    struct fx_cache_limits *limits)
{
    *limits = cache->limits;
}

/* Picks the shard from the hash's top bits: each shard's hash table picks
 * slots from the low bits, which must not all be equal within a shard. */
static struct fx_shard *
shard_for_hash(struct fx_cache *cache, uint32_t hash)
{
    return &cache->shards[hash >> (32 - FX_SHARD_BITS)];
}

static struct fx_flow *
shard_lookup(struct fx_cache *cache, struct fx_shard *shard,
             const struct fx_packed_key *pk, uint32_t hash)
    OVS_REQUIRES(cache->apply_mutex)
{
    uint32_t class = flow_class(pk->len, pk->fields);
    uint32_t ref;

    FX_STORE_FOR_EACH_MATCH (ref, hash, class, &shard->store) {
        struct fx_flow *flow = shard_flow(cache, shard, ref);

        if (flow_has_key(flow, pk)) {
            return flow;
        }
    }
    return NULL;
}

/* Moves the records that updates made in 'shard' to 'records'. */
static void
shard_take_expired(struct fx_cache *cache, struct fx_shard *shard,
                   struct ovs_list *records)
    OVS_REQUIRES(cache->apply_mutex)
{
    ovs_list_push_back_all(records, &shard->expired);
    shard->n_expired = 0;
}

/* Lets fx_cache_expire() know that a flow of 'shard' may be due as soon as
 * the shortest timeout after 'now'. */
static void
shard_may_be_due(struct fx_cache *cache, struct fx_shard *shard,
                 long long int now)
    OVS_REQUIRES(cache->apply_mutex)
{
    long long int min_timeout;

    atomic_read_relaxed(&cache->min_timeout, &min_timeout);
    shard->horizon = MIN(shard->horizon, now + min_timeout);
    shard->next_due = MIN(shard->next_due, shard->horizon);
    cache->next_due = MIN(cache->next_due, shard->next_due);
}

/* Set once, before any cache exists (fx_cache_set_nat_lookup()). */
static fx_nat_lookup_func *nat_lookup;

void
fx_cache_set_nat_lookup(fx_nat_lookup_func *lookup)
{
    nat_lookup = lookup;
}

/* Whether 'ct', the conntrack view of a journey whose FX_JOURNEY_* bits are
 * 'journey', lacks a translation that the lookup may know.  The pass that
 * committed a connection with nat(...) was translated before the datapath
 * translated its packet.  The applier, which makes the journey's flow after
 * that as a rule, looks the translation up then (the flow keeps it); a
 * record that still lacks one is looked up once more when it is made. */
static bool
nat_wanted(uint8_t journey, const struct fx_ct_info *ct)
{
    return nat_lookup && fx_ct_info_lacks_nat(journey, ct);
}

/* Appends to 'records' a record of the traffic 'flow' accumulated since its
 * interval started, ended for 'reason', and starts a new interval at 'now'.
 * Does nothing if there was no traffic.
 *
 * Records that updates make go to 'shard->expired', which only
 * fx_cache_expire() (from the main loop) drains; while the main loop does
 * not run (e.g. bridge_run() without the database lock), revalidators keep
 * updating.  Beyond FX_MAX_EXPIRED records waiting there, a record is
 * dropped, its packets and bytes counted as lost rather than kept in
 * unbounded memory. */
static void
flow_emit(struct fx_cache *cache, struct fx_shard *shard,
          struct fx_flow *flow, enum fx_end_reason reason,
          long long int now, struct ovs_list *records)
    OVS_REQUIRES(cache->apply_mutex)
{
    if (flow->packets && records == &shard->expired
        && shard->n_expired >= FX_MAX_EXPIRED) {
        COVERAGE_INC(fx_cache_record_dropped);
        shard->stats.n_dropped++;
        shard->stats.dropped_packets += flow->packets;
        shard->stats.dropped_bytes += flow->bytes;
    } else if (flow->packets) {
        struct fx_record *rec = xmalloc(sizeof *rec);

        if (records == &shard->expired) {
            shard->n_expired++;
            cache->expired_pending = true;
        }

        flow_get_key(flow, &rec->key);
        flow_get_ct(flow, &rec->ct);
        if (nat_wanted(rec->key.journey, &rec->ct)
            && nat_lookup(&rec->key, &rec->ct)) {
            COVERAGE_INC(fx_cache_nat_completed_late);
            flow_set_ct(flow, &rec->ct);
        }
        rec->out_port = flow->out_port;
        rec->tcp_flags = flow->tcp_flags;
        rec->reason = reason;
        rec->first = !(flow->flags & FX_FLOW_REPORTED);
        rec->serial = flow->serial;
        rec->packets = flow->packets;
        rec->bytes = flow->bytes;
        rec->first_used = flow->started + flow->first_used;
        rec->last_used = flow_last(flow, now);
        ovs_list_push_back(records, &rec->list_node);
        shard->stats.n_records[reason]++;
        flow->flags |= FX_FLOW_REPORTED;
    }

    flow->packets = 0;
    flow->bytes = 0;
    flow->tcp_flags = 0;
    if (flow->key_fields & FX_KEY_JOURNEY) {
        struct fx_ct_info ct;

        flow_get_ct(flow, &ct);
        ct.ct_state = 0;
        flow_set_ct(flow, &ct);
    }
    flow_restart(flow, now);
}

/* Removes 'flow', whose reference is 'ref', from 'cache', appending its last
 * record to 'records'. */
static void
flow_remove(struct fx_cache *cache, struct fx_shard *shard,
            struct fx_flow *flow, uint32_t ref, enum fx_end_reason reason,
            long long int now, struct ovs_list *records)
    OVS_REQUIRES(cache->apply_mutex)
{
    uint32_t hash = cached_flow_hash(flow);

    flow_emit(cache, shard, flow, reason, now, records);
    fx_store_remove(&shard->store, ref, hash);
    atomic_count_dec(&cache->n_flows);
}

/* Makes room for one more flow, if the cache is full, by evicting the
 * least recently used of up to FX_EVICT_SAMPLES flows: the next ones in
 * the shards' tables after the previous eviction's, from the shard where
 * it stopped on.  So a cache of up to FX_EVICT_SAMPLES flows evicts
 * exactly its least recently used one, and a larger one an approximation
 * of it, until fx_cache_expire() enforces the limit exactly.  Returns true
 * if it evicted one. */
static bool
cache_make_room(struct fx_cache *cache, long long int now)
    OVS_REQUIRES(cache->apply_mutex)
{
    size_t max_flows;

    atomic_read_relaxed(&cache->max_flows, &max_flows);
    if (atomic_count_get(&cache->n_flows) < max_flows) {
        return false;
    }

    struct fx_shard *victim_shard = NULL;
    struct fx_flow *victim = NULL;
    uint32_t victim_ref = 0;
    long long int oldest = LLONG_MAX;
    size_t n_samples = 0;
    for (size_t i = 0; i < FX_N_SHARDS && n_samples < FX_EVICT_SAMPLES;
         i++) {
        struct fx_shard *shard = &cache->shards[cache->evict_shard];
        uint32_t n_flows = fx_store_count(&shard->store);

        for (uint32_t n = 0; n < n_flows && n_samples < FX_EVICT_SAMPLES;
             n++, n_samples++) {
            uint32_t ref = fx_store_next_slot(&shard->store, &shard->hand);
            struct fx_flow *flow = shard_flow(cache, shard, ref);
            long long int last = flow_last(flow, now);

            if (last < oldest) {
                oldest = last;
                victim_shard = shard;
                victim = flow;
                victim_ref = ref;
            }
        }
        if (n_samples < FX_EVICT_SAMPLES) {
            cache->evict_shard = (cache->evict_shard + 1) % FX_N_SHARDS;
        }
    }
    if (!victim) {
        return false;
    }

    COVERAGE_INC(fx_cache_flow_evicted);
    flow_remove(cache, victim_shard, victim, victim_ref, FX_END_EVICTED, now,
                &victim_shard->expired);
    return true;
}

/* Adds a flow with key 'pk' to 'shard', created at 'now'.  The caller
 * credits it its first update with flow_account(), which sets the time of
 * its last packet and when it may be due. */
static struct fx_flow *
shard_insert(struct fx_cache *cache, struct fx_shard *shard,
             enum fx_update_family family, const struct fx_packed_key *pk,
             uint32_t hash, uint16_t out_port, long long int now)
    OVS_REQUIRES(cache->apply_mutex)
{
    unsigned int class = flow_class(pk->len, pk->fields);
    uint32_t ref = fx_store_insert(&shard->store, class, hash);
    struct fx_flow *flow = shard_flow(cache, shard, ref);

    memset(flow, 0, offsetof(struct fx_flow, key));
    flow->flags = FX_STORE_LIVE | (FX_IDLE_LIVE << FX_FLOW_IDLE_SHIFT);
    flow->key_fields = pk->fields;
    flow->key_len = pk->len;
    memcpy(flow->key, pk->bytes, pk->len);
    flow->out_port = out_port;
    flow->started = now;
    flow->serial = atomic_count_inc(&cache->next_serial);
    atomic_count_inc(&cache->n_flows);

    shard->stats.n_created++;
    if (family == FX_UPDATE_MPLS) {
        shard->stats.n_mpls_flows++;
    } else if (family == FX_UPDATE_IPV4) {
        shard->stats.n_ipv4_flows++;
    } else {
        shard->stats.n_ipv6_flows++;
    }
    COVERAGE_INC(fx_cache_flow_created);
    return flow;
}

/* Credits 'stats', which it received at 'now', to 'flow'. */
static void
flow_account(struct fx_cache *cache, struct fx_shard *shard,
             struct fx_flow *flow, const struct dpif_flow_stats *stats,
             long long int now)
    OVS_REQUIRES(cache->apply_mutex)
{
    bool is_new = !flow->packets && !(flow->flags & FX_FLOW_REPORTED);
    long long int used = stats->used ? stats->used : now;
    long long int first = used, last = used;

    if (flow->packets) {
        first = MIN(first, flow->started + flow->first_used);
    }
    if (!is_new) {
        /* Datapath flows report in any order: the last packet is the
         * latest one reported. */
        last = MAX(last, flow_last(flow, now));
    }
    flow->packets += stats->n_packets;
    flow->bytes += stats->n_bytes;
    flow->tcp_flags |= stats->tcp_flags;
    flow->first_used = clamp_delta(first - flow->started);
    flow->last = last;
    if (is_new) {
        /* Its idle timeout counts from its first packet, maybe before the
         * update; its maximum life from its creation. */
        shard_may_be_due(cache, shard, MIN(last, flow_created(flow)));
    }

    enum fx_idle_state state = flow_idle_state(flow);
    enum fx_idle_state new_state = (stats->tcp_flags & TCP_RST ? FX_IDLE_RST
                                    : stats->tcp_flags & TCP_FIN
                                    && state == FX_IDLE_LIVE ? FX_IDLE_FIN
                                    : state);
    if (new_state != state) {
        flow->flags = ((flow->flags & ~FX_FLOW_IDLE_MASK)
                       | (new_state << FX_FLOW_IDLE_SHIFT));
        shard_may_be_due(cache, shard, last);
    }
}

/* Applies update 'u' to its shard: the work that fx_cache_update() did
 * itself before updates were logged. */
static bool
update_apply(struct fx_cache *cache, const struct fx_update *u)
    OVS_REQUIRES(cache->apply_mutex)
{
    if (u->family == FX_UPDATE_NON_IP) {
        struct fx_shard *shard = &cache->shards[0];

        /* Not accounted, but counted, packets and bytes too. */
        shard->stats.n_non_ip++;
        shard->stats.non_ip_packets += u->n_packets;
        shard->stats.non_ip_bytes += u->n_bytes;
        return false;
    }

    struct fx_packed_key pk_;
    struct fx_ct_info ct_;
    const struct fx_packed_key *pk = &pk_;
    struct fx_ct_info *ct = &ct_;

    pk_.fields = u->key_fields;
    pk_.len = u->key_len;
    memcpy(pk_.bytes, u->key, u->key_len);
    if (u->journey) {
        memcpy(&ct_, &u->key[u->key_len], sizeof ct_);
    }
    struct dpif_flow_stats stats = {
        .n_packets = u->n_packets,
        .n_bytes = u->n_bytes,
        .used = u->used,
        .tcp_flags = u->tcp_flags,
    };
    struct fx_shard *shard = shard_for_hash(cache, u->hash);
    long long int now = u->now;
    bool made_records = false;

    struct fx_flow *flow = shard_lookup(cache, shard, pk, u->hash);
    if (!flow) {
        made_records = cache_make_room(cache, now);
        flow = shard_insert(cache, shard, u->family, pk, u->hash,
                            u->out_port, now);
        if (u->journey) {
            if (nat_wanted(u->journey, ct)) {
                struct fx_key key;

                fx_key_unpack(pk->bytes, pk->len, pk->fields, &key);
                if (nat_lookup(&key, ct)) {
                    COVERAGE_INC(fx_cache_nat_completed);
                }
            }
            flow_set_ct(flow, ct);
        }
    } else {
        struct fx_ct_info old_ct;

        flow_get_ct(flow, &old_ct);
        if (flow->out_port != u->out_port
            || (u->journey && fx_ct_info_nat_differs(&old_ct, ct))) {
            /* The flow now goes elsewhere, or is translated to other
             * addresses: what went to the old output port, or was
             * translated the old way, is a record of its own. */
            flow_emit(cache, shard, flow, FX_END_OUTPUT_CHANGE, now,
                      &shard->expired);
            flow->out_port = u->out_port;
            made_records = true;
        }
        if (u->journey) {
            /* Conntrack's zone, mark and label of the last update; its
             * states, like TCP flags, all that were seen (+new and +est
             * of one connection, say): the order in which datapath flows
             * report is arbitrary. */
            struct fx_ct_info new_ct = *ct;

            new_ct.ct_state |= old_ct.ct_state;
            if (!(ct->flags & FX_CT_NAT) && old_ct.flags & FX_CT_NAT) {
                /* Keep the translation that the flow's other packets
                 * showed. */
                new_ct.flags |= FX_CT_NAT;
                new_ct.nat_src = old_ct.nat_src;
                new_ct.nat_dst = old_ct.nat_dst;
                new_ct.nat_tp_src = old_ct.nat_tp_src;
                new_ct.nat_tp_dst = old_ct.nat_tp_dst;
            }
            flow_set_ct(flow, &new_ct);
        }
    }
    flow_account(cache, shard, flow, &stats, now);

    shard->stats.n_updates++;
    shard->stats.packets += stats.n_packets;
    shard->stats.bytes += stats.n_bytes;
    return made_records;
}

/* Brings into the CPU cache, for the updates of 'batch', first their home
 * table slots, then the entries that their lookups will compare first or,
 * for a new flow, the entry its insert will take (both ends: an entry may
 * span two cache lines), so that applying them takes few cache misses that
 * are not overlapped. */
static void
batch_prefetch(struct fx_cache *cache, const struct fx_batch *batch)
    OVS_REQUIRES(cache->apply_mutex)
{
    const struct fx_update *u;

    BATCH_FOR_EACH (u, batch) {
        if (u->family == FX_UPDATE_NON_IP) {
            continue;
        }

        const struct fx_shard *shard = shard_for_hash(cache, u->hash);

        OVS_PREFETCH(fx_store_home_slot(&shard->store, u->hash));
    }
    BATCH_FOR_EACH (u, batch) {
        if (u->family == FX_UPDATE_NON_IP) {
            continue;
        }

        const struct fx_shard *shard = shard_for_hash(cache, u->hash);
        unsigned int class = flow_class(u->key_len, u->key_fields);
        uint32_t ref = fx_store_first_match(&shard->store, u->hash, class);

        const uint8_t *entry = (ref
                                ? fx_store_entry(&shard->store, ref)
                                : fx_store_next_insert(&shard->store, class));
        if (entry) {
            OVS_PREFETCH(entry);
            OVS_PREFETCH(entry + class * 8 - 1);
        }
    }
}

/* Applies every update of 'batch', in order, and empties it. */
static void
batch_apply(struct fx_cache *cache, struct fx_batch *batch)
    OVS_REQUIRES(cache->apply_mutex)
{
    bool made_records = false;
    const struct fx_update *u;

    batch_prefetch(cache, batch);
    size_t n = 0;
    BATCH_FOR_EACH (u, batch) {
        made_records |= update_apply(cache, u);
        n++;
    }
    cache->n_applied += n;
    batch->start = 0;
    batch->used = 0;
    if (made_records) {
        seq_change(cache->expired_seq);
    }
}

/* Returns an empty batch, from 'cache''s pool if it has one. */
static struct fx_batch *
batch_get(struct fx_cache *cache)
    OVS_REQUIRES(cache->queue_mutex)
{
    if (!ovs_list_is_empty(&cache->pool)) {
        return CONTAINER_OF(ovs_list_pop_front(&cache->pool),
                            struct fx_batch, list_node);
    }
    struct fx_batch *batch = xmalloc(sizeof *batch);
    batch->start = 0;
    batch->used = 0;
    return batch;
}

/* 'apply_mutex' for the owner, which goes first: the applier and threads
 * under back-pressure hold it for one batch at a time and let a waiting
 * owner take it next (apply_lock()).  The owner holds it for one shard's
 * work at a time (a sweep, a flush, an expiry), so that netflow_run()
 * waits for at most one batch per shard, however busy the update path is,
 * and the applier for at most one shard's work. */
static void
owner_apply_lock(struct fx_cache *cache)
    OVS_ACQUIRES(cache->apply_mutex)
{
    atomic_count_inc(&cache->owner_waiting);
    ovs_mutex_lock(&cache->apply_mutex);
    atomic_count_dec(&cache->owner_waiting);
}

/* 'apply_mutex' for any thread but the owner: after the owner, if it
 * waits for it.  (An owner that starts to wait just after the check waits
 * for one batch.) */
static void
apply_lock(struct fx_cache *cache)
    OVS_ACQUIRES(cache->apply_mutex)
{
    while (atomic_count_get(&cache->owner_waiting)) {
        sched_yield();
    }
    ovs_mutex_lock(&cache->apply_mutex);
}

/* Takes the oldest queued batch out of the queue and returns it, if there
 * is one and it was queued before batch number 'limit'; otherwise returns
 * NULL.  The caller must apply it before it releases 'apply_mutex': so
 * the holder of 'apply_mutex' knows that every batch that has left the
 * queue is applied. */
static struct fx_batch *
queue_pop(struct fx_cache *cache, uint64_t limit)
    OVS_REQUIRES(cache->apply_mutex)
{
    struct fx_batch *batch = NULL;

    ovs_mutex_lock(&cache->queue_mutex);
    if (!ovs_list_is_empty(&cache->queue)) {
        batch = CONTAINER_OF(ovs_list_front(&cache->queue),
                             struct fx_batch, list_node);
        if (batch->seqno < limit) {
            ovs_list_remove(&batch->list_node);
            cache->n_queued--;
        } else {
            batch = NULL;
        }
    }
    ovs_mutex_unlock(&cache->queue_mutex);
    return batch;
}

/* Applies 'batch' (from queue_pop()) and returns it to the pool. */
static void
queue_apply_one(struct fx_cache *cache, struct fx_batch *batch)
    OVS_REQUIRES(cache->apply_mutex)
{
    batch_apply(cache, batch);

    ovs_mutex_lock(&cache->queue_mutex);
    ovs_list_push_back(&cache->pool, &batch->list_node);
    ovs_mutex_unlock(&cache->queue_mutex);
}

/* Applies, oldest first, every queued batch that was queued before batch
 * number 'limit', and no other: batches that threads keep queuing while
 * it runs cannot hold the caller up. */
static void
queue_apply(struct fx_cache *cache, uint64_t limit)
    OVS_REQUIRES(cache->apply_mutex)
{
    struct fx_batch *batch;

    while ((batch = queue_pop(cache, limit))) {
        queue_apply_one(cache, batch);
    }
}

/* The applier thread: applies queued batches as they come, one per hold of
 * 'apply_mutex'. */
static void *
applier_main(void *cache_)
{
    struct fx_cache *cache = cache_;

    /* It never reads RCU-protected data: let RCU go on without it. */
    ovsrcu_quiesce_start();
    ovs_mutex_lock(&cache->queue_mutex);
    for (;;) {
        while (ovs_list_is_empty(&cache->queue) && !cache->applier_exit) {
            cache->applier_waiting = true;
            ovs_mutex_cond_wait(&cache->queue_cond, &cache->queue_mutex);
            cache->applier_waiting = false;
        }
        if (cache->applier_exit) {
            break;
        }
        ovs_mutex_unlock(&cache->queue_mutex);

        apply_lock(cache);
        struct fx_batch *batch = queue_pop(cache, UINT64_MAX);
        if (batch) {
            queue_apply_one(cache, batch);
        }
        ovs_mutex_unlock(&cache->apply_mutex);

        ovs_mutex_lock(&cache->queue_mutex);
    }
    ovs_mutex_unlock(&cache->queue_mutex);
    return NULL;
}

/* Appends 'batch' to the queue, without waking the applier. */
static void
queue_append(struct fx_cache *cache, struct fx_batch *batch)
    OVS_REQUIRES(cache->queue_mutex)
{
    batch->seqno = cache->next_seqno++;
    ovs_list_push_back(&cache->queue, &batch->list_node);
    cache->n_queued++;
}

/* Queues 'batch', waking the applier if it sleeps. */
static void
queue_push(struct fx_cache *cache, struct fx_batch *batch)
    OVS_REQUIRES(cache->queue_mutex)
{
    queue_append(cache, batch);
    if (!cache->applier_started) {
        cache->applier_started = true;
        cache->applier = ovs_thread_create("fx_apply", applier_main, cache);
    }
    if (cache->applier_waiting
        && cache->n_queued >= MIN(FX_WAKE_QUEUED, cache->max_queued)) {
        /* A wake-up is a system call, and a context switch for the
         * applier: only when it sleeps, and once per few batches. */
        xpthread_cond_signal(&cache->queue_cond);
    }
}

/* Hands the full batch of 'log' to the applier, leaving 'log' an empty
 * batch.  If FX_MAX_QUEUED batches already wait (back-pressure), first
 * applies the oldest queued batch here, which makes room for this one
 * (the queue may then hold one batch more than its bound, no more): the
 * calling thread pays for one batch, nothing is lost, and the queue stays
 * in order.  With no batch queued at all (a bound of 0), applies its own.
 * Queuing under the log's mutex keeps the batches of one thread in order
 * in the queue, and lets cache_drain() count on every update being in a
 * log, in the queue or applied. */
static void
log_hand_off(struct fx_cache *cache, struct fx_log *log)
    OVS_REQUIRES(log->mutex)
{
    /* What cache_drain() queued already is not queued again. */
    log->batch->start = log->drained;
    log->drained = 0;
    atomic_store_relaxed(&log->committed, 0);

    if (log->batch->start == log->batch->used) {
        log->batch->start = log->batch->used = 0;
        return;
    }

    ovs_mutex_lock(&cache->queue_mutex);
    if (cache->n_queued < cache->max_queued) {
        queue_push(cache, log->batch);
        log->batch = batch_get(cache);
        ovs_mutex_unlock(&cache->queue_mutex);
        return;
    }
    ovs_mutex_unlock(&cache->queue_mutex);

    COVERAGE_INC(fx_cache_backpressure);
    apply_lock(cache);
    struct fx_batch *oldest = queue_pop(cache, UINT64_MAX);
    if (oldest) {
        queue_apply_one(cache, oldest);
        ovs_mutex_lock(&cache->queue_mutex);
        queue_push(cache, log->batch);
        log->batch = batch_get(cache);
        ovs_mutex_unlock(&cache->queue_mutex);
    } else {
        batch_apply(cache, log->batch);
    }
    cache->n_backpressure++;
    ovs_mutex_unlock(&cache->apply_mutex);
}

/* Returns the update log of the calling thread for 'cache', creating it the
 * first time.  A small per-thread table, indexed by the cache's unique id,
 * remembers it: an entry of a destroyed cache never matches a live one. */
static struct fx_log *
cache_get_log(struct fx_cache *cache)
{
    struct fx_log_slot *slot = &fx_logs_get()->slots[cache->id
                                                     % FX_LOG_SLOTS];
    if (OVS_LIKELY(slot->cache_id == cache->id)) {
        return slot->log;
    }

    unsigned int self = ovsthread_id_self();
    struct fx_log *log;

    ovs_mutex_lock(&cache->logs_mutex);
    LIST_FOR_EACH (log, list_node, &cache->logs) {
        if (log->owner == self) {
            goto found;
        }
    }
    log = xzalloc(sizeof *log);
    ovs_mutex_init(&log->mutex);
    atomic_init(&log->committed, 0);
    log->owner = self;
    ovs_mutex_lock(&cache->queue_mutex);
    log->batch = batch_get(cache);
    ovs_mutex_unlock(&cache->queue_mutex);
    ovs_list_push_back(&cache->logs, &log->list_node);
found:
    ovs_mutex_unlock(&cache->logs_mutex);
    slot->cache_id = cache->id;
    slot->log = log;
    return log;
}

/* Makes sure that every update made before the call is applied: moves each
 * thread's partial batch to the queue, then applies the queue up to the
 * last of them (what was queued later was updated after the call began).
 * Batches that the applier or a thread under back-pressure took out of the
 * queue are applied once the owner holds 'apply_mutex' (see
 * queue_pop()). */
static void
cache_drain(struct fx_cache *cache)
    OVS_EXCLUDED(cache->apply_mutex)
{
    struct fx_log *log;

    ovs_mutex_lock(&cache->logs_mutex);
    LIST_FOR_EACH (log, list_node, &cache->logs) {
        ovs_mutex_lock(&log->mutex);

        size_t committed;
        atomic_read_explicit(&log->committed, &committed,
                             memory_order_acquire);
        if (committed > log->drained) {
            /* A copy, since the owning thread goes on appending to its
             * batch.  Beyond 'max_queued': the queue is applied right
             * below. */
            ovs_mutex_lock(&cache->queue_mutex);
            struct fx_batch *copy = batch_get(cache);
            copy->used = committed - log->drained;
            memcpy(copy->buf, (uint8_t *) log->batch->buf + log->drained,
                   copy->used);
            queue_append(cache, copy);
            ovs_mutex_unlock(&cache->queue_mutex);
            log->drained = committed;
        }
        ovs_mutex_unlock(&log->mutex);
    }
    ovs_mutex_unlock(&cache->logs_mutex);

    ovs_mutex_lock(&cache->queue_mutex);
    uint64_t limit = cache->next_seqno;
    ovs_mutex_unlock(&cache->queue_mutex);

    owner_apply_lock(cache);
    queue_apply(cache, limit);
    ovs_mutex_unlock(&cache->apply_mutex);
}

/* Credits 'stats' of traffic that matched 'flow' and was sent to 'out_port'.
 * Thread-safe. */
void
fx_cache_update(struct fx_cache *cache, const struct flow *flow,
                uint16_t out_port, const struct dpif_flow_stats *stats)
{
    fx_cache_update_journey(cache, flow, 0, NULL, out_port, stats);
}

/* Like fx_cache_update(), for the deciding pass of a journey: 'flow' is
 * the packet as it arrived at the first pass (see fx-tap.h), 'journey' its
 * FX_JOURNEY_* bits (0 for a flow without recirculation) and 'ct' (if
 * 'journey' is nonzero) what conntrack said in the deciding pass.
 *
 * Only logs the update, in the calling thread's batch for 'cache' (see
 * fx-cache.h): the key is extracted, packed and hashed here, from the
 * 'flow' the caller just used, and the rest is left to the applier. */
void
fx_cache_update_journey(struct fx_cache *cache, const struct flow *flow_,
                        uint8_t journey, const struct fx_ct_info *ct,
                        uint16_t out_port,
                        const struct dpif_flow_stats *stats)
{
    struct fx_key key;

    if (!stats->n_packets) {
        return;
    }
    uint32_t key_fields;
    atomic_read_relaxed(&cache->key_fields, &key_fields);

    /* No lock: only this thread writes past 'committed' (see struct
     * fx_log). */
    struct fx_log *log = cache_get_log(cache);
    struct fx_batch *batch = log->batch;
    struct fx_update *u = ALIGNED_CAST(struct fx_update *,
                                       (uint8_t *) batch->buf + batch->used);

    u->n_packets = stats->n_packets;
    u->n_bytes = stats->n_bytes;
    if (!fx_key_from_flow(flow_, key_fields, &key)) {
        COVERAGE_INC(fx_cache_non_ip);
        u->family = FX_UPDATE_NON_IP;
        u->journey = 0;
        u->key_len = 0;
    } else {
        key.journey = journey;
        u->family = (!fx_key_is_ip(&key) ? FX_UPDATE_MPLS
                     : fx_key_is_ipv4(&key) ? FX_UPDATE_IPV4
                     : FX_UPDATE_IPV6);
        u->journey = journey;
        u->key_fields = key_fields | (journey ? FX_KEY_JOURNEY : 0);
        u->key_len = fx_key_pack(&key, u->key_fields, u->key);
        u->out_port = out_port;
        u->tcp_flags = stats->tcp_flags;
        u->used = stats->used;
        u->now = time_msec();
        if (journey) {
            memcpy(&u->key[u->key_len], ct, sizeof *ct);
        }
        /* Last: hashing reads the key in words that span the narrower
         * stores that packed it, which cannot be forwarded from the store
         * buffer; right after packing, each load waited for them (half of
         * this function's time, measured with perf). */
        u->hash = packed_hash(u->key, u->key_len, u->key_fields);
    }
    batch->used += update_size(u);
    atomic_store_explicit(&log->committed, batch->used,
                          memory_order_release);
    if (batch->used > FX_BATCH_BYTES - FX_UPDATE_MAX) {
        ovs_mutex_lock(&log->mutex);
        log_hand_off(cache, log);
        ovs_mutex_unlock(&log->mutex);
    }
}

/* Removes or reports 'flow', whose reference in 'shard' is 'ref', if it is
 * due at 'now', appending the record to 'records'.  Returns when it will be
 * due next, LLONG_MAX if it was removed. */
static long long int
flow_expire(struct fx_cache *cache, struct fx_shard *shard,
            struct fx_flow *flow, uint32_t ref, long long int now,
            struct ovs_list *records)
    OVS_REQUIRES(cache->apply_mutex)
{
    const struct fx_cache_limits *limits = &cache->limits;
    enum fx_end_reason reason;
    long long int idle_due = (flow_last(flow, now)
                              + idle_timeout(limits, flow_idle_state(flow),
                                             &reason));
    if (now >= idle_due) {
        flow_remove(cache, shard, flow, ref, reason, now, records);
        return LLONG_MAX;
    }
    long long int next_due = idle_due;

    if (limits->max_life) {
        long long int life_due = flow_created(flow) + limits->max_life;

        if (now >= life_due) {
            flow_remove(cache, shard, flow, ref, FX_END_MAX_LIFE, now,
                        records);
            return LLONG_MAX;
        }
        next_due = MIN(next_due, life_due);
    }

    if (limits->active_timeout) {
        if (now - flow->started >= limits->active_timeout) {
            flow_emit(cache, shard, flow, FX_END_ACTIVE, now, records);
        }
        next_due = MIN(next_due, flow->started + limits->active_timeout);
    }
    return next_due;
}

static int
compare_due(const void *a_, const void *b_)
{
    const struct fx_due *a = a_;
    const struct fx_due *b = b_;

    return a->due < b->due ? -1 : a->due > b->due;
}

/* Sets 'shard->next_due' from its list of flows due soon and its horizon
 * (see the invariant at struct fx_shard). */
static void
shard_set_next_due(const struct fx_cache *cache, struct fx_shard *shard)
    OVS_REQUIRES(cache->apply_mutex)
{
    shard->next_due = (shard->next_soon < shard->n_soon
                       ? MIN(shard->horizon, shard->soon[shard->next_soon].due)
                       : shard->horizon);
}

/* Removes or reports every flow of 'shard' that is due at 'now', appending
 * the records to 'records'; lists the flows due within FX_SWEEP_WINDOW in
 * 'shard->soon' and sets 'shard->horizon' to the earliest time another
 * flow is due. */
static void
shard_sweep(struct fx_cache *cache, struct fx_shard *shard, long long int now,
            struct ovs_list *records)
    OVS_REQUIRES(cache->apply_mutex)
{
    long long int horizon = LLONG_MAX;
    struct fx_flow *flow;

    COVERAGE_INC(fx_cache_sweep);
    shard->stats.n_sweeps++;
    shard->n_soon = shard->next_soon = 0;
    FX_STORE_FOR_EACH (flow, ref, &shard->store) {
        long long int due = flow_expire(cache, shard, flow, ref, now,
                                        records);
        if (due - now < FX_SWEEP_WINDOW) {
            if (shard->n_soon >= shard->allocated_soon) {
                shard->soon = x2nrealloc(shard->soon, &shard->allocated_soon,
                                         sizeof *shard->soon);
            }
            shard->soon[shard->n_soon++] = (struct fx_due) { due, ref };
        } else {
            horizon = MIN(horizon, due);
        }
    }
    if (shard->n_soon > 1) {
        qsort(shard->soon, shard->n_soon, sizeof *shard->soon, compare_due);
    }
    shard->horizon = horizon;
    shard_set_next_due(cache, shard);

    /* Give memory back when many flows went. */
    fx_store_shrink(&shard->store);
    if (shard->n_soon < shard->allocated_soon / 4) {
        shard->allocated_soon = shard->n_soon;
        if (shard->n_soon) {
            shard->soon = xrealloc(shard->soon,
                                   shard->n_soon * sizeof *shard->soon);
        } else {
            free(shard->soon);
            shard->soon = NULL;
        }
    }
}

/* Removes or reports the flows of 'shard->soon' that are due at 'now',
 * before 'shard->horizon', appending the records to 'records'.  An entry
 * may name a flow that updates made due later, or a flow that replaced a
 * removed one under the same reference: either is looked at like any other
 * and, if due before the horizon, brings the horizon forward, because its
 * place in 'soon' is no longer its time. */
static void
expire_soon(struct fx_cache *cache, struct fx_shard *shard, long long int now,
            struct ovs_list *records)
    OVS_REQUIRES(cache->apply_mutex)
{
    while (shard->next_soon < shard->n_soon
           && now >= shard->soon[shard->next_soon].due) {
        uint32_t ref = shard->soon[shard->next_soon++].ref;

        if (fx_store_is_live(&shard->store, ref)) {
            long long int due = flow_expire(cache, shard,
                                            shard_flow(cache, shard, ref),
                                            ref, now, records);
            shard->horizon = MIN(shard->horizon, due);
        }
    }
    shard_set_next_due(cache, shard);
}

/* A flow that fx_cache_expire() may evict to enforce 'max_flows'. */
struct fx_victim {
    long long int last;
    uint32_t serial;
    uint32_t ref;
    struct fx_shard *shard;
};

/* Did 'a' have a packet more recently than 'b'?  Ties go by creation
 * order. */
static bool
victim_newer(const struct fx_victim *a, const struct fx_victim *b)
{
    return (a->last != b->last ? a->last > b->last
            : a->serial > b->serial);
}

static void
victim_swap(struct fx_victim *heap, size_t i, size_t j)
{
    struct fx_victim tmp = heap[i];

    heap[i] = heap[j];
    heap[j] = tmp;
}

/* Restores the heap order of the max-heap 'heap' of 'n' victims, most
 * recently used first, after its top was replaced. */
static void
victim_sift_down(struct fx_victim *heap, size_t n)
{
    for (size_t i = 0;;) {
        size_t l = 2 * i + 1, r = l + 1, top = i;

        if (l < n && victim_newer(&heap[l], &heap[top])) {
            top = l;
        }
        if (r < n && victim_newer(&heap[r], &heap[top])) {
            top = r;
        }
        if (top == i) {
            return;
        }
        victim_swap(heap, i, top);
        i = top;
    }
}

static void
victim_sift_up(struct fx_victim *heap, size_t i)
{
    while (i) {
        size_t parent = (i - 1) / 2;

        if (!victim_newer(&heap[i], &heap[parent])) {
            return;
        }
        victim_swap(heap, i, parent);
        i = parent;
    }
}

/* Evicts the least recently used flows, across all shards, until at most
 * 'max_flows' remain. */
static void
enforce_max_flows(struct fx_cache *cache, long long int now,
                  struct ovs_list *records)
    OVS_EXCLUDED(cache->apply_mutex)
{
    size_t n_flows;

    while ((n_flows = atomic_count_get(&cache->n_flows))
           > cache->limits.max_flows) {
        size_t n_over = n_flows - cache->limits.max_flows;
        struct fx_victim *heap = xmalloc(n_over * sizeof *heap);
        size_t n = 0;

        /* The 'n_over' least recently used flows. */
        for (size_t i = 0; i < FX_N_SHARDS; i++) {
            struct fx_shard *shard = &cache->shards[i];
            struct fx_flow *flow;

            owner_apply_lock(cache);
            FX_STORE_FOR_EACH (flow, ref, &shard->store) {
                struct fx_victim v = {
                    .last = flow_last(flow, now),
                    .serial = flow->serial,
                    .ref = ref,
                    .shard = shard,
                };
                if (n < n_over) {
                    heap[n] = v;
                    victim_sift_up(heap, n++);
                } else if (victim_newer(&heap[0], &v)) {
                    heap[0] = v;
                    victim_sift_down(heap, n);
                }
            }
            ovs_mutex_unlock(&cache->apply_mutex);
        }

        /* Evict those that are still there, with no newer packet since. */
        size_t n_evicted = 0;
        for (size_t i = 0; i < n; i++) {
            const struct fx_victim *v = &heap[i];
            struct fx_shard *shard = v->shard;

            owner_apply_lock(cache);
            if (fx_store_is_live(&shard->store, v->ref)) {
                struct fx_flow *flow = shard_flow(cache, shard, v->ref);

                if (flow->serial == v->serial
                    && flow_last(flow, now) == v->last) {
                    COVERAGE_INC(fx_cache_flow_evicted);
                    flow_remove(cache, shard, flow, v->ref, FX_END_EVICTED,
                                now, records);
                    n_evicted++;
                }
            }
            ovs_mutex_unlock(&cache->apply_mutex);
        }
        free(heap);
        if (!n_evicted) {
            break;
        }
    }
}

/* Appends to 'records' every record that is due at 'now': those made by
 * updates (evictions, output changes), inactive flows, flows that reached
 * their maximum life, and active flows whose active timeout passed.  The
 * caller owns the records. */
void
fx_cache_expire(struct fx_cache *cache, long long int now,
                struct ovs_list *records)
{
    cache_drain(cache);
    cache->expired_seqno = seq_read(cache->expired_seq);

    /* This runs every main loop iteration and nearly always has nothing to
     * do: the shards are looked at only when one may have work, under one
     * lock, released after each shard with work so that the applier waits
     * for one shard's work at most.  The applier may lower 'next_due'
     * meanwhile, also for shards already looked at. */
    owner_apply_lock(cache);
    if (cache->expired_pending || now >= cache->next_due) {
        cache->expired_pending = false;
        cache->next_due = LLONG_MAX;
        for (size_t i = 0; i < FX_N_SHARDS; i++) {
            struct fx_shard *shard = &cache->shards[i];

            if (!ovs_list_is_empty(&shard->expired)
                || now >= shard->next_due) {
                shard_take_expired(cache, shard, records);
                if (now >= shard->horizon) {
                    shard_sweep(cache, shard, now, records);
                } else if (now >= shard->next_due) {
                    expire_soon(cache, shard, now, records);
                }
                ovs_mutex_unlock(&cache->apply_mutex);
                owner_apply_lock(cache);
            }
            cache->next_due = MIN(cache->next_due, shard->next_due);
        }
    }
    ovs_mutex_unlock(&cache->apply_mutex);
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

    cache_drain(cache);
    for (size_t i = 0; i < FX_N_SHARDS; i++) {
        struct fx_shard *shard = &cache->shards[i];
        struct fx_flow *flow;

        owner_apply_lock(cache);
        shard_take_expired(cache, shard, records);
        FX_STORE_FOR_EACH (flow, ref, &shard->store) {
            flow_emit(cache, shard, flow, reason, now, records);
            atomic_count_dec(&cache->n_flows);
        }
        shard_clear(cache, shard);
        shard->next_due = shard->horizon = LLONG_MAX;
        ovs_mutex_unlock(&cache->apply_mutex);
    }
}

/* Ends every flow of 'cache' that came in through one of the 'n' OpenFlow
 * ports in 'ports' or went out to one, appending a record for each one
 * that had traffic to 'records', with end 'reason'.  Looks at every flow:
 * for rare events (a port that goes or changes identity). */
void
fx_cache_flush_ports(struct fx_cache *cache, const uint16_t *ports,
                     size_t n, enum fx_end_reason reason,
                     struct ovs_list *records)
{
    long long int now = time_msec();

    if (!n) {
        return;
    }
    cache_drain(cache);
    for (size_t i = 0; i < FX_N_SHARDS; i++) {
        struct fx_shard *shard = &cache->shards[i];
        struct fx_flow *flow;

        owner_apply_lock(cache);
        shard_take_expired(cache, shard, records);
        FX_STORE_FOR_EACH (flow, ref, &shard->store) {
            uint16_t in_port;

            /* The packed key starts with the ingress port. */
            memcpy(&in_port, flow->key, sizeof in_port);
            for (size_t j = 0; j < n; j++) {
                if (in_port == ports[j] || flow->out_port == ports[j]) {
                    flow_remove(cache, shard, flow, ref, reason, now,
                                records);
                    break;
                }
            }
        }
        ovs_mutex_unlock(&cache->apply_mutex);
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
    cache_drain(cache);
    owner_apply_lock(cache);
    stats->n_backpressure = cache->n_backpressure;
    ovs_mutex_unlock(&cache->apply_mutex);
    for (size_t i = 0; i < FX_N_SHARDS; i++) {
        struct fx_shard *shard = &cache->shards[i];
        const struct fx_cache_stats *s = &shard->stats;

        owner_apply_lock(cache);
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
        stats->n_dropped += s->n_dropped;
        stats->dropped_packets += s->dropped_packets;
        stats->dropped_bytes += s->dropped_bytes;
        stats->n_sweeps += s->n_sweeps;
        stats->memory += (fx_store_memory(&shard->store)
                          + shard->allocated_soon * sizeof *shard->soon);
        ovs_mutex_unlock(&cache->apply_mutex);
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

    cache_drain(cache);
    for (size_t i = 0; i < FX_N_SHARDS; i++) {
        struct fx_shard *shard = &cache->shards[i];
        struct fx_flow *flow;

        owner_apply_lock(cache);
        FX_STORE_FOR_EACH (flow, ref, &shard->store) {
            struct fx_record rec = {
                .out_port = flow->out_port,
                .tcp_flags = flow->tcp_flags,
                .packets = flow->packets,
                .bytes = flow->bytes,
            };

            flow_get_key(flow, &rec.key);
            flow_get_ct(flow, &rec.ct);
            fx_record_format(&rec, s);
            ds_put_format(s, " age=%lldms idle=%lldms\n",
                          now - flow->started,
                          now - flow_last(flow, now));
        }
        ovs_mutex_unlock(&cache->apply_mutex);
    }
}

/* For tests: lets at most 'max_queued' full batches wait for the applier,
 * so that back-pressure is easy to reach. */
void
fx_cache_set_max_queued(struct fx_cache *cache, size_t max_queued)
{
    ovs_mutex_lock(&cache->queue_mutex);
    cache->max_queued = max_queued;
    ovs_mutex_unlock(&cache->queue_mutex);
}

/* Returns the number of bytes one cached flow with 'key', made with key
 * parts 'fields', occupies in its arena, excluding the hash table slot
 * (8 bytes per slot, at most 3/4 of the slots used). */
size_t
fx_cache_flow_size(const struct fx_key *key, uint32_t fields)
{
    uint8_t buf[FX_KEY_PACKED_MAX];

    if (key->journey) {
        fields |= FX_KEY_JOURNEY;
    }
    return flow_class(fx_key_pack(key, fields, buf), fields) * 8;
}
