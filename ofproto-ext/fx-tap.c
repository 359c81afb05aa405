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

/* The datapath tap: flowexport's definitions of all ten functions of OVS's
 * ofproto/netflow.h, plus the configuration and inspection interface the
 * vswitchd plugin uses.  See fx-tap.h. */

#include <config.h>
#include "fx-tap.h"

#include <limits.h>
#include <string.h>
#include "coverage.h"
#include "dpif.h"
#include "flow.h"
#include "fx-cache.h"
#include "fx-defaults.h"
#include "fx-exporter.h"
#include "fx-iftable.h"
#include "ofproto/netflow.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/vlog.h"
#include "ovs-atomic.h"
#include "ovs-thread.h"
#include "openvswitch/poll-loop.h"
#include "seq.h"
#include "timeval.h"
#include "util.h"
#include "uuid.h"

VLOG_DEFINE_THIS_MODULE(fx_tap);

COVERAGE_DEFINE(fx_tap_flow_clear);
COVERAGE_DEFINE(fx_tap_held_back);
COVERAGE_DEFINE(fx_tap_journey_update);
COVERAGE_DEFINE(fx_tap_finished_later);

BUILD_ASSERT_DECL(FX_DEFAULT_NETFLOW_ACTIVE_TIMEOUT_S
                  == NF_ACTIVE_TIMEOUT_DEFAULT);

/* The cache's limits until an exporter asks for others. */
static const struct fx_cache_limits default_limits = {
    .active_timeout = FX_DEFAULT_NETFLOW_ACTIVE_TIMEOUT_S * 1000LL,
    .inactive_timeout = FX_DEFAULT_INACTIVE_TIMEOUT_S * 1000LL,
    .max_flows = FX_DEFAULT_MAX_FLOWS,
};

/* Protects the list of taps and their 'key_fields'.
 *
 * Lock order: a tap's 'mutex', then 'taps_mutex' (fx_tap_configure());
 * never the other way.  'dying_mutex' is taken alone.  The cache's shard
 * locks are innermost: the cache takes them itself, and calls nothing
 * back. */
static struct ovs_mutex taps_mutex = OVS_MUTEX_INITIALIZER;

struct netflow {
    struct ovs_refcount ref_cnt;
    struct fx_cache *cache;             /* Thread-safe by itself. */
    char *name;                         /* Bridge name, for messages. */
    struct uuid ofproto_uuid OVS_GUARDED_BY(taps_mutex); /* Its bridge's
                                                          * ofproto. */
    struct ovs_list list_node OVS_GUARDED_BY(taps_mutex); /* In 'taps'. */
    uint32_t key_fields OVS_GUARDED_BY(taps_mutex); /* The cache's. */

    /* Exporters.  Used from the main thread only (see netflow_unref()). */
    struct ovs_mutex mutex;
    struct fx_exporter **exporters OVS_GUARDED;
    size_t n_exporters OVS_GUARDED;
    struct fx_iftable *iftable OVS_GUARDED;     /* The bridge's ports. */
    long long int iftable_retention OVS_GUARDED; /* How long replaced port
                                                  * identities are kept. */
};

/* Port identities replaced at time T are kept until T plus the cache's
 * inactive timeout plus this: until no flow cached before T can make a
 * record any more (its last packet was before T, so the inactive timeout
 * ends it; the cache's expiry runs at least every second, a record may
 * wait for its reverse direction up to 2 s in a biflow exporter, and the
 * datapath pushes statistics up to about a second late). */
#define FX_IFTABLE_GRACE 10000

/* Taps whose last reference went in another thread than the main one
 * (e.g. the RCU thread clearing an xlate cache after the bridge went
 * away): the main thread finishes them in fx_tap_reap(), since exporting,
 * sending and the transports' lingering belong to it. */
static struct ovs_mutex dying_mutex = OVS_MUTEX_INITIALIZER;
static struct ovs_list dying OVS_GUARDED_BY(dying_mutex)
    = OVS_LIST_INITIALIZER(&dying);
static struct seq *dying_seq;    /* Changes when a tap joins 'dying'. */
static uint64_t reaped_seqno;   /* 'dying_seq' at the last fx_tap_reap(),
                                 * main thread only. */

/* The thread that ran the program's constructors: the main thread. */
static pthread_t main_thread;

OVS_CONSTRUCTOR(fx_tap_init) {
    main_thread = pthread_self();
    dying_seq = seq_create();
}

/* Number of taps in existence, for netflow_exists(). */
static atomic_count n_taps = ATOMIC_COUNT_INIT(0);

/* Every tap, with the key fields of its cache. */
static struct ovs_list taps OVS_GUARDED_BY(taps_mutex)
    = OVS_LIST_INITIALIZER(&taps);

/* The finest key fields (FX_KEY_*) of all taps: they are un-wildcarded in
 * every datapath flow, since netflow_mask_wc() does not say which bridge it
 * is for.  Un-wildcarding too much is safe; too little is not, so it is
 * made finer before a tap's cache is (see fx_tap_refine_key()) and coarser
 * only after.
 *
 * Handler threads read it relaxed, in netflow_mask_wc().  What orders that
 * read after a refinement is not this variable but the caller of
 * fx_tap_refine_key(): it then runs udpif_flush() (vswitchd-plugin), which
 * joins every handler and revalidator thread, deletes the datapath flows
 * made with the coarser mask and starts new threads, so every translation
 * after it sees the finer fields (thread creation orders memory); only
 * then is the cache refined (fx_tap_configure()).  A coarser value may be
 * seen late, which un-wildcards too much for a while: safe. */
