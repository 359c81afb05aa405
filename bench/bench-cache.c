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

/* Flow cache micro-benchmark: a program that prints figures, not a test.
 *
 * The same source is built twice (see bench/automake.mk):
 *
 *   - bench-cache-fx is linked with libflowexport before OVS's libraries, so
 *     the netflow_*() functions are flowexport's tap (fx-tap.c, sharded flow
 *     cache);
 *
 *   - bench-cache-ovs is linked with OVS's libraries only, so the linker
 *     takes OVS 3.1's own ofproto/netflow.c (one global mutex, IPv4 only).
 *
 * Both drive only the public ofproto/netflow.h API, the way ovs-vswitchd
 * does: netflow_create() and netflow_set_options() (with one collector, a
 * local UDP socket of ours), then netflow_flow_update() from worker threads
 * (as OVS's handler and revalidator threads do) while the main thread calls
 * netflow_run() and netflow_wait() and sleeps in poll_block(), as
 * ovs-vswitchd's main loop does: both implementations ask to be run about
 * once a second.
 *
 * One run measures one configuration:
 *
 *   1. Generates K distinct flows (compact 5-tuples plus ingress port and
 *      ToS; each update copies one into a 'struct flow' of the worker).
 *
 *   2. Populates the cache from the main thread with one update per flow,
 *      and reports the growth of the resident set size (/proc/self/statm)
 *      divided by K as bytes per flow.  This includes the hash table's
 *      buckets and malloc's overhead: it is what the flows really cost.
 *
 *   3. Timed phase: N worker threads update flows picked uniformly at
 *      random among the K (each update is one packet, so every update
 *      finds an existing flow), for a fixed time or number of updates.
 *      Reports updates per second, all threads together.
 *
 * Timeouts: OVS's netflow only has the active timeout (600 s by default),
 * so nothing expires during a run.  Our tap's default inactive timeout is
 * 15 s; for the same conditions bench-cache-fx configures the tap (through
 * fx_tap_configure(), with one IPFIX exporter that has no targets) with an
 * inactive timeout of one hour, an active timeout of 600 s and a flow limit
 * of at least K.  OVS's netflow ignores IPv6 flows entirely (it returns
 * before taking its lock), so for IPv6 it measures nothing: the program says
 * "n/a" instead of printing a meaningless number. */

#include <config.h>
#include "bench-util.h"
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include "dpif.h"
#include "flow.h"
#include "latch.h"
#include "ofproto/netflow.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/poll-loop.h"
#include "openvswitch/vlog.h"
#include "ovs-atomic.h"
#include "ovs-thread.h"
#include "packets.h"
#include "socket-util.h"
#include "sset.h"
#include "timeval.h"
#include "util.h"
#if BENCH_IMPL_FX
#include "fx-exporter.h"
#include "fx-tap.h"
#endif

#if BENCH_IMPL_FX
#define IMPL_NAME "fx"
#define IMPL_VLOG_MODULE "fx_tap"       /* Only in fx-tap.o. */
#else
#define IMPL_NAME "ovs"
#define IMPL_VLOG_MODULE "netflow"      /* Only in OVS's netflow.o. */
#endif

/* The most flows: IPv4 sources are 10.0.0.0/8, one per flow. */
#define MAX_FLOWS (1u << 24)

/* How often (in updates) a worker reads the clocks. */
#define CLOCK_INTERVAL 1024

/* How many updates ahead a worker prefetches its tuples. */
#define TUPLE_AHEAD 8

/* One pre-generated flow.  40 bytes, so that even 1M of them stay out of
 * the way of the cache being measured. */
struct bench_tuple {
    union {
        struct in6_addr src6;
        ovs_be32 src4;
    };
    union {
        struct in6_addr dst6;
        ovs_be32 dst4;
    };
    ovs_be16 tp_src;
    ovs_be16 tp_dst;
    uint16_t in_port;
    uint8_t nw_proto;
    uint8_t nw_tos;
};
BUILD_ASSERT_DECL(sizeof(struct bench_tuple) == 40);