static atomic_uint32_t all_key_fields = ATOMIC_VAR_INIT(0);

/* Recomputes 'all_key_fields' from the taps that exist. */
static void
update_all_key_fields(void)
    OVS_REQUIRES(taps_mutex)
{
    const struct netflow *nf;
    uint32_t fields = 0;
    bool first = true;

    LIST_FOR_EACH (nf, list_node, &taps) {
        fields = first ? nf->key_fields
                 : fx_key_fields_finest(fields, nf->key_fields);
        first = false;
    }
    atomic_store_relaxed(&all_key_fields, fields);
}

void
fx_tap_set_nat_lookup(fx_nat_lookup_func *lookup)
{
    fx_cache_set_nat_lookup(lookup);
}

/* Exports 'records' to every exporter of 'nf' and frees them.  'drain'
 * means that the cache is empty: no record waits for another one. */
static void
fx_tap_export__(struct netflow *nf, struct ovs_list *records, bool drain)
    OVS_REQUIRES(nf->mutex)
{
    if (!ovs_list_is_empty(records) || drain) {
        for (size_t i = 0; i < nf->n_exporters; i++) {
            fx_exporter_export(nf->exporters[i], records, drain);
        }
        fx_record_list_free(records);
    }
}

static void
fx_tap_flush__(struct netflow *nf, enum fx_end_reason reason)
    OVS_REQUIRES(nf->mutex)
{
    struct ovs_list records = OVS_LIST_INITIALIZER(&records);

    fx_cache_flush(nf->cache, reason, &records);

    /* Every flow has ended: no reverse direction is coming. */
    fx_tap_export__(nf, &records, true);
}

/* The ten functions of ofproto/netflow.h. */

struct netflow *
netflow_create(void)
    OVS_EXCLUDED(taps_mutex)
{
    struct netflow *nf = xzalloc(sizeof *nf);

    ovs_refcount_init(&nf->ref_cnt);
    nf->cache = fx_cache_create();
    fx_cache_set_limits(nf->cache, &default_limits);
    nf->name = xstrdup("(unnamed)");
    ovs_mutex_init(&nf->mutex);

    /* Nothing else can see 'nf' yet, but its guarded members are written
     * under their mutex all the same (clang's -Wthread-safety checks). */
    ovs_mutex_lock(&nf->mutex);
    nf->iftable = fx_iftable_create();
    nf->iftable_retention = (default_limits.inactive_timeout
                             + FX_IFTABLE_GRACE);
    ovs_mutex_unlock(&nf->mutex);
    atomic_count_inc(&n_taps);

    ovs_mutex_lock(&taps_mutex);
    nf->key_fields = 0;
    ovs_list_push_back(&taps, &nf->list_node);
    update_all_key_fields();
    ovs_mutex_unlock(&taps_mutex);
    return nf;
}

struct netflow *
netflow_ref(const struct netflow *nf_)
{
    struct netflow *nf = CONST_CAST(struct netflow *, nf_);

    if (nf) {
        ovs_refcount_ref(&nf->ref_cnt);
    }
    return nf;
}

/* Exports whatever 'nf' still holds and frees it.  Main thread only. */
static void
fx_tap_finish(struct netflow *nf)
    OVS_EXCLUDED(nf->mutex)
{
    ovs_mutex_lock(&nf->mutex);
    fx_tap_flush__(nf, FX_END_SHUTDOWN);
    for (size_t i = 0; i < nf->n_exporters; i++) {
        fx_exporter_destroy(nf->exporters[i]);
    }
    free(nf->exporters);
    fx_iftable_destroy(nf->iftable);
    ovs_mutex_unlock(&nf->mutex);

    fx_cache_destroy(nf->cache);
    ovs_mutex_destroy(&nf->mutex);
    free(nf->name);
    free(nf);
    atomic_count_dec(&n_taps);
}

/* The last reference may be dropped in any thread, e.g. by the RCU thread
 * clearing an xlate cache after the bridge went away.  The tap leaves the
 * list of taps at once (nothing can find it any more); whatever its cache
 * still holds is exported when it is finished: at once in the main thread,
 * otherwise by the main thread's next fx_tap_reap(). */
void
netflow_unref(struct netflow *nf)
    OVS_EXCLUDED(taps_mutex, dying_mutex, nf->mutex)
{
    if (nf && ovs_refcount_unref_relaxed(&nf->ref_cnt) == 1) {
        ovs_mutex_lock(&taps_mutex);
        ovs_list_remove(&nf->list_node);
        update_all_key_fields();
        ovs_mutex_unlock(&taps_mutex);

        if (pthread_equal(pthread_self(), main_thread)) {
            fx_tap_finish(nf);
        } else {
            COVERAGE_INC(fx_tap_finished_later);
            ovs_mutex_lock(&dying_mutex);
            ovs_list_push_back(&dying, &nf->list_node);
            ovs_mutex_unlock(&dying_mutex);
            seq_change(dying_seq);
        }
    }
}