struct bench {
    struct netflow *nf;
    bool ipv6;
    const struct bench_tuple *tuples;
    uint32_t n_tuples;

    uint64_t updates_per_thread;    /* UINT64_MAX: run for 'duration_ns'. */
    long long int duration_ns;
    double rate_per_thread;         /* Updates per second, 0: no limit. */

    struct ovs_barrier barrier;     /* Workers and the main thread. */
    atomic_count n_running;         /* Workers still running. */
    struct latch done;              /* Set by the last worker to finish. */
};

struct worker {
    pthread_t thread;
    struct bench *b;
    unsigned int index;
    uint64_t n_updates;             /* Updates done. */
    long long int elapsed_ns;       /* Time they took. */
    long long int slept_ns;         /* Part of it spent pacing. */
    long long int cpu_ns;           /* CPU time the thread used. */
};

static uint64_t
xorshift64(uint64_t *state)
{
    uint64_t x = *state;

    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    return *state = x;
}

/* Resident set size of this process, in bytes. */
static size_t
rss_bytes(void)
{
    const char *file_name = "/proc/self/statm";
    unsigned long int size, resident;
    FILE *stream = fopen(file_name, "r");

    if (!stream) {
        ovs_fatal(errno, "%s", file_name);
    }
    if (fscanf(stream, "%lu %lu", &size, &resident) != 2) {
        ovs_fatal(0, "%s: unexpected format", file_name);
    }
    fclose(stream);
    return resident * (size_t) sysconf(_SC_PAGESIZE);
}

/* Returns 'n' distinct flows: sources 10.0.0.0/8 or 2001:db8::/64 numbered
 * from 0, the rest random but plausible (TCP to 80, 443 or 22, UDP to 53,
 * ephemeral source ports, 4 ingress ports, a few DSCP values). */
static struct bench_tuple *
make_tuples(uint32_t n, bool ipv6)
{
    static const uint16_t dst_ports[4] = { 80, 443, 53, 22 };
    struct bench_tuple *tuples = xcalloc(n, sizeof *tuples);
    uint64_t seed = 0x5eed;

    for (uint32_t i = 0; i < n; i++) {
        struct bench_tuple *t = &tuples[i];
        uint64_t r = splitmix64(&seed);
        uint16_t dst_port = dst_ports[(r >> 40) & 3];

        if (ipv6) {
            ovs_be32 src_low = htonl(i);
            ovs_be32 dst_low = htonl(r & 0xffff);

            t->src6.s6_addr[0] = 0x20;
            t->src6.s6_addr[1] = 0x01;
            t->src6.s6_addr[2] = 0x0d;
            t->src6.s6_addr[3] = 0xb8;
            memcpy(&t->src6.s6_addr[12], &src_low, sizeof src_low);
            t->dst6 = t->src6;
            t->dst6.s6_addr[5] = 1;
            memcpy(&t->dst6.s6_addr[12], &dst_low, sizeof dst_low);
        } else {
            t->src4 = htonl(0x0a000000 | i);
            t->dst4 = htonl(0xc0a80000 | (r & 0xffff));
        }
        t->tp_src = htons(1024 + (r >> 16) % 64512);
        t->tp_dst = htons(dst_port);
        t->nw_proto = dst_port == 53 ? IPPROTO_UDP : IPPROTO_TCP;
        t->nw_tos = ((r >> 48) & 3) << 3;
        t->in_port = 1 + ((r >> 56) & 3);
    }
    return tuples;
}

static void
flow_init(struct flow *flow, bool ipv6)
{
    memset(flow, 0, sizeof *flow);
    flow->dl_type = htons(ipv6 ? ETH_TYPE_IPV6 : ETH_TYPE_IP);
    flow->nw_ttl = 64;
    eth_addr_from_uint64(0x020000000001ULL, &flow->dl_src);
    eth_addr_from_uint64(0x020000000002ULL, &flow->dl_dst);
}