/* Finishes the taps whose last reference went in other threads.  Main
 * thread only, from its loop and before exiting. */
void
fx_tap_reap(void)
    OVS_EXCLUDED(dying_mutex)
{
    struct ovs_list finish = OVS_LIST_INITIALIZER(&finish);
    struct netflow *nf;

    /* Read before taking the list: a tap queued after this is announced by
     * a change that fx_tap_reap_wait() sees. */
    reaped_seqno = seq_read(dying_seq);
    ovs_mutex_lock(&dying_mutex);
    ovs_list_push_back_all(&finish, &dying);
    ovs_mutex_unlock(&dying_mutex);

    LIST_FOR_EACH_POP (nf, list_node, &finish) {
        fx_tap_finish(nf);
    }
}

void
fx_tap_reap_wait(void)
{
    seq_wait(dying_seq, reaped_seqno);
}

bool
netflow_exists(void)
{
    return atomic_count_get(&n_taps) > 0;
}

int
netflow_set_options(struct netflow *nf OVS_UNUSED,
                    const struct netflow_options *options OVS_UNUSED)
{
    return 0;
}

void
netflow_run(struct netflow *nf)
    OVS_EXCLUDED(nf->mutex)
{
    struct ovs_list records = OVS_LIST_INITIALIZER(&records);

    fx_cache_expire(nf->cache, time_msec(), &records);

    ovs_mutex_lock(&nf->mutex);
    fx_tap_export__(nf, &records, false);
    for (size_t i = 0; i < nf->n_exporters; i++) {
        fx_exporter_run(nf->exporters[i]);
    }
    fx_iftable_expire(nf->iftable, time_msec(), nf->iftable_retention);
    ovs_mutex_unlock(&nf->mutex);
}

void
netflow_wait(struct netflow *nf)
    OVS_EXCLUDED(nf->mutex)
{
    fx_cache_wait(nf->cache);

    ovs_mutex_lock(&nf->mutex);
    for (size_t i = 0; i < nf->n_exporters; i++) {
        fx_exporter_wait(nf->exporters[i]);
    }
    ovs_mutex_unlock(&nf->mutex);
}

void
netflow_mask_wc(const struct flow *flow, struct flow_wildcards *wc)
{
    uint32_t fields;

    atomic_read_relaxed(&all_key_fields, &fields);
    fx_key_mask_wc(flow, fields, wc);
}

void
netflow_flow_clear(struct netflow *nf OVS_UNUSED,
                   const struct flow *flow OVS_UNUSED)
{
    COVERAGE_INC(fx_tap_flow_clear);
}

/* The innermost translation of this thread whose netflow_flow_update() is
 * held back (see fx-tap.h). */
DEFINE_STATIC_PER_THREAD_DATA(struct fx_tap_deferred *, fx_deferred, NULL);

void
fx_tap_defer_begin(struct fx_tap_deferred *d)
{
    struct fx_tap_deferred **top = fx_deferred_get();

    d->up = *top;
    d->nf = NULL;
    *top = d;
}

/* Ends the translation that 'd' began; if 'apply', makes the update that
 * it held back, if any. */
void
fx_tap_defer_end(struct fx_tap_deferred *d, bool apply)
{
    struct fx_tap_deferred **top = fx_deferred_get();

    ovs_assert(*top == d);
    *top = d->up;
    if (d->nf) {
        if (apply) {
            netflow_flow_update(d->nf, &d->flow, d->iface, &d->stats);
        } else {
            COVERAGE_INC(fx_tap_held_back);
        }
    }
}

/* OVS calls this with the tap it got from the flow's bridge; 'nf' is NULL
 * for an xlate cache entry whose pass recirculated (fx-xlate.c took its
 * tap away): a later pass counts its packets.  A 'flow' with a nonzero
 * 'recirc_id' is a 'struct fx_journey': OVS never calls us for a
 * recirculated pass itself. */
void
netflow_flow_update(struct netflow *nf, const struct flow *flow,
                    ofp_port_t output_iface,
                    const struct dpif_flow_stats *stats)
{
    struct fx_tap_deferred *d = *fx_deferred_get();

    if (!nf) {
        return;
    }
    if (d && !d->nf) {
        d->nf = nf;
        d->flow = *flow;
        d->iface = output_iface;
        d->stats = *stats;
        return;
    }
    if (flow->recirc_id) {
        const struct fx_journey *j = CONTAINER_OF(flow, struct fx_journey,
                                                  flow);

        fx_tap_journey_update(nf, j, output_iface, stats);
    } else {
        fx_cache_update(nf->cache, flow, ofp_to_u16(output_iface), stats);
    }
}

void
fx_tap_journey_update(struct netflow *nf, const struct fx_journey *j,
                      ofp_port_t out, const struct dpif_flow_stats *stats)
{
    COVERAGE_INC(fx_tap_journey_update);
    fx_cache_update_journey(nf->cache, &j->flow, j->journey, &j->ct,
                            ofp_to_u16(out), stats);
}

/* Patch links between bridges, both ways (see fx-tap.h). */
static struct ovs_mutex patch_mutex = OVS_MUTEX_INITIALIZER;
static struct fx_patch_link *patch_links OVS_GUARDED_BY(patch_mutex);
static size_t n_patch_links OVS_GUARDED_BY(patch_mutex);
static atomic_count n_patch_links_any = ATOMIC_COUNT_INIT(0); /* Lock-free
                                                              * copy. */

/* Are any bridges linked by patch ports?  Translations look for a way
 * between bridges only then. */
bool
fx_tap_has_patch_links(void)
{
    return atomic_count_get(&n_patch_links_any) > 0;
}

/* Replaces the patch links by the 'n' in 'links' (each once: the reverse
 * is added here).  Returns true if they changed. */
bool
fx_tap_set_patch_links(const struct fx_patch_link *links, size_t n)
    OVS_EXCLUDED(patch_mutex)
{
    struct fx_patch_link *both = xcalloc(MAX(2 * n, 1), sizeof *both);

    for (size_t i = 0; i < n; i++) {
        both[2 * i] = links[i];
        both[2 * i + 1] = (struct fx_patch_link) {
            .from = links[i].to, .from_port = links[i].to_port,
            .to = links[i].from, .to_port = links[i].from_port,
        };
    }

    ovs_mutex_lock(&patch_mutex);
    bool changed = (2 * n != n_patch_links
                    || (n && memcmp(both, patch_links,
                                    2 * n * sizeof *both)));
    free(patch_links);
    patch_links = both;
    n_patch_links = 2 * n;
    atomic_count_set(&n_patch_links_any, 2 * n);
    ovs_mutex_unlock(&patch_mutex);
    return changed;
}

/* Finds the shortest way through patch links from bridge 'from' to bridge
 * 'to', stores its hops in 'path' and returns their number, 0 if there is
 * none (or 'from' is 'to').  Any thread. */
size_t
fx_tap_patch_path(const struct uuid *from, const struct uuid *to,
                  struct fx_patch_link path[FX_PATCH_MAX_HOPS])
    OVS_EXCLUDED(patch_mutex)
{
    size_t n_hops = 0;

    if (uuid_equals(from, to)) {
        return 0;
    }

    ovs_mutex_lock(&patch_mutex);
    /* Breadth-first over the links: few bridges, few patch ports. */
    size_t n = n_patch_links;
    int *prev = xmalloc(MAX(n, 1) * sizeof *prev);
    int *queue = xmalloc(MAX(n, 1) * sizeof *queue);
    bool *seen = xcalloc(MAX(n, 1), sizeof *seen);
    size_t head = 0, tail = 0;
    int found = -1;

    for (size_t i = 0; i < n; i++) {
        if (uuid_equals(&patch_links[i].from, from)) {
            seen[i] = true;
            prev[i] = -1;
            queue[tail++] = i;
        }
    }
    while (head < tail && found < 0) {
        int cur = queue[head++];

        if (uuid_equals(&patch_links[cur].to, to)) {
            found = cur;
            break;
        }
        for (size_t i = 0; i < n; i++) {
            if (!seen[i]
                && uuid_equals(&patch_links[i].from, &patch_links[cur].to)
                && !uuid_equals(&patch_links[i].to, from)) {
                seen[i] = true;
                prev[i] = cur;
                queue[tail++] = i;
            }
        }
    }
    if (found >= 0) {
        for (int i = found; i >= 0; i = prev[i]) {
            n_hops++;
        }
        if (n_hops > FX_PATCH_MAX_HOPS) {
            n_hops = 0;
        } else {
            size_t k = n_hops;

            for (int i = found; i >= 0; i = prev[i]) {
                path[--k] = patch_links[i];
            }
        }
    }
    free(prev);
    free(queue);
    free(seen);
    ovs_mutex_unlock(&patch_mutex);
    return n_hops;
}

/* Configuration and inspection, for the vswitchd plugin. */

/* Tells 'nf' the uuid of its bridge's ofproto, by which a recirculated
 * pass names its bridge. */
void
fx_tap_set_uuid(struct netflow *nf, const struct uuid *uuid)
    OVS_EXCLUDED(taps_mutex)
{
    ovs_mutex_lock(&taps_mutex);
    nf->ofproto_uuid = *uuid;
    ovs_mutex_unlock(&taps_mutex);
}

/* Returns a reference to the tap of the bridge whose ofproto has 'uuid',
 * or NULL.  Any thread.  The caller must netflow_unref() it. */
struct netflow *
fx_tap_find_by_uuid(const struct uuid *uuid)
    OVS_EXCLUDED(taps_mutex)
{
    struct netflow *found = NULL;
    struct netflow *nf;

    ovs_mutex_lock(&taps_mutex);
    LIST_FOR_EACH (nf, list_node, &taps) {
        /* A tap whose last reference is going stays in the list until it
         * is freed, which needs this mutex: try_ref tells. */
        if (uuid_equals(&nf->ofproto_uuid, uuid)
            && ovs_refcount_try_ref_rcu(&nf->ref_cnt)) {
            found = nf;
            break;
        }
    }
    ovs_mutex_unlock(&taps_mutex);
    return found;
}

void
fx_tap_set_name(struct netflow *nf, const char *name)
{
    if (strcmp(nf->name, name)) {
        free(nf->name);
        nf->name = xstrdup(name);
    }
}

/* Returns the smaller of 'a' and 'b', where 0 means "not set". */
static long long int
min_nonzero(long long int a, long long int b)
{
    return !a ? b : !b ? a : MIN(a, b);
}