/* Makes 'flow' the flow of 't'; returns its output port. */
static inline ofp_port_t
flow_set(struct flow *flow, const struct bench_tuple *t, bool ipv6)
{
    if (ipv6) {
        flow->ipv6_src = t->src6;
        flow->ipv6_dst = t->dst6;
    } else {
        flow->nw_src = t->src4;
        flow->nw_dst = t->dst4;
    }
    flow->tp_src = t->tp_src;
    flow->tp_dst = t->tp_dst;
    flow->nw_proto = t->nw_proto;
    flow->nw_tos = t->nw_tos;
    flow->in_port.ofp_port = u16_to_ofp(t->in_port);
    return u16_to_ofp(t->in_port + 10);
}

/* CPU time the calling thread has used, in ns: on a shared machine, a
 * worker's wall time also counts the time other jobs ran instead. */
static long long int
thread_cpu_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void *
worker_main(void *w_)
{
    struct worker *w = w_;
    struct bench *b = w->b;
    struct dpif_flow_stats stats = { .n_packets = 1, .n_bytes = 1000 };
    uint64_t rng = UINT64_C(0x9e3779b97f4a7c15) * (w->index + 1);
    long long int start, deadline, now;
    struct flow flow;
    uint64_t n;

    flow_init(&flow, b->ipv6);

    ovs_barrier_block(&b->barrier);
    long long int cpu_start = thread_cpu_ns();
    start = now_ns();
    deadline = start + b->duration_ns;
    /* The tuples of the next TUPLE_AHEAD updates, already prefetched:
     * OVS updates with the 'struct flow' it just used, hot in the CPU
     * cache, so the harness's own random read of a tuple (a cache miss at
     * 1M flows) is overlapped rather than counted in each call. */
    uint32_t ahead[TUPLE_AHEAD];
    for (size_t k = 0; k < TUPLE_AHEAD; k++) {
        ahead[k] = ((xorshift64(&rng) >> 32) * b->n_tuples) >> 32;
        OVS_PREFETCH(&b->tuples[ahead[k]]);
    }
    for (n = 0; n < b->updates_per_thread; n++) {
        if (!(n % CLOCK_INTERVAL)) {
            /* Datapath flow stats carry the time of their last packet. */
            stats.used = time_msec();
            long long int t_ns = now_ns();
            if (b->updates_per_thread == UINT64_MAX && t_ns >= deadline) {
                break;
            }
            if (b->rate_per_thread) {
                /* Paced: sleep until this chunk of updates is due. */
                long long int due = start + n * 1e9 / b->rate_per_thread;
                if (due > t_ns) {
                    xnanosleep(due - t_ns);
                    w->slept_ns += now_ns() - t_ns;
                }
            }
        }

        uint32_t i = ahead[n % TUPLE_AHEAD];
        uint32_t next = ((xorshift64(&rng) >> 32) * b->n_tuples) >> 32;
        ahead[n % TUPLE_AHEAD] = next;
        OVS_PREFETCH(&b->tuples[next]);
        const struct bench_tuple *t = &b->tuples[i];
        ofp_port_t out_port = flow_set(&flow, t, b->ipv6);

        stats.tcp_flags = t->nw_proto == IPPROTO_TCP ? TCP_ACK : 0;
        netflow_flow_update(b->nf, &flow, out_port, &stats);
    }
    now = now_ns();

    w->n_updates = n;
    w->elapsed_ns = now - start;
    w->cpu_ns = thread_cpu_ns() - cpu_start;
    if (atomic_count_dec(&b->n_running) == 1) {
        latch_set(&b->done);
    }
    return NULL;
}