/* Cache limits that satisfy every exporter: the shortest timeouts, maximum
 * life and flow limit asked for, and the finest key.  Without exporters,
 * the defaults. */
static void
fx_tap_combine_limits(const struct fx_exporter_options *options, size_t n,
                      struct fx_cache_limits *limits)
{
    if (!n) {
        *limits = default_limits;
        return;
    }

    *limits = (struct fx_cache_limits) {
        .inactive_timeout = LLONG_MAX,
        .max_flows = SIZE_MAX,
    };
    for (size_t i = 0; i < n; i++) {
        const struct fx_exporter_options *o = &options[i];

        limits->active_timeout = min_nonzero(limits->active_timeout,
                                             o->active_timeout);
        limits->inactive_timeout = MIN(limits->inactive_timeout,
                                       o->inactive_timeout);
        limits->tcp_fin_timeout = min_nonzero(limits->tcp_fin_timeout,
                                              o->tcp_fin_timeout);
        limits->tcp_rst_timeout = min_nonzero(limits->tcp_rst_timeout,
                                              o->tcp_rst_timeout);
        limits->max_life = min_nonzero(limits->max_life, o->max_life);
        limits->max_flows = MIN(limits->max_flows, o->max_flows);
        limits->key_fields = (i ? fx_key_fields_finest(limits->key_fields,
                                                       o->encoder.key_fields)
                              : o->encoder.key_fields);
    }
}

/* Returns true if reconfiguring from the current exporters of 'nf' to the
 * 'n' 'options' must end the cached flows first: when an exporter goes away
 * (it exports what it holds) or changes protocol or flow key (records
 * already cached belong to the old one).  Other changes (timeouts,
 * targets, limits, sampling, template settings) keep the cache and its
 * counters. */
static bool
fx_tap_reconfigure_needs_flush(const struct netflow *nf,
                               const struct fx_exporter_options *options,
                               size_t n)
    OVS_REQUIRES(nf->mutex)
{
    for (size_t i = 0; i < nf->n_exporters; i++) {
        const struct fx_exporter_options *old
            = fx_exporter_get_options(nf->exporters[i]);
        bool kept = false;

        for (size_t j = 0; j < n; j++) {
            if (!strcmp(options[j].name, old->name)
                && options[j].protocol == old->protocol
                && (options[j].encoder.key_fields
                    == old->encoder.key_fields)) {
                kept = true;
                break;
            }
        }
        if (!kept) {
            return true;
        }
    }
    return false;
}

/* Replaces the exporters of 'nf' by ones for the 'n' 'options'.  Nothing
 * happens if they are unchanged. */
void
fx_tap_configure(struct netflow *nf,
                 const struct fx_exporter_options *options, size_t n)
    OVS_EXCLUDED(nf->mutex, taps_mutex)
{
    ovs_mutex_lock(&nf->mutex);
    bool changed = n != nf->n_exporters;
    for (size_t i = 0; !changed && i < n; i++) {
        changed = !fx_exporter_options_equal(
            &options[i], fx_exporter_get_options(nf->exporters[i]));
    }

    if (changed) {
        struct fx_cache_limits limits;
        bool flush = fx_tap_reconfigure_needs_flush(nf, options, n);

        VLOG_INFO("%s: flow export reconfigured (%"PRIuSIZE" exporters%s)",
                  nf->name, n, flush ? ", cached flows exported" : "");
        if (flush) {
            fx_tap_flush__(nf, FX_END_RECONFIGURE);
        }

        /* An exporter whose change is only the cache's (timeouts, limits)
         * stays as it is: rebuilding it would drop its connections, their
         * queues and its statistics. */
        struct fx_exporter **old = nf->exporters;
        size_t n_old = nf->n_exporters;
        struct fx_exporter **kept = xcalloc(n, sizeof *kept);
        for (size_t i = 0; i < n; i++) {
            for (size_t j = 0; j < n_old; j++) {
                if (old[j] && fx_exporter_reconfigure(old[j], &options[i])) {
                    kept[i] = old[j];
                    old[j] = NULL;
                    break;
                }
            }
        }
        for (size_t j = 0; j < n_old; j++) {
            fx_exporter_destroy(old[j]);
        }
        free(old);

        nf->exporters = xcalloc(n, sizeof *nf->exporters);
        nf->n_exporters = 0;
        for (size_t i = 0; i < n; i++) {
            struct fx_exporter *e = kept[i];
            if (!e) {
                e = fx_exporter_create(&options[i]);
                if (e) {
                    fx_exporter_set_iftable(e, nf->iftable);
                }
            }
            if (e) {
                nf->exporters[nf->n_exporters++] = e;
            } else {
                VLOG_ERR("%s: %s: protocol %s is not supported",
                         nf->name, options[i].name,
                         fx_protocol_to_string(options[i].protocol));
            }
        }
        free(kept);
        fx_tap_combine_limits(options, n, &limits);
        fx_cache_set_limits(nf->cache, &limits);
        nf->iftable_retention = limits.inactive_timeout + FX_IFTABLE_GRACE;

        ovs_mutex_lock(&taps_mutex);
        nf->key_fields = limits.key_fields;
        update_all_key_fields();
        ovs_mutex_unlock(&taps_mutex);
    }
    ovs_mutex_unlock(&nf->mutex);
}

/* Prepares 'nf' for being configured with the 'n' 'options': if its cache
 * will then track something it does not track now (an optional key part,
 * or a finer track level), makes datapath flows match on it from now on
 * and returns true.  The caller must then make the datapath push the
 * statistics of its flows that were made with the coarser mask, and delete
 * them, before fx_tap_configure(): their statistics would otherwise be
 * credited to the key of whatever packet made each of them. */
bool
fx_tap_refine_key(struct netflow *nf,
                  const struct fx_exporter_options *options, size_t n)
    OVS_EXCLUDED(taps_mutex)
{
    struct fx_cache_limits limits;
    bool refines;

    fx_tap_combine_limits(options, n, &limits);
    ovs_mutex_lock(&taps_mutex);
    refines = (fx_key_fields_finest(nf->key_fields, limits.key_fields)
               != nf->key_fields);
    if (refines) {
        uint32_t all;

        atomic_read_relaxed(&all_key_fields, &all);
        atomic_store_relaxed(&all_key_fields,
                             fx_key_fields_finest(all, limits.key_fields));
    }
    ovs_mutex_unlock(&taps_mutex);
    return refines;
}

/* Ends every cached flow now, with 'reason', and exports the records. */
void
fx_tap_flush(struct netflow *nf, enum fx_end_reason reason)
    OVS_EXCLUDED(nf->mutex)
{
    ovs_mutex_lock(&nf->mutex);
    fx_tap_flush__(nf, reason);
    ovs_mutex_unlock(&nf->mutex);
}

/* Destroys the exporters of 'nf' (at exit, after the cache was exported):
 * their transports then send what they still have queued without them. */
void
fx_tap_remove_exporters(struct netflow *nf)
    OVS_EXCLUDED(nf->mutex)
{
    ovs_mutex_lock(&nf->mutex);
    for (size_t i = 0; i < nf->n_exporters; i++) {
        fx_exporter_destroy(nf->exporters[i]);
    }
    nf->n_exporters = 0;
    ovs_mutex_unlock(&nf->mutex);
}

/* Do records of 'nf' depend on who is behind their ports: some exporter
 * puts the ports' identities into records, or tunnel types (which come
 * from the ingress port's type)? */
static bool
fx_tap_looks_up_ports(const struct netflow *nf)
    OVS_REQUIRES(nf->mutex)
{
    for (size_t i = 0; i < nf->n_exporters; i++) {
        const struct fx_exporter_options *o
            = fx_exporter_get_options(nf->exporters[i]);

        if (o->encoder.port_identity
            || o->encoder.key_fields & FX_KEY_TUNNEL) {
            return true;
        }
    }
    return false;
}

/* Makes the 'n' ports in 'ports' the ports of the bridge of 'nf'.
 * Returns true if they changed; the exporters then send the interface
 * table again. */
bool
fx_tap_set_ports(struct netflow *nf, const struct fx_port_info *ports,
                 size_t n)
    OVS_EXCLUDED(nf->mutex)
{
    ovs_mutex_lock(&nf->mutex);
    bool changed = fx_iftable_set(nf->iftable, ports, n, time_msec());
    if (changed && fx_tap_looks_up_ports(nf)) {
        /* A record carries the identity its ports had at its last packet.
         * End the flows of the ports that changed, so that no record
         * mixes traffic of two identities (a port number taken by another
         * interface that sends the same flow, say).  Traffic the datapath
         * still reports for them starts new flows, whose records get the
         * right identity from the time of their packets. */
        struct ovs_list records = OVS_LIST_INITIALIZER(&records);
        size_t n_changed;
        const uint16_t *changed_ports
            = fx_iftable_changed_ports(nf->iftable, &n_changed);

        fx_cache_flush_ports(nf->cache, changed_ports, n_changed,
                             FX_END_RECONFIGURE, &records);
        fx_tap_export__(nf, &records, false);
    }
    if (changed) {
        VLOG_DBG("%s: interface table changed (%"PRIuSIZE" ports)",
                 nf->name, n);
    }
    ovs_mutex_unlock(&nf->mutex);
    return changed;
}

size_t
fx_tap_n_exporters(const struct netflow *nf_)
    OVS_EXCLUDED(nf_->mutex)
{
    struct netflow *nf = CONST_CAST(struct netflow *, nf_);

    ovs_mutex_lock(&nf->mutex);
    size_t n = nf->n_exporters;
    ovs_mutex_unlock(&nf->mutex);
    return n;
}

/* If 'nf' has an exporter called 'name', stores a copy of its options in
 * 'options' (the caller destroys it) and returns true. */
bool
fx_tap_get_exporter_options(struct netflow *nf, const char *name,
                            struct fx_exporter_options *options)
    OVS_EXCLUDED(nf->mutex)
{
    bool found = false;

    ovs_mutex_lock(&nf->mutex);
    for (size_t i = 0; i < nf->n_exporters; i++) {
        const struct fx_exporter_options *o
            = fx_exporter_get_options(nf->exporters[i]);

        if (!strcmp(o->name, name)) {
            fx_exporter_options_clone(options, o);
            found = true;
            break;
        }
    }
    ovs_mutex_unlock(&nf->mutex);
    return found;
}