/* Opens a UDP socket on 127.0.0.1 and returns it; '*port' is its port. */
static int
open_collector(uint16_t *port)
{
    struct sockaddr_in sin = {
        .sin_family = AF_INET,
        .sin_addr.s_addr = htonl(INADDR_LOOPBACK),
    };
    socklen_t len = sizeof sin;
    int fd = socket(AF_INET, SOCK_DGRAM, 0);

    if (fd < 0
        || bind(fd, (struct sockaddr *) &sin, sizeof sin)
        || getsockname(fd, (struct sockaddr *) &sin, &len)) {
        ovs_fatal(errno, "cannot open a local UDP collector");
    }
    *port = ntohs(sin.sin_port);
    return fd;
}

static void
configure(struct netflow *nf, uint16_t port, uint32_t n_flows)
{
    struct netflow_options opts = {
        .active_timeout = -1,   /* OVS's default, 600 s. */
    };
    char *target = xasprintf("127.0.0.1:%"PRIu16, port);

    sset_init(&opts.collectors);
    sset_add(&opts.collectors, target);
    if (netflow_set_options(nf, &opts)) {
        ovs_fatal(0, "netflow_set_options() failed");
    }
    sset_destroy(&opts.collectors);
    free(target);

#if BENCH_IMPL_FX
    /* Long timeouts and room for every flow (see the comment on top).  An
     * exporter without targets only encodes. */
    struct fx_exporter_options o;

    fx_exporter_options_init(&o);
    o.name = xstrdup("bench");
    o.protocol = FX_PROTO_IPFIX;
    o.active_timeout = NF_ACTIVE_TIMEOUT_DEFAULT * 1000LL;
    o.inactive_timeout = 3600 * 1000LL;
    o.max_flows = MAX(n_flows, 1000000);
    fx_tap_configure(nf, &o, 1);
    if (fx_tap_n_exporters(nf) != 1) {
        ovs_fatal(0, "fx_tap_configure() failed");
    }
    fx_exporter_options_destroy(&o);
#else
    (void) n_flows;
#endif
}

/* Number of flows in 'nf', or -1 if the implementation cannot tell. */
static long long int
count_flows(struct netflow *nf OVS_UNUSED)
{
#if BENCH_IMPL_FX
    struct ds s = DS_EMPTY_INITIALIZER;
    const char *p;
    long long int n;

    fx_tap_format_show(nf, &s);
    p = strstr(ds_cstr(&s), "flow cache: ");
    if (!p) {
        ovs_fatal(0, "fx_tap_format_show() has no flow count:\n%s",
                  ds_cstr(&s));
    }
    n = atoll(p + strlen("flow cache: "));
    ds_destroy(&s);
    return n;
#else
    return -1;
#endif
}

/* Batches of updates that their thread applied itself because the apply
 * queue was full, or -1 if the implementation has none.  Makes the cache
 * apply every logged update first. */
static long long int
count_backpressure(struct netflow *nf OVS_UNUSED)
{
#if BENCH_IMPL_FX
    static const char label[] = "(apply queue full): ";
    struct ds s = DS_EMPTY_INITIALIZER;
    const char *p;
    long long int n;

    fx_tap_format_show(nf, &s);
    p = strstr(ds_cstr(&s), label);
    if (!p) {
        ovs_fatal(0, "fx_tap_format_show() has no back-pressure count:\n%s",
                  ds_cstr(&s));
    }
    n = atoll(p + strlen(label));
    ds_destroy(&s);
    return n;
#else
    return -1;
#endif
}

static void
usage(void)
{
    printf("%s: flow cache benchmark (%s implementation of "
           "ofproto/netflow.h)\n"
           "usage: %s [OPTIONS]\n"
           "  --family=ipv4|ipv6   address family of the flows (ipv4)\n"
           "  --flows=K            distinct flows (100000)\n"
           "  --threads=N          updating threads (1)\n"
           "  --seconds=S          length of the timed phase (2)\n"
           "  --updates=U          run U updates in all instead\n"
           "  --rate=R             at most R updates per second in all\n"
           "Prints one line: impl family flows threads updates seconds\n"
           "updates_per_sec bytes_per_flow populate_per_sec runs "
           "run_max_ms\nns_per_call cpu_ns_per_call drain_ms apply_per_sec "
           "backpressure.\n",
           program_name, IMPL_NAME, program_name);
    exit(EXIT_SUCCESS);
}