/* The numbers that flowexport/show and flowexport/counters report for a
 * tap, read once for either. */
struct tap_numbers {
    struct fx_cache_stats cache;
    struct fx_cache_limits limits;
    struct fx_iftable_stats iftable;
};

/* The tap's counters: TAP_COUNTER(ENUM, NAME, MEMBER) for each, in the
 * order of flowexport/counters.  NAME is the counter's name there, MEMBER
 * where its value is in struct tap_numbers.  "cache.records" is an array
 * by end reason: its names are "cache.records.REASON". */
#define TAP_COUNTERS                                                    \
    TAP_COUNTER(FLOWS, "cache.flows", cache.n_flows)                    \
    TAP_COUNTER(PEAK_FLOWS, "cache.peak_flows", cache.peak_flows)       \
    TAP_COUNTER(MAX_FLOWS, "cache.max_flows", limits.max_flows)         \
    TAP_COUNTER(MEMORY, "cache.memory", cache.memory)                   \
    TAP_COUNTER(CREATED, "cache.flows_created", cache.n_created)        \
    TAP_COUNTER(CREATED_IPV4, "cache.flows_created_ipv4",               \
                cache.n_ipv4_flows)                                     \
    TAP_COUNTER(CREATED_IPV6, "cache.flows_created_ipv6",               \
                cache.n_ipv6_flows)                                     \
    TAP_COUNTER(CREATED_MPLS, "cache.flows_created_mpls",               \
                cache.n_mpls_flows)                                     \
    TAP_COUNTER(UPDATES, "cache.updates", cache.n_updates)              \
    TAP_COUNTER(PACKETS, "cache.packets", cache.packets)                \
    TAP_COUNTER(BYTES, "cache.bytes", cache.bytes)                      \
    TAP_COUNTER(NON_IP_UPDATES, "cache.not_accounted_updates",          \
                cache.n_non_ip)                                         \
    TAP_COUNTER(NON_IP_PACKETS, "cache.not_accounted_packets",          \
                cache.non_ip_packets)                                   \
    TAP_COUNTER(NON_IP_BYTES, "cache.not_accounted_bytes",              \
                cache.non_ip_bytes)                                     \
    TAP_COUNTER(RECORDS, "cache.records", cache.n_records)              \
    TAP_COUNTER(LOST_RECORDS, "cache.lost_waiting_records",             \
                cache.n_dropped)                                        \
    TAP_COUNTER(LOST_PACKETS, "cache.lost_waiting_packets",             \
                cache.dropped_packets)                                  \
    TAP_COUNTER(LOST_BYTES, "cache.lost_waiting_bytes",                 \
                cache.dropped_bytes)                                    \
    TAP_COUNTER(BACKPRESSURE, "cache.backpressure_batches",             \
                cache.n_backpressure)                                   \
    TAP_COUNTER(PORTS, "iftable.ports", iftable.n_ports)                \
    TAP_COUNTER(IDENTITIES, "iftable.identities", iftable.n_history)    \
    TAP_COUNTER(CHANGES, "iftable.changes", iftable.n_changes)          \
    TAP_COUNTER(LOOKUPS, "iftable.lookups", iftable.n_lookups)          \
    TAP_COUNTER(UNKNOWN, "iftable.unknown", iftable.n_misses)

enum tap_counter {
#define TAP_COUNTER(ENUM, NAME, MEMBER) TC_##ENUM,
    TAP_COUNTERS
#undef TAP_COUNTER
    TC_N
};

/* Where a counter's value is, in struct tap_numbers. */
struct tap_counter_def {
    const char *name;           /* See TAP_COUNTERS. */
    size_t offset;              /* Of its member. */
    size_t size;                /* Of the member: sizeof(uint64_t) or
                                 * sizeof(size_t), or FX_N_END_REASONS
                                 * times sizeof(uint64_t) for the array. */
};

static const struct tap_counter_def tap_counter_defs[TC_N] = {
#define TAP_COUNTER(ENUM, NAME, MEMBER)                                 \
    [TC_##ENUM] = {                                                     \
        NAME, offsetof(struct tap_numbers, MEMBER),                     \
        MEMBER_SIZEOF(struct tap_numbers, MEMBER)                       \
    },
    TAP_COUNTERS
#undef TAP_COUNTER
};

/* Returns counter 'c' in 'n', for 'reason' if it is "cache.records". */
static uint64_t
tap_counter(const struct tap_numbers *n, enum tap_counter c,
            enum fx_end_reason reason)
{
    const struct tap_counter_def *def = &tap_counter_defs[c];
    const char *p = (const char *) n + def->offset;

    if (c == TC_RECORDS) {
        return ((const uint64_t *) p)[reason];
    } else if (def->size == sizeof(uint64_t)) {
        return *(const uint64_t *) p;
    } else {
        return *(const size_t *) p;
    }
}

/* Reads the cache's part of the numbers of 'nf' into 'n'. */
static void
tap_get_cache_numbers(struct netflow *nf, struct tap_numbers *n)
{
    memset(n, 0, sizeof *n);
    fx_cache_get_stats(nf->cache, &n->cache);
    fx_cache_get_limits(nf->cache, &n->limits);
}