int
main(int argc, char *argv[])
{
    static const struct option long_options[] = {
        {"family", required_argument, NULL, 'f'},
        {"flows", required_argument, NULL, 'k'},
        {"threads", required_argument, NULL, 't'},
        {"seconds", required_argument, NULL, 's'},
        {"updates", required_argument, NULL, 'u'},
        {"rate", required_argument, NULL, 'r'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    uint32_t n_flows = 100000;
    unsigned int n_threads = 1;
    double seconds = 2.0;
    uint64_t total_updates = 0;
    uint64_t rate = 0;
    bool ipv6 = false;

    set_program_name(argv[0]);
    vlog_set_levels(NULL, VLF_ANY_DESTINATION, VLL_WARN);

    for (;;) {
        int c = getopt_long(argc, argv, "", long_options, NULL);
        if (c == -1) {
            break;
        }
        switch (c) {
        case 'f':
            if (!strcmp(optarg, "ipv4") || !strcmp(optarg, "ipv6")) {
                ipv6 = !strcmp(optarg, "ipv6");
            } else {
                ovs_fatal(0, "--family: ipv4 or ipv6");
            }
            break;
        case 'k':
            n_flows = parse_number("flows", optarg, 1, MAX_FLOWS);
            break;
        case 't':
            n_threads = parse_number("threads", optarg, 1, 64);
            break;
        case 's':
            seconds = parse_seconds(optarg);
            break;
        case 'u':
            total_updates = parse_number("updates", optarg, 1, UINT64_MAX);
            break;
        case 'r':
            rate = parse_number("rate", optarg, 1, UINT64_MAX);
            break;
        case 'h':
            usage();
            break;
        case '?':
            exit(EXIT_FAILURE);
        default:
            OVS_NOT_REACHED();
        }
    }
    if (optind != argc) {
        ovs_fatal(0, "unexpected argument; use --help for help");
    }

    /* Make sure the linker took the intended implementation. */
    if (!vlog_module_from_name(IMPL_VLOG_MODULE)) {
        ovs_fatal(0, "not linked with the %s implementation of netflow.h "
                  "(no \"%s\" log module)", IMPL_NAME, IMPL_VLOG_MODULE);
    }

    const char *family = ipv6 ? "ipv6" : "ipv4";
    bool ignored = !BENCH_IMPL_FX && ipv6;

    /* 1. Flows, and the cache, before measuring memory. */
    struct bench b = {
        .ipv6 = ipv6,
        .n_tuples = n_flows,
        .tuples = make_tuples(n_flows, ipv6),
        .updates_per_thread = (total_updates
                               ? DIV_ROUND_UP(total_updates, n_threads)
                               : UINT64_MAX),
        .duration_ns = seconds * 1e9,
        .rate_per_thread = (double) rate / n_threads,
    };
    uint16_t port;
    int collector = open_collector(&port);

    b.nf = netflow_create();
    configure(b.nf, port, n_flows);

    /* 2. Populate from the main thread and measure the memory it took. */
    struct dpif_flow_stats stats = {
        .n_packets = 1,
        .n_bytes = 1000,
        .used = time_msec(),
    };
    struct flow flow;

    flow_init(&flow, ipv6);
    size_t rss_before = rss_bytes();
    long long int start = now_ns();
    for (uint32_t i = 0; i < n_flows; i++) {
        const struct bench_tuple *t = &b.tuples[i];
        ofp_port_t out_port = flow_set(&flow, t, ipv6);

        stats.tcp_flags = t->nw_proto == IPPROTO_TCP ? TCP_ACK : 0;
        netflow_flow_update(b.nf, &flow, out_port, &stats);
    }
    long long int populate_ns = now_ns() - start;
    size_t rss_after = rss_bytes();

    long long int n_cached = count_flows(b.nf);
    if (n_cached >= 0 && n_cached != n_flows) {
        ovs_fatal(0, "%lld flows cached after populating %"PRIu32,
                  n_cached, n_flows);
    }

    /* 3. Timed phase: workers update, the main thread runs the cache about
     * once a second as ovs-vswitchd's main loop would. */
    struct worker *workers = xcalloc(n_threads, sizeof *workers);
    uint64_t n_runs = 0;
    long long int run_max_ns = 0;

    ovs_barrier_init(&b.barrier, n_threads + 1);
    atomic_count_init(&b.n_running, n_threads);
    latch_init(&b.done);
    for (unsigned int i = 0; i < n_threads; i++) {
        workers[i].b = &b;
        workers[i].index = i;
        workers[i].thread = ovs_thread_create("bench_worker", worker_main,
                                              &workers[i]);
    }
    ovs_barrier_block(&b.barrier);
    while (!latch_is_set(&b.done)) {
        long long int run_start = now_ns();

        netflow_run(b.nf);
        run_max_ns = MAX(run_max_ns, now_ns() - run_start);
        n_runs++;

        netflow_wait(b.nf);
        latch_wait(&b.done);
        poll_block();
    }

    uint64_t n_updates = 0;
    long long int elapsed_ns = 0, busy_ns = 0, cpu_ns = 0;
    for (unsigned int i = 0; i < n_threads; i++) {
        xpthread_join(workers[i].thread, NULL);
        n_updates += workers[i].n_updates;
        elapsed_ns = MAX(elapsed_ns, workers[i].elapsed_ns);
        busy_ns += workers[i].elapsed_ns - workers[i].slept_ns;
        cpu_ns += workers[i].cpu_ns;
    }

    /* What the updates left to apply after the workers stopped: the time
     * the owner takes to see all of them (flowexport logs updates and
     * applies them in batches; OVS's netflow applies each in its call). */
    long long int drain_start = now_ns();
    long long int n_backpressure = count_backpressure(b.nf);
    long long int drain_ns = now_ns() - drain_start;

    /* Report. */
    printf("impl=%s family=%s flows=%"PRIu32" threads=%u updates=%"PRIu64
           " seconds=%.2f ", IMPL_NAME, family, n_flows, n_threads,
           n_updates, elapsed_ns / 1e9);
    if (ignored) {
        printf("updates_per_sec=n/a bytes_per_flow=n/a (ignores IPv6)");
    } else {
        printf("updates_per_sec=%.0f bytes_per_flow=%.1f "
               "populate_per_sec=%.0f",
               n_updates / (elapsed_ns / 1e9),
               ((double) rss_after - rss_before) / n_flows,
               n_flows / (populate_ns / 1e9));
    }
    printf(" runs=%"PRIu64" run_max_ms=%.1f", n_runs, run_max_ns / 1e6);
    if (!ignored) {
        /* Time on the calling threads, pacing excluded, per call; updates
         * applied per second until the owner has seen them all. */
        printf(" ns_per_call=%.1f cpu_ns_per_call=%.1f drain_ms=%.1f "
               "apply_per_sec=%.0f",
               (double) busy_ns / n_updates, (double) cpu_ns / n_updates,
               drain_ns / 1e6,
               n_updates / ((elapsed_ns + drain_ns) / 1e9));
        if (n_backpressure >= 0) {
            printf(" backpressure=%lld", n_backpressure);
        } else {
            printf(" backpressure=n/a");
        }
    }
    putchar('\n');
    fflush(stdout);

    netflow_unref(b.nf);
    latch_destroy(&b.done);
    ovs_barrier_destroy(&b.barrier);
    close(collector);
    free(workers);
    free(CONST_CAST(struct bench_tuple *, b.tuples));
    return 0;
}