/* Appends the flowexport/show report for 'nf' to 's'. */
void
fx_tap_format_show(struct netflow *nf, struct ds *s)
    OVS_EXCLUDED(nf->mutex)
{
    struct tap_numbers n;
#define C(ENUM) tap_counter(&n, TC_##ENUM, 0)

    tap_get_cache_numbers(nf, &n);
    ds_put_format(s, "bridge %s:\n", nf->name);
    ds_put_format(s, "  flow cache: %"PRIu64" flows (peak %"PRIu64
                  ", limit %"PRIu64"), memory %"PRIu64" bytes\n",
                  C(FLOWS), C(PEAK_FLOWS), C(MAX_FLOWS), C(MEMORY));
    ds_put_format(s, "    flows created %"PRIu64" (IPv4 %"PRIu64", IPv6 %"
                  PRIu64", MPLS %"PRIu64"), updates %"PRIu64"\n",
                  C(CREATED), C(CREATED_IPV4), C(CREATED_IPV6),
                  C(CREATED_MPLS), C(UPDATES));
    ds_put_format(s, "    not accounted (not IP%s): updates %"PRIu64
                  ", packets %"PRIu64", bytes %"PRIu64"\n",
                  n.limits.key_fields & FX_KEY_MPLS ? " or MPLS" : "",
                  C(NON_IP_UPDATES), C(NON_IP_PACKETS), C(NON_IP_BYTES));
    ds_put_format(s, "    accounted packets %"PRIu64", bytes %"PRIu64"\n",
                  C(PACKETS), C(BYTES));
    ds_put_cstr(s, "    records by reason:");
    for (size_t r = 0; r < FX_N_END_REASONS; r++) {
        ds_put_format(s, " %s %"PRIu64, fx_end_reason_to_string(r),
                      tap_counter(&n, TC_RECORDS, r));
    }
    ds_put_char(s, '\n');
    ds_put_format(s, "    lost waiting for the main loop (evictions, output "
                  "changes): records %"PRIu64", packets %"PRIu64", bytes %"
                  PRIu64"\n", C(LOST_RECORDS), C(LOST_PACKETS),
                  C(LOST_BYTES));
    ds_put_format(s, "    update batches applied by their own thread "
                  "(apply queue full): %"PRIu64"\n", C(BACKPRESSURE));

    ovs_mutex_lock(&nf->mutex);
    bool uses_iftable = false;
    for (size_t i = 0; i < nf->n_exporters; i++) {
        const struct fx_exporter_options *o
            = fx_exporter_get_options(nf->exporters[i]);

        uses_iftable |= (o->encoder.interface_table
                         || o->encoder.port_identity
                         || o->encoder.key_fields & FX_KEY_TUNNEL);
    }
    if (uses_iftable) {
        fx_iftable_get_stats(nf->iftable, &n.iftable);
        ds_put_format(s, "  interface table: %"PRIu64" ports, %"PRIu64
                      " identities kept, %"PRIu64" changes; looked up %"
                      PRIu64" times, unknown %"PRIu64"\n", C(PORTS),
                      C(IDENTITIES), C(CHANGES), C(LOOKUPS), C(UNKNOWN));
    }
    for (size_t i = 0; i < nf->n_exporters; i++) {
        fx_exporter_format(nf->exporters[i], s);
    }
    ovs_mutex_unlock(&nf->mutex);
#undef C
}

/* Appends the counters of 'nf' to 's' for flowexport/counters: one
 * "NAME VALUE" line each, VALUE a decimal integer.  Unlike
 * flowexport/show, whose wording may change, these names are an interface
 * for scripts (documented in ovs-flowexport(8)): add names, never rename or
 * remove one. */
void
fx_tap_format_counters(struct netflow *nf, struct ds *s)
    OVS_EXCLUDED(nf->mutex)
{
    struct tap_numbers n;

    tap_get_cache_numbers(nf, &n);
    ovs_mutex_lock(&nf->mutex);
    fx_iftable_get_stats(nf->iftable, &n.iftable);
    for (size_t c = 0; c < TC_N; c++) {
        const char *name = tap_counter_defs[c].name;

        if (c != TC_RECORDS) {
            ds_put_format(s, "%s %"PRIu64"\n", name, tap_counter(&n, c, 0));
            continue;
        }
        for (size_t r = 0; r < FX_N_END_REASONS; r++) {
            ds_put_format(s, "%s.%s %"PRIu64"\n", name,
                          fx_end_reason_to_string(r),
                          tap_counter(&n, c, r));
        }
    }
    for (size_t i = 0; i < nf->n_exporters; i++) {
        fx_exporter_format_counters(nf->exporters[i], s);
    }
    ovs_mutex_unlock(&nf->mutex);
}

/* Appends the interface table of 'nf' to 's', one line per row. */
void
fx_tap_dump_interfaces(struct netflow *nf, struct ds *s)
    OVS_EXCLUDED(nf->mutex)
{
    ovs_mutex_lock(&nf->mutex);
    ds_put_format(s, "bridge %s:\n", nf->name);
    fx_iftable_format(nf->iftable, s);
    ovs_mutex_unlock(&nf->mutex);
}

/* Appends one line per cached flow of 'nf' to 's'. */
void
fx_tap_dump_flows(struct netflow *nf, struct ds *s)
{
    fx_cache_dump(nf->cache, s);
}
