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

/* Unit tests of the flowexport engine: flow cache, NetFlow v5 encoder,
 * exporter.  Each subcommand is one test.  It prints what it found, for
 * tests/unit.at to compare with the expected output, and exits non-zero
 * with a message on stderr when a check of its own fails.
 *
 * OVS has no library call to freeze its clock: only the "time/stop" and
 * "time/warp" unixctl commands that timeval_dummy_register() adds.  The
 * cache tests therefore run a unixctl server in this process and send those
 * commands to themselves. */

#include <config.h>
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include "bitmap.h"
#include "command-line.h"
#include "dpif.h"
#include "dummy.h"
#include "flow.h"
#include "fx-biflow.h"
#include "fx-cache.h"
#include "fx-encoder.h"
#include "fx-exporter.h"
#include "fx-ie-view.h"
#include "fx-idl-pace.h"
#include "fx-ie.h"
#include "fx-iftable.h"
#include "fx-record.h"
#include "fx-store.h"
#include "fx-tap.h"
#include "jsonrpc.h"
#include "lib/netflow.h"
#include "ofproto/netflow.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/json.h"
#include "openvswitch/ofpbuf.h"
#include "openvswitch/poll-loop.h"
#include "ovs-atomic.h"
#include "ovs-thread.h"
#include "packets.h"
#include "random.h"
#include "socket-util.h"
#include "svec.h"
#include "timeval.h"
#include "openvswitch/vlog.h"
#include "unixctl.h"
#include "util.h"

/* Fails the test with a message if 'COND' is false. */
#define CHECK(COND, ...)                                \
    do {                                                \
        if (!(COND)) {                                  \
            ovs_fatal(0, __VA_ARGS__);                  \
        }                                               \
    } while (0)

/* Clock control. */

static struct unixctl_server *ctl_server;
static char *ctl_path;

/* Runs OVS unixctl command 'cmd' with optional argument 'arg' in this
 * process, through its own unixctl server. */
static void
run_unixctl(const char *cmd, const char *arg)
{
    struct jsonrpc_msg *reply;
    struct jsonrpc *client;
    int error;

    if (!ctl_server) {
        char *cwd = get_cwd();

        ctl_path = xasprintf("%s/test-flowexport.%ld.ctl", cwd,
                             (long int) getpid());
        free(cwd);
        time_msec();            /* Initializes timeval.c's clocks. */
        timeval_dummy_register();
        error = unixctl_server_create(ctl_path, &ctl_server);
        CHECK(!error, "%s: cannot create unixctl server", ctl_path);
    }

    error = unixctl_client_create(ctl_path, &client);
    CHECK(!error, "%s: cannot connect (%s)", ctl_path, ovs_strerror(error));

    struct json *params = json_array_create_empty();
    if (arg) {
        json_array_add(params, json_string_create(arg));
    }
    error = jsonrpc_send(client, jsonrpc_create_request(cmd, params, NULL));
    CHECK(!error, "%s: send failed (%s)", cmd, ovs_strerror(error));

    while ((error = jsonrpc_recv(client, &reply)) == EAGAIN) {
        unixctl_server_run(ctl_server);
        jsonrpc_run(client);
        unixctl_server_wait(ctl_server);
        jsonrpc_wait(client);
        jsonrpc_recv_wait(client);
        poll_block();
    }
    CHECK(!error && reply->type == JSONRPC_REPLY, "%s failed", cmd);
    jsonrpc_msg_destroy(reply);
    jsonrpc_close(client);
}

/* Stops OVS's monotonic clock (time_msec()) and returns its value. */
static long long int
clock_stop(void)
{
    run_unixctl("time/stop", NULL);
    return time_msec();
}

/* Advances the stopped clock by 'msecs' (positive). */
static void
clock_warp(long long int msecs)
{
    char *arg = xasprintf("%lld", msecs);

    run_unixctl("time/warp", arg);
    free(arg);
}

/* Flows and records. */

/* A flow to feed the cache: IPv6 if 'src' contains ':', otherwise IPv4. */
struct test_flow {
    uint16_t in_port;
    const char *src;
    const char *dst;
    uint8_t proto;
    uint8_t tos;                /* Whole ToS byte, DSCP and ECN. */
    uint16_t sport;             /* Or ICMP type. */
    uint16_t dport;             /* Or ICMP code. */
};

static void
make_flow(const struct test_flow *tf, struct flow *flow)
{
    memset(flow, 0, sizeof *flow);
    flow->in_port.ofp_port = u16_to_ofp(tf->in_port);
    if (strchr(tf->src, ':')) {
        flow->dl_type = htons(ETH_TYPE_IPV6);
        CHECK(ipv6_parse(tf->src, &flow->ipv6_src)
              && ipv6_parse(tf->dst, &flow->ipv6_dst), "bad IPv6 address");
    } else {
        flow->dl_type = htons(ETH_TYPE_IP);
        CHECK(ip_parse(tf->src, &flow->nw_src)
              && ip_parse(tf->dst, &flow->nw_dst), "bad IPv4 address");
    }
    flow->nw_proto = tf->proto;
    flow->nw_tos = tf->tos;
    flow->tp_src = htons(tf->sport);
    flow->tp_dst = htons(tf->dport);
}

static void
update(struct fx_cache *cache, const struct test_flow *tf, uint16_t out_port,
       uint64_t packets, uint64_t bytes, uint16_t tcp_flags,
       long long int used)
{
    struct dpif_flow_stats stats = {
        .n_packets = packets,
        .n_bytes = bytes,
        .used = used,
        .tcp_flags = tcp_flags,
    };
    struct flow flow;

    make_flow(tf, &flow);
    fx_cache_update(cache, &flow, out_port, &stats);
}

/* Sums of packets and bytes. */
struct totals {
    uint64_t packets;
    uint64_t bytes;
    size_t n;                   /* Records. */
};

/* Adds the counters of 'records' to 't', then frees the records. */
static void
sum_records(struct ovs_list *records, struct totals *t)
{
    const struct fx_record *rec;

    LIST_FOR_EACH (rec, list_node, records) {
        CHECK(rec->packets > 0, "record without packets");
        t->packets += rec->packets;
        t->bytes += rec->bytes;
        t->n++;
    }
    fx_record_list_free(records);
}

/* Prints 'records' sorted, one a line after 'title', with times relative to
 * 'base'; adds them to 't' if nonnull and frees them. */
static void
print_records(const char *title, struct ovs_list *records,
              long long int base, struct totals *t)
{
    const struct fx_record *rec;
    struct svec lines;

    svec_init(&lines);
    LIST_FOR_EACH (rec, list_node, records) {
        struct ds s = DS_EMPTY_INITIALIZER;

        fx_record_format(rec, &s);
        ds_put_format(&s, " %s first=%lld last=%lld",
                      fx_end_reason_to_string(rec->reason),
                      rec->first_used - base, rec->last_used - base);
        svec_add_nocopy(&lines, ds_steal_cstr(&s));
    }
    svec_sort(&lines);

    printf("%s: %"PRIuSIZE" records\n", title, lines.n);
    for (size_t i = 0; i < lines.n; i++) {
        printf("  %s\n", lines.names[i]);
    }
    svec_destroy(&lines);

    struct totals dummy = { 0, 0, 0 };
    sum_records(records, t ? t : &dummy);
}

static void
print_stats(struct fx_cache *cache)
{
    struct fx_cache_stats s;

    fx_cache_get_stats(cache, &s);
    printf("stats: created=%"PRIu64" ipv4=%"PRIu64" ipv6=%"PRIu64
           " updates=%"PRIu64" non_ip=%"PRIu64"\n",
           s.n_created, s.n_ipv4_flows, s.n_ipv6_flows, s.n_updates,
           s.n_non_ip);
    printf("  packets=%"PRIu64" bytes=%"PRIu64" flows=%"PRIuSIZE
           " peak=%"PRIuSIZE"\n", s.packets, s.bytes, s.n_flows,
           s.peak_flows);
    printf("  records:");
    for (int r = 0; r < FX_N_END_REASONS; r++) {
        if (s.n_records[r]) {
            printf(" %s=%"PRIu64, fx_end_reason_to_string(r),
                   s.n_records[r]);
        }
    }
    printf("\n");
}

static struct fx_cache *
cache_create(long long int active, long long int inactive, size_t max_flows)
{
    struct fx_cache_limits limits = {
        .active_timeout = active,
        .inactive_timeout = inactive,
        .max_flows = max_flows,
    };
    struct fx_cache *cache = fx_cache_create();

    fx_cache_set_limits(cache, &limits);
    return cache;
}

/* Checks that the records add up to what was fed to the cache. */
static void
check_totals(const struct totals *got, uint64_t packets, uint64_t bytes)
{
    CHECK(got->packets == packets && got->bytes == bytes,
          "records hold %"PRIu64" packets, %"PRIu64" bytes; expected "
          "%"PRIu64", %"PRIu64, got->packets, got->bytes, packets, bytes);
    printf("totals: packets=%"PRIu64" bytes=%"PRIu64"\n", packets, bytes);
}

/* cache-basic. */

static void
test_cache_basic(struct ovs_cmdl_context *ctx OVS_UNUSED)
{
    /* DSCP 10 with ECN CE (0x2b), then ECT(0) (0x2a): one flow, tos=40. */
    static const struct test_flow tcp4 = {
        1, "10.0.0.1", "10.0.0.2", IPPROTO_TCP, 0x2b, 1000, 80
    };
    static const struct test_flow tcp4_ect = {
        1, "10.0.0.1", "10.0.0.2", IPPROTO_TCP, 0x2a, 1000, 80
    };
    static const struct test_flow udp6 = {
        2, "2001:db8::1", "2001:db8::2", IPPROTO_UDP, 0xb8, 5000, 53
    };
    static const struct test_flow icmp4 = {
        3, "10.0.0.3", "10.0.0.4", IPPROTO_ICMP, 0, 8, 0
    };
    static const struct test_flow unused = {
        4, "10.0.0.5", "10.0.0.6", IPPROTO_UDP, 0, 1, 2
    };
    long long int base = clock_stop();
    struct fx_cache *cache = cache_create(0, 10000, SIZE_MAX);
    struct ovs_list records = OVS_LIST_INITIALIZER(&records);
    struct totals t = { 0, 0, 0 };

    /* 64-bit sums: 3e9 + 3e9 + 2^33 + 1e9 bytes. */
    update(cache, &tcp4, 7, 5, 3000000000ULL, TCP_SYN, base + 10);
    update(cache, &tcp4, 7, 7, 3000000000ULL, TCP_ACK, base + 5);
    update(cache, &tcp4_ect, 7, 1, 1ULL << 33, TCP_FIN, base + 30);
    update(cache, &tcp4, 7, 1ULL << 32, 1000000000ULL, TCP_PSH, base + 20);
    update(cache, &udp6, 9, 1, 100, 0, base + 1);
    update(cache, &udp6, 9, 2, 200, 0, 0);
    update(cache, &icmp4, 8, 4, 336, 0, base + 2);

    /* Not IP: ignored, counted. */
    struct dpif_flow_stats stats = { .n_packets = 3, .n_bytes = 180 };
    struct flow arp;
    make_flow(&icmp4, &arp);
    arp.dl_type = htons(ETH_TYPE_ARP);
    fx_cache_update(cache, &arp, 1, &stats);
    arp.dl_type = htons(ETH_TYPE_VLAN_8021Q);
    fx_cache_update(cache, &arp, 1, &stats);

    /* No packets: ignored, whether the flow exists or not. */
    update(cache, &unused, 1, 0, 0, 0, base);
    update(cache, &unused, 1, 0, 100, TCP_RST, base);
    update(cache, &tcp4, 7, 0, 100, TCP_RST, base + 40);

    fx_cache_expire(cache, base + 9999, &records);
    print_records("expire +9999", &records, base, &t);
    print_stats(cache);

    fx_cache_flush(cache, FX_END_FLUSH, &records);
    print_records("flush", &records, base, &t);
    print_stats(cache);
    check_totals(&t, 5 + 7 + 1 + (1ULL << 32) + 1 + 2 + 4,
                 6000000000ULL + (1ULL << 33) + 1000000000ULL + 300 + 336);
    fx_cache_destroy(cache);
}

/* cache-timeouts. */

static void
test_cache_timeouts(struct ovs_cmdl_context *ctx OVS_UNUSED)
{
    static const struct test_flow a = {
        1, "192.0.2.1", "192.0.2.2", IPPROTO_UDP, 0, 1111, 2222
    };
    static const struct test_flow b = {
        2, "192.0.2.3", "192.0.2.4", IPPROTO_TCP, 0, 3333, 4444
    };
    long long int base = clock_stop();
    struct fx_cache *cache = cache_create(0, 5000, SIZE_MAX);
    struct ovs_list records = OVS_LIST_INITIALIZER(&records);
    struct totals t = { 0, 0, 0 };
    uint64_t packets = 0, bytes = 0;

    /* Inactive timeout 5 s: flow 'a' touched at base + 1000. */
    clock_warp(1000);
    update(cache, &a, 5, 2, 200, 0, 0);
    packets += 2, bytes += 200;
    fx_cache_expire(cache, base + 5999, &records);
    print_records("inactive, 1 ms early", &records, base, &t);
    fx_cache_expire(cache, base + 6000, &records);
    print_records("inactive, at threshold", &records, base, &t);

    /* Active timeout 3 s: 'a' gets traffic every second for 9 s. */
    fx_cache_set_limits(cache, &(struct fx_cache_limits) {
                            .active_timeout = 3000,
                            .inactive_timeout = 5000,
                            .max_flows = SIZE_MAX });
    long long int start = time_msec();
    for (int i = 1; i <= 9; i++) {
        update(cache, &a, 5, i, 100 * i, 0, 0);
        packets += i, bytes += 100 * i;
        clock_warp(1000);
        fx_cache_expire(cache, time_msec(), &records);
        print_records(i == 1 ? "active" : "  then", &records, start, &t);
    }

    /* The last traffic was at start + 8000, and the last active record at
     * start + 9000 took it all: the flow goes at start + 13000, without an
     * empty record. */
    struct fx_cache_stats s;
    clock_warp(3999);
    fx_cache_expire(cache, time_msec(), &records);
    fx_cache_get_stats(cache, &s);
    printf("+12999: flows=%"PRIuSIZE"\n", s.n_flows);
    print_records("idle after active, 1 ms early", &records, start, &t);
    clock_warp(1);
    fx_cache_expire(cache, time_msec(), &records);
    fx_cache_get_stats(cache, &s);
    printf("+13000: flows=%"PRIuSIZE"\n", s.n_flows);
    print_records("idle after active", &records, start, &t);

    /* Output port change: 'b' goes to port 2, then to port 3. */
    start = time_msec();
    update(cache, &b, 2, 5, 500, TCP_SYN, start);
    clock_warp(100);
    update(cache, &b, 2, 3, 300, TCP_ACK, start + 100);
    clock_warp(100);
    update(cache, &b, 3, 4, 400, TCP_FIN, start + 200);
    packets += 12, bytes += 1200;
    fx_cache_expire(cache, time_msec(), &records);
    print_records("output change", &records, start, &t);
    fx_cache_flush(cache, FX_END_SHUTDOWN, &records);
    print_records("shutdown", &records, start, &t);

    print_stats(cache);
    check_totals(&t, packets, bytes);
    fx_cache_destroy(cache);
}

/* cache-max-life. */

/* Prints 'records' with their serial number and whether each is its flow's
 * first, then frees them into 't'. */
static void
print_serials(const char *title, struct ovs_list *records,
              struct totals *t)
{
    const struct fx_record *rec;

    LIST_FOR_EACH (rec, list_node, records) {
        printf("%s: %s serial=%"PRIu32"%s packets=%"PRIu64"\n", title,
               fx_end_reason_to_string(rec->reason), rec->serial,
               rec->first ? " first" : "", rec->packets);
    }
    sum_records(records, t);
}

static void
test_cache_max_life(struct ovs_cmdl_context *ctx OVS_UNUSED)
{
    static const struct test_flow a = {
        1, "192.0.2.1", "192.0.2.2", IPPROTO_UDP, 0, 1111, 2222
    };
    long long int base = clock_stop();
    struct fx_cache *cache = fx_cache_create();
    struct ovs_list records = OVS_LIST_INITIALIZER(&records);
    struct totals t = { 0, 0, 0 };
    uint64_t packets = 0;

    /* Active timeout 2 s, maximum life 5 s, traffic every second: active
     * records at +2 s and +4 s keep the flow, the maximum life at +5 s ends
     * it, and the next packet starts a new flow (serial 1). */
    fx_cache_set_limits(cache, &(struct fx_cache_limits) {
                            .active_timeout = 2000,
                            .inactive_timeout = 10000,
                            .max_life = 5000,
                            .max_flows = SIZE_MAX });
    for (int i = 0; i < 8; i++) {
        update(cache, &a, 5, 1, 100, 0, 0);
        packets++;
        clock_warp(1000);
        fx_cache_expire(cache, time_msec(), &records);
        char *title = xasprintf("+%lld", time_msec() - base);
        print_serials(title, &records, &t);
        free(title);
    }
    fx_cache_flush(cache, FX_END_FLUSH, &records);
    print_serials("flush", &records, &t);
    print_stats(cache);
    check_totals(&t, packets, packets * 100);
    fx_cache_destroy(cache);
}

/* cache-max-life-long: the cache keeps a flow's creation time as its age at
 * the interval start, in 8 ms units: over a hundred interval restarts do not
 * make it drift, and a flow older than those 32 bits hold (397 days) still
 * counts as older than any max_life. */

/* Expires 'cache' at the current time, adds to 'n[reason]' the number of
 * records it made for each reason, and adds them to 't'. */
static void
expire_count(struct fx_cache *cache, int n[FX_N_END_REASONS],
             struct totals *t)
{
    struct ovs_list records = OVS_LIST_INITIALIZER(&records);
    const struct fx_record *rec;

    fx_cache_expire(cache, time_msec(), &records);
    LIST_FOR_EACH (rec, list_node, &records) {
        n[rec->reason]++;
    }
    sum_records(&records, t);
}

static void
test_cache_max_life_long(struct ovs_cmdl_context *ctx OVS_UNUSED)
{
    static const struct test_flow a = {
        1, "192.0.2.1", "192.0.2.2", IPPROTO_UDP, 0, 1111, 2222
    };
    const long long int day = 24LL * 3600 * 1000;
    struct fx_cache *cache = fx_cache_create();
    struct ovs_list records = OVS_LIST_INITIALIZER(&records);
    struct totals t = { 0, 0, 0 };
    uint64_t packets = 0;

    /* Created 5 ms after an 8 ms grid point; a packet and an active record
     * every step (50 ms, then 1 ms near the end): the maximum life counts
     * from the grid point, 5 ms before the creation. */
    long long int base = clock_stop();
    clock_warp(8 + 5 - base % 8);
    long long int created = time_msec();
    fx_cache_set_limits(cache, &(struct fx_cache_limits) {
                            .active_timeout = 10,
                            .inactive_timeout = 10000,
                            .max_life = 5000,
                            .max_flows = SIZE_MAX });
    int n[FX_N_END_REASONS] = { 0 };
    while (!n[FX_END_MAX_LIFE] && time_msec() - created < 5010) {
        update(cache, &a, 5, 1, 100, 0, 0);
        packets++;
        clock_warp(time_msec() - created < 4950 ? 50 : 1);
        expire_count(cache, n, &t);
    }
    printf("max-life after %lld ms, %d active records before\n",
           time_msec() - created, n[FX_END_ACTIVE]);

    /* A new flow, updated every 10 days (active timeout 1 day) for 410
     * days with no max_life; then a max_life of 365 days ends it. */
    fx_cache_set_limits(cache, &(struct fx_cache_limits) {
                            .active_timeout = day,
                            .inactive_timeout = 12 * day,
                            .max_flows = SIZE_MAX });
    update(cache, &a, 5, 1, 100, 0, 0);
    packets++;
    memset(n, 0, sizeof n);
    for (int i = 0; i < 41; i++) {
        clock_warp(10 * day);
        update(cache, &a, 5, 1, 100, 0, 0);
        packets++;
        expire_count(cache, n, &t);
    }
    fx_cache_set_limits(cache, &(struct fx_cache_limits) {
                            .active_timeout = day,
                            .inactive_timeout = 12 * day,
                            .max_life = 365 * day,
                            .max_flows = SIZE_MAX });
    update(cache, &a, 5, 1, 100, 0, 0);
    packets++;
    int n_active = n[FX_END_ACTIVE];
    expire_count(cache, n, &t);
    printf("after 410 days: %d active records, then %d max-life record\n",
           n_active, n[FX_END_MAX_LIFE]);

    fx_cache_flush(cache, FX_END_FLUSH, &records);
    sum_records(&records, &t);
    check_totals(&t, packets, packets * 100);
    fx_cache_destroy(cache);
}

/* cache-time-wrap: the cache keeps the last packet's time in the low 32
 * bits of the millisecond clock; timeouts and record times stay exact when
 * those bits wrap around. */

static void
test_cache_time_wrap(struct ovs_cmdl_context *ctx OVS_UNUSED)
{
    static const struct test_flow a = {
        1, "192.0.2.1", "192.0.2.2", IPPROTO_UDP, 0, 1111, 2222
    };
    long long int base = clock_stop();
    struct fx_cache *cache = cache_create(0, 5000, SIZE_MAX);
    struct ovs_list records = OVS_LIST_INITIALIZER(&records);
    struct totals t = { 0, 0, 0 };

    /* 1000 ms before the low 32 bits wrap. */
    uint32_t to_wrap = (uint32_t) (UINT32_MAX - 999) - (uint32_t) base;
    clock_warp(to_wrap ? to_wrap : 1LL << 32);
    long long int start = time_msec();
    CHECK((uint32_t) (start + 1000) == 0, "not 1000 ms before the wrap");

    update(cache, &a, 5, 1, 100, 0, 0);
    clock_warp(600);
    update(cache, &a, 5, 1, 100, 0, 0);
    clock_warp(1000);
    update(cache, &a, 5, 1, 100, 0, start + 1500);
    /* The inactive timeout counts from the last packet (+1500), not from
     * the update that reported it (+1600). */
    fx_cache_expire(cache, start + 1500 + 4999, &records);
    print_records("after the wrap, 1 ms early", &records, start, &t);
    fx_cache_expire(cache, start + 1500 + 5000, &records);
    print_records("after the wrap, at threshold", &records, start, &t);

    check_totals(&t, 3, 300);
    fx_cache_destroy(cache);
}

/* cache-churn-expiry. */

/* Gives 'cache' a packet of UDP flow number 'i' (source port 1024 + i), seen
 * at 'now'. */
static void
churn_update(struct fx_cache *cache, int i, long long int now)
{
    struct test_flow tf = {
        1, "10.0.0.1", "10.1.0.1", IPPROTO_UDP, 0, 1024 + i, 53
    };
    update(cache, &tf, 2, 1, 100, 0, now);
}

/* A new flow every millisecond for 6 s, inactive timeout 2 s, expiry every
 * millisecond: every flow must end exactly when its timeout passes, also
 * the tenth that another packet keeps 1.5 s longer, and the shards must not
 * be swept once per expiring flow. */
static void
test_cache_churn_expiry(struct ovs_cmdl_context *ctx OVS_UNUSED)
{
    enum { N_FLOWS = 6000, INACTIVE = 2000, KEEP = 1500 };
    long long int base = clock_stop();
    struct fx_cache *cache = cache_create(0, INACTIVE, SIZE_MAX);
    struct ovs_list records = OVS_LIST_INITIALIZER(&records);
    struct totals t = { 0, 0, 0 };
    size_t n_late = 0;

    for (int ms = 0; ms < N_FLOWS + INACTIVE + KEEP + 1; ms++) {
        long long int now = base + ms;

        /* The cache's own clock (creation times) follows, a little
         * behind: one warp a millisecond would take minutes. */
        if (ms && ms % 500 == 0) {
            clock_warp(500);
        }

        if (ms < N_FLOWS) {
            churn_update(cache, ms, now);
        }
        if (ms >= KEEP && ms - KEEP < N_FLOWS && (ms - KEEP) % 10 == 0) {
            churn_update(cache, ms - KEEP, now);
        }
        fx_cache_expire(cache, now, &records);

        const struct fx_record *rec;
        LIST_FOR_EACH (rec, list_node, &records) {
            n_late += rec->last_used + INACTIVE != now;
        }
        sum_records(&records, &t);
    }
    struct fx_cache_stats stats;
    fx_cache_get_stats(cache, &stats);

    printf("records: %"PRIuSIZE", late: %"PRIuSIZE"\n", t.n, n_late);
    /* A shard is swept when its first flow falls due, then about once a
     * second: 64 shards, 9.5 s. */
    CHECK(stats.n_sweeps <= 64 * 11, "%"PRIu64" sweeps for %"PRIuSIZE
          " records", stats.n_sweeps, t.n);
    check_totals(&t, N_FLOWS + N_FLOWS / 10, (N_FLOWS + N_FLOWS / 10) * 100);
    fx_cache_destroy(cache);
}

/* sampling. */

/* Counts the flows that 1-in-'n' sampling in 'mode' selects out of 'n_flows'
 * flows with different ports and serial numbers, and checks that the key's
 * track level does not change the decision of the modes that ignore the
 * key. */
static uint32_t
count_selected(enum fx_sampling_mode mode, uint32_t n, uint32_t n_flows)
{
    struct fx_encoder_settings s;
    uint32_t selected = 0;

    fx_encoder_settings_init(&s);
    s.sampling = n;
    s.sampling_mode = mode;
    for (uint32_t i = 0; i < n_flows; i++) {
        struct test_flow tf = {
            1, "10.0.0.1", "10.0.0.2", IPPROTO_UDP, 0, 1000 + i, 53
        };
        struct fx_key key, coarse;
        struct flow flow;

        make_flow(&tf, &flow);
        CHECK(fx_key_from_flow(&flow, 0, &key), "not IP");
        bool sel = fx_selection_selects(s.sampling, s.sampling_mode, &key, i);
        coarse = key;
        fx_key_restrict(&coarse, FX_TRACK_IP);
        if (mode != FX_SAMPLING_HASH) {
            CHECK(sel == fx_selection_selects(s.sampling, s.sampling_mode,
                                              &coarse, i),
                  "%s: the key changed the decision",
                  fx_sampling_mode_to_string(mode));
        }
        selected += sel;
    }
    return selected;
}

static void
test_sampling(struct ovs_cmdl_context *ctx OVS_UNUSED)
{
    /* The random mode's basis comes from OVS's random_uint32() (once per
     * process).  With a basis that changes from run to run, the 3-sigma
     * check below would fail about 0.3% of the runs; seeded, every run
     * checks the same selection. */
    random_set_seed(0x5eed1e55);

    /* Deterministic: exactly every 4th flow. */
    printf("deterministic 1 in 4 of 1000: %"PRIu32"\n",
           count_selected(FX_SAMPLING_DETERMINISTIC, 4, 1000));
    /* Random and hash: 1 in 4 of 10000 is 2500 +- 3 standard deviations
     * (43). */
    for (int mode = 0; mode < FX_N_SAMPLING_MODES; mode++) {
        if (mode != FX_SAMPLING_DETERMINISTIC) {
            uint32_t n = count_selected(mode, 4, 10000);

            if (n >= 2500 - 130 && n <= 2500 + 130) {
                printf("%s 1 in 4 of 10000: about 2500\n",
                       fx_sampling_mode_to_string(mode));
            } else {
                printf("%s 1 in 4 of 10000: %"PRIu32", bad\n",
                       fx_sampling_mode_to_string(mode), n);
            }
        }
    }
    printf("rate 1 selects: %"PRIu32"\n",
           count_selected(FX_SAMPLING_RANDOM, 1, 100));
    printf("hash max for 1 in 4: %"PRIu32", 1 in 3: %"PRIu32"\n",
           fx_sampling_hash_max(4), fx_sampling_hash_max(3));

    /* Track levels: the finest of two, and what each keeps. */
    printf("finest(ip, proto|mac) = 0x%"PRIx32", finest(ip, full) = "
           "0x%"PRIx32"\n", fx_key_fields_finest(FX_TRACK_IP,
                                                 FX_TRACK_PROTO | FX_KEY_MAC),
           fx_key_fields_finest(FX_TRACK_IP, FX_TRACK_FULL));
    static const struct test_flow tcp = {
        3, "10.0.0.1", "10.0.0.2", IPPROTO_TCP, 0x2b, 1000, 80
    };
    static const uint32_t levels[] = {
        FX_TRACK_FULL, FX_TRACK_PROTO, FX_TRACK_IP
    };
    for (size_t i = 0; i < ARRAY_SIZE(levels); i++) {
        struct fx_key key, restricted;
        struct ds s = DS_EMPTY_INITIALIZER;
        struct flow flow;

        make_flow(&tcp, &flow);
        CHECK(fx_key_from_flow(&flow, levels[i], &key), "not IP");
        CHECK(fx_key_from_flow(&flow, FX_TRACK_FULL, &restricted), "not IP");
        fx_key_restrict(&restricted, levels[i]);
        CHECK(fx_key_equal(&key, &restricted),
              "fx_key_restrict() differs from fx_key_from_flow()");
        fx_key_format(&key, &s);
        printf("level 0x%"PRIx32": %s\n", levels[i], ds_cstr(&s));
        ds_destroy(&s);
    }
}

/* cache-evict. */

static void
evict_flow(int i, struct test_flow *tf)
{
    *tf = (struct test_flow) {
        1, "198.51.100.1", "198.51.100.2", IPPROTO_UDP, 0, 1000 + i, 53
    };
}

/* Records that updates make (output changes, evictions) wait for
 * fx_cache_expire(), which the main loop calls: while it does not run,
 * they must stay bounded. */
static void
test_cache_expired_bound(struct ovs_cmdl_context *ctx OVS_UNUSED)
{
    enum { M = 10000 };
    struct fx_cache *cache = cache_create(0, 1000000, SIZE_MAX);
    struct ovs_list records = OVS_LIST_INITIALIZER(&records);
    struct totals t = { 0, 0, 0 };
    struct test_flow tf;

    clock_stop();
    /* One flow whose output port changes at every update: each change
     * makes a record, all in the flow's shard. */
    evict_flow(0, &tf);
    for (int i = 0; i < M; i++) {
        update(cache, &tf, 2 + i % 2, 1, 100, 0, 0);
        clock_warp(1);
    }
    fx_cache_expire(cache, time_msec(), &records);
    size_t n_waiting = ovs_list_size(&records);
    sum_records(&records, &t);
    printf("records waiting after %d output changes: %s\n", M,
           n_waiting <= 4096 ? "at most 4096" : "unbounded");

    fx_cache_flush(cache, FX_END_FLUSH, &records);
    sum_records(&records, &t);
    struct fx_cache_stats st;
    fx_cache_get_stats(cache, &st);
    printf("exported packets %"PRIu64" + lost %"PRIu64" = %d, "
           "lost records %"PRIu64"\n", t.packets, st.dropped_packets, M,
           st.n_dropped);
    CHECK(st.dropped_bytes == st.dropped_packets * 100, "lost bytes %"PRIu64,
          st.dropped_bytes);
    fx_cache_destroy(cache);
}

static void
test_cache_evict(struct ovs_cmdl_context *ctx OVS_UNUSED)
{
    enum { N = 15, K = 5, L = 10 };
    long long int base = clock_stop();
    struct fx_cache *cache = cache_create(0, 1000000, SIZE_MAX);
    struct ovs_list records = OVS_LIST_INITIALIZER(&records);
    struct totals t = { 0, 0, 0 };
    struct fx_cache_stats s;
    struct test_flow tf;

    /* N + K flows, one millisecond apart, then flows 0 and 1 again: the
     * least recently updated are 2...K+1. */
    for (int i = 0; i < N + K; i++) {
        evict_flow(i, &tf);
        update(cache, &tf, 2, 1, 100 + i, 0, 0);
        clock_warp(1);
    }
    for (int i = 0; i < 2; i++) {
        evict_flow(i, &tf);
        update(cache, &tf, 2, 1, 100 + i, 0, 0);
        clock_warp(1);
    }
    fx_cache_set_limits(cache, &(struct fx_cache_limits) {
                            .inactive_timeout = 1000000, .max_flows = N });
    fx_cache_expire(cache, time_msec(), &records);
    print_records("limit lowered", &records, base, &t);
    fx_cache_get_stats(cache, &s);
    printf("flows=%"PRIuSIZE" peak=%"PRIuSIZE"\n", s.n_flows, s.peak_flows);

    /* L new flows into a full cache: the update path evicts from the new
     * flow's shard, if it has a flow; fx_cache_expire() does the rest. */
    for (int i = N + K; i < N + K + L; i++) {
        evict_flow(i, &tf);
        update(cache, &tf, 2, 1, 100 + i, 0, 0);
        clock_warp(1);
        /* Each of the 64 shards may overshoot by one flow: a new flow whose
         * shard is empty evicts nothing. */
        fx_cache_get_stats(cache, &s);
        CHECK(s.n_flows <= N + 64, "%"PRIuSIZE" flows cached", s.n_flows);
    }
    fx_cache_expire(cache, time_msec(), &records);
    const struct fx_record *rec;
    LIST_FOR_EACH (rec, list_node, &records) {
        CHECK(rec->reason == FX_END_EVICTED, "%s record",
              fx_end_reason_to_string(rec->reason));
    }
    struct totals evicted = { 0, 0, 0 };
    sum_records(&records, &evicted);
    fx_cache_get_stats(cache, &s);
    printf("after %d new flows: evicted=%"PRIuSIZE" flows=%"PRIuSIZE"\n",
           L, evicted.n, s.n_flows);
    t.packets += evicted.packets, t.bytes += evicted.bytes;

    fx_cache_flush(cache, FX_END_FLUSH, &records);
    sum_records(&records, &t);
    fx_cache_get_stats(cache, &s);
    printf("flushed: created=%"PRIu64" evicted=%"PRIu64" flushed=%"PRIu64
           " flows=%"PRIuSIZE"\n", s.n_created, s.n_records[FX_END_EVICTED],
           s.n_records[FX_END_FLUSH], s.n_flows);

    uint64_t bytes = 2 * 100 + 1;       /* Flows 0 and 1 twice. */
    for (int i = 0; i < N + K + L; i++) {
        bytes += 100 + i;
    }
    check_totals(&t, N + K + L + 2, bytes);
    fx_cache_destroy(cache);
}

/* cache-nat. */

static int n_nat_lookups;
static bool nat_knows_http;

/* Knows the translation of UDP from 10.1.1.1 to 10.1.1.2 port 53, source
 * translated to 10.1.1.240 port 4000, and once 'nat_knows_http' that of
 * port 80, to 10.1.1.241 port 4001. */
static bool
test_nat_lookup(const struct fx_key *key, struct fx_ct_info *ct)
{
    bool http = nat_knows_http && key->tp_dst == htons(80);

    n_nat_lookups++;
    if (key->nw_proto != IPPROTO_UDP || (key->tp_dst != htons(53) && !http)) {
        return false;
    }
    in6_addr_set_mapped_ipv4(&ct->nat_src, htonl(http ? 0x0a0101f1
                                                  : 0x0a0101f0));
    ct->nat_dst = key->dst;
    ct->nat_tp_src = htons(http ? 4001 : 4000);
    ct->nat_tp_dst = key->tp_dst;
    ct->flags |= FX_CT_NAT;
    return true;
}

static void
journey_update(struct fx_cache *cache, const struct test_flow *tf,
               uint8_t ct_state, uint64_t packets, long long int used)
{
    struct dpif_flow_stats stats = {
        .n_packets = packets,
        .n_bytes = packets * 100,
        .used = used,
    };
    struct fx_ct_info ct = { .ct_state = ct_state, .ct_zone = 1 };
    struct flow flow;

    make_flow(tf, &flow);
    fx_cache_update_journey(cache, &flow,
                            FX_JOURNEY_RECIRC | FX_JOURNEY_TRACKED, &ct, 2,
                            &stats);
}

/* A new journey flow that ran through conntrack in the original direction
 * untranslated gets its translation when the cache makes it, once, and
 * keeps it in its later records; one that has none then is looked up again
 * when its record is made; replies and translated flows are not looked
 * up. */
static void
test_cache_nat(struct ovs_cmdl_context *ctx OVS_UNUSED)
{
    static const struct test_flow dns = {
        1, "10.1.1.1", "10.1.1.2", IPPROTO_UDP, 0, 1000, 53
    };
    static const struct test_flow other = {
        1, "10.1.1.1", "10.1.1.2", IPPROTO_UDP, 0, 1000, 80
    };
    static const struct test_flow reply = {
        2, "10.1.1.2", "10.1.1.1", IPPROTO_UDP, 0, 53, 1000
    };
    long long int base = clock_stop();
    struct fx_cache *cache = cache_create(1000, 10000, SIZE_MAX);
    struct ovs_list records = OVS_LIST_INITIALIZER(&records);
    struct totals t = { 0, 0, 0 };

    fx_cache_set_nat_lookup(test_nat_lookup);
    journey_update(cache, &dns, CS_TRACKED | CS_NEW, 1, base);
    journey_update(cache, &other, CS_TRACKED | CS_NEW, 1, base);
    journey_update(cache, &reply, CS_TRACKED | CS_ESTABLISHED | CS_REPLY_DIR,
                   1, base);
    update(cache, &dns, 2, 1, 100, 0, base);

    struct ds dump = DS_EMPTY_INITIALIZER;
    struct svec lines = SVEC_EMPTY_INITIALIZER;
    char *save_ptr = NULL;
    fx_cache_dump(cache, &dump);
    for (char *line = strtok_r(ds_cstr(&dump), "\n", &save_ptr); line;
         line = strtok_r(NULL, "\n", &save_ptr)) {
        svec_add(&lines, line);
    }
    svec_sort(&lines);
    printf("made:\n");
    for (size_t i = 0; i < lines.n; i++) {
        printf("  %s\n", lines.names[i]);
    }
    svec_destroy(&lines);
    ds_destroy(&dump);
    printf("lookups: %d\n", n_nat_lookups);

    /* The flow's next packets show the translation or not: it stays.  A
     * flow made before its translation was known learns it when its record
     * is made. */
    nat_knows_http = true;
    clock_warp(1000);
    journey_update(cache, &dns, CS_TRACKED | CS_ESTABLISHED, 2, base + 1000);
    fx_cache_expire(cache, base + 1000, &records);
    print_records("active", &records, base, &t);
    journey_update(cache, &dns, CS_TRACKED | CS_ESTABLISHED, 1, base + 1000);
    journey_update(cache, &other, CS_TRACKED | CS_ESTABLISHED, 1,
                   base + 1000);
    fx_cache_flush(cache, FX_END_FLUSH, &records);
    print_records("flush", &records, base, &t);
    printf("lookups: %d\n", n_nat_lookups);
    check_totals(&t, 8, 800);
    nat_knows_http = false;
    fx_cache_set_nat_lookup(NULL);
    fx_cache_destroy(cache);
}

/* cache-arenas. */

/* Flow 'i' of test_cache_arenas(): IPv4 for even 'i', IPv6 for odd, told
 * apart by their ports. */
static void
arena_flow_init(struct flow *flow, uint32_t i)
{
    memset(flow, 0, sizeof *flow);
    flow->in_port.ofp_port = u16_to_ofp(1);
    flow->nw_proto = IPPROTO_UDP;
    flow->tp_src = htons(i & 0xffff);
    flow->tp_dst = htons(1000 + (i >> 16));
    if (i % 2) {
        flow->dl_type = htons(ETH_TYPE_IPV6);
        flow->ipv6_src.s6_addr[0] = 0x20;
        flow->ipv6_dst.s6_addr[0] = 0x20;
        flow->ipv6_dst.s6_addr[15] = 1;
    } else {
        flow->dl_type = htons(ETH_TYPE_IP);
        flow->nw_src = htonl(0x0a000001);
        flow->nw_dst = htonl(0x0a000002);
    }
}

/* Flows enough for every shard's arenas to go through all of their first
 * slab's sizes and on to more slabs, each updated before and after, then
 * flushed: every record must hold exactly its own flow's counts, so entries
 * survive their slab being moved.  Memory must follow the flow count: the
 * small start for a few flows, and all of it back once flushed. */
static void
test_cache_arenas(struct ovs_cmdl_context *ctx OVS_UNUSED)
{
    enum { N = 40000 };
    struct fx_cache *cache = cache_create(0, 1000000, SIZE_MAX);
    struct ovs_list records = OVS_LIST_INITIALIZER(&records);
    struct fx_cache_stats s;
    struct flow flow;

    for (int round = 0; round < 2; round++) {
        for (uint32_t i = 0; i < N; i++) {
            struct dpif_flow_stats stats = {
                .n_packets = 1, .n_bytes = 64 + i, .used = time_msec(),
            };

            arena_flow_init(&flow, i);
            fx_cache_update(cache, &flow, 2, &stats);
            if (!round && i == 63) {
                fx_cache_get_stats(cache, &s);
                CHECK(s.memory < 64 * 1024, "64 flows take %"PRIuSIZE
                      " bytes", s.memory);
            }
        }
    }
    fx_cache_get_stats(cache, &s);
    CHECK(s.n_flows == N, "%"PRIuSIZE" flows cached", s.n_flows);
    printf("flows=%"PRIuSIZE" bytes/flow below 200: %s\n", s.n_flows,
           s.memory / N < 200 ? "yes" : "no");

    fx_cache_flush(cache, FX_END_FLUSH, &records);
    unsigned long *seen = bitmap_allocate(N);
    size_t n_records = 0;
    const struct fx_record *rec;
    LIST_FOR_EACH (rec, list_node, &records) {
        uint32_t i = (ntohs(rec->key.tp_src)
                      | (uint32_t) (ntohs(rec->key.tp_dst) - 1000) << 16);

        CHECK(i < N && !bitmap_is_set(seen, i)
              && fx_key_is_ipv4(&rec->key) == !(i % 2)
              && rec->packets == 2 && rec->bytes == 2 * (64 + i),
              "record for flow %"PRIu32": %"PRIu64" packets, %"PRIu64
              " bytes", i, rec->packets, rec->bytes);
        bitmap_set1(seen, i);
        n_records++;
    }
    fx_record_list_free(&records);
    fx_cache_get_stats(cache, &s);
    printf("records=%"PRIuSIZE" flows=%"PRIuSIZE"\n", n_records, s.n_flows);
    CHECK(s.memory < 64 * 1024, "an empty cache takes %"PRIuSIZE" bytes",
          s.memory);
    free(seen);
    fx_cache_destroy(cache);
}

/* store-*: the cache's store alone (fx-store.h), with entries that hold
 * their own number and hash. */

struct store_item {
    uint32_t link;                  /* struct fx_store_entry. */
    uint8_t flags;
    uint8_t pad[3];
    uint32_t id;
    uint32_t hash;
};
BUILD_ASSERT_DECL(offsetof(struct store_item, link)
                  == offsetof(struct fx_store_entry, link));
BUILD_ASSERT_DECL(offsetof(struct store_item, flags)
                  == offsetof(struct fx_store_entry, flags));

/* Inserts item 'id' with 'hash' into 'store', in an entry of size class
 * 'class' (at least 2), and returns its reference.  Checks that the entry
 * is the one fx_store_next_insert() announced, if it announced one. */
static uint32_t
store_add(struct fx_store *store, unsigned int class, uint32_t hash,
          uint32_t id)
{
    const void *announced = fx_store_next_insert(store, class);
    uint32_t ref = fx_store_insert(store, class, hash);
    struct store_item *item = fx_store_entry(store, ref);

    CHECK(ref && fx_store_ref_class(ref) == class
          && item->flags == FX_STORE_LIVE, "bad new entry %#"PRIx32, ref);
    CHECK(!announced || announced == (const void *) item,
          "insert took another entry than fx_store_next_insert() said");
    item->id = id;
    item->hash = hash;
    return ref;
}

static void
store_del(struct fx_store *store, uint32_t ref)
{
    const struct store_item *item = fx_store_entry(store, ref);

    fx_store_remove(store, ref, item->hash);
    CHECK(!fx_store_is_live(store, ref), "%#"PRIx32" still live", ref);
}

/* Returns how many entries of 'store' with 'hash' and 'class' hold item
 * 'id' (any item if 'id' is UINT32_MAX). */
static int
store_count_matches(const struct fx_store *store, uint32_t hash,
                    unsigned int class, uint32_t id)
{
    int n = 0;
    uint32_t ref;

    FX_STORE_FOR_EACH_MATCH (ref, hash, class, store) {
        const struct store_item *item = fx_store_entry(store, ref);

        CHECK(item->hash == hash && fx_store_ref_class(ref) == class,
              "%#"PRIx32" does not match", ref);
        if (id == UINT32_MAX || item->id == id) {
            n++;
        }
    }
    return n;
}

/* Entries whose hashes collide, in one probe sequence with neighbours and
 * across size classes, stay findable as others go (the table's removal
 * moves slots back). */
static void
test_store_collisions(struct ovs_cmdl_context *ctx OVS_UNUSED)
{
    enum { N = 20 };
    const uint32_t hash = 0x12345605;
    struct fx_store store;
    uint32_t refs[3][N];

    fx_store_init(&store);
    for (uint32_t i = 0; i < N; i++) {
        refs[0][i] = store_add(&store, 2, hash, i);
        refs[1][i] = store_add(&store, 2, hash + 1, 100 + i);
        refs[2][i] = store_add(&store, 3, hash, 200 + i);
    }
    for (int round = 0; round < 2; round++) {
        for (uint32_t i = 0; i < N; i++) {
            bool gone = round && i % 2;

            CHECK(store_count_matches(&store, hash, 2, i) == !gone
                  && store_count_matches(&store, hash + 1, 2, 100 + i) == 1
                  && store_count_matches(&store, hash, 3, 200 + i) == !gone,
                  "round %d: item %"PRIu32" found wrongly", round, i);
        }
        if (!round) {
            /* Every other one, from the middle of the sequence out. */
            for (uint32_t i = 1; i < N; i += 2) {
                uint32_t j = (i + N / 2) % N | 1;

                store_del(&store, refs[0][j]);
                store_del(&store, refs[2][j]);
            }
        }
    }
    printf("hash %#"PRIx32": %d, class 3: %d, next hash: %d, total %"PRIu32
           "\n", hash, store_count_matches(&store, hash, 2, UINT32_MAX),
           store_count_matches(&store, hash, 3, UINT32_MAX),
           store_count_matches(&store, hash + 1, 2, UINT32_MAX),
           fx_store_count(&store));
    fx_store_destroy(&store);
}

/* Every reference stays findable, naming its own entry, while the table
 * doubles and once it shrinks. */
static void
test_store_resize(struct ovs_cmdl_context *ctx OVS_UNUSED)
{
    enum { N = 10000, KEEP = 100 };
    struct fx_store store;
    uint32_t *refs = xmalloc(N * sizeof *refs);
    int n_resizes = 0;

    fx_store_init(&store);
    for (uint32_t i = 0; i < N; i++) {
        uint32_t mask = store.table.mask;

        refs[i] = store_add(&store, 2 + i % 3, hash_int(i, 0), i);
        if (store.table.mask != mask) {
            n_resizes++;
            for (uint32_t j = 0; j <= i; j++) {
                CHECK(store_count_matches(&store, hash_int(j, 0),
                                          2 + j % 3, j) == 1,
                      "item %"PRIu32" lost after resize to %"PRIu32
                      " slots", j, store.table.mask + 1);
            }
        }
    }
    uint32_t big = store.table.mask + 1;
    for (uint32_t i = KEEP; i < N; i++) {
        store_del(&store, refs[i]);
    }
    fx_store_shrink(&store);
    for (uint32_t i = 0; i < KEEP; i++) {
        const struct store_item *item = fx_store_entry(&store, refs[i]);

        CHECK(item->id == i
              && store_count_matches(&store, hash_int(i, 0), 2 + i % 3,
                                     i) == 1,
              "item %"PRIu32" lost after shrinking", i);
    }
    printf("resizes=%d slots=%"PRIu32" then %"PRIu32" for %"PRIu32"\n",
           n_resizes, big, store.table.mask + 1, fx_store_count(&store));
    free(refs);
    fx_store_destroy(&store);
}

/* Freed entries are reused, the last freed first, within their size class
 * only; an emptied arena starts again from index 0. */
static void
test_store_free_list(struct ovs_cmdl_context *ctx OVS_UNUSED)
{
    enum { N = 10 };
    struct fx_store store;
    uint32_t refs[N];

    fx_store_init(&store);
    for (uint32_t i = 0; i < N; i++) {
        refs[i] = store_add(&store, 4, i, i);
        CHECK((refs[i] & FX_STORE_INDEX_MASK) == i, "index %"PRIu32
              " for entry %"PRIu32, refs[i] & FX_STORE_INDEX_MASK, i);
    }
    store_del(&store, refs[3]);
    store_del(&store, refs[7]);
    uint32_t other = store_add(&store, 5, 3, 100);
    CHECK(fx_store_next_insert(&store, 4) != NULL,
          "a freed entry is not announced for the next insert");
    uint32_t a = store_add(&store, 4, 30, 30);
    uint32_t b = store_add(&store, 4, 70, 70);
    uint32_t c = store_add(&store, 4, 10, 10);
    printf("class 5: %"PRIu32"; class 4 reuses: %"PRIu32" %"PRIu32
           ", then new: %"PRIu32"\n", other & FX_STORE_INDEX_MASK,
           a & FX_STORE_INDEX_MASK, b & FX_STORE_INDEX_MASK,
           c & FX_STORE_INDEX_MASK);
    CHECK(fx_store_is_live(&store, refs[7]) && fx_store_is_live(&store, c)
          && store_count_matches(&store, 30, 4, 30) == 1
          && store_count_matches(&store, 3, 4, 3) == 0,
          "reused entries are not live or findable");

    /* Empty class 4, then start it again. */
    store_del(&store, a);
    store_del(&store, b);
    store_del(&store, c);
    for (uint32_t i = 0; i < N; i++) {
        if (i != 3 && i != 7) {
            store_del(&store, refs[i]);
        }
    }
    CHECK(!store.arenas[4].n_slabs, "empty arena keeps its slabs");
    uint32_t again = store_add(&store, 4, 1, 1);
    printf("emptied class 4 starts at %"PRIu32"; %"PRIu32" entry left\n",
           again & FX_STORE_INDEX_MASK, fx_store_count(&store) - 1);
    fx_store_destroy(&store);
}

/* Visits 'store''s entries with FX_STORE_FOR_EACH, checking that each live
 * one of the 'n' items is visited exactly once (the items' ids are below
 * 'n') and removing those for which 'id % mod == rem' as it visits them.
 * Returns the number visited. */
static uint32_t
store_visit(struct fx_store *store, uint32_t n, const bool *live,
            uint32_t mod, uint32_t rem)
{
    unsigned long *seen = bitmap_allocate(n);
    struct store_item *item;
    uint32_t visited = 0;

    FX_STORE_FOR_EACH (item, ref, store) {
        CHECK(item->id < n && live[item->id]
              && !bitmap_is_set(seen, item->id),
              "item %"PRIu32" visited wrongly", item->id);
        bitmap_set1(seen, item->id);
        visited++;
        if (mod && item->id % mod == rem) {
            store_del(store, ref);
        }
    }
    for (uint32_t i = 0; i < n; i++) {
        CHECK(bitmap_is_set(seen, i) == live[i], "item %"PRIu32" %s", i,
              live[i] ? "not visited" : "visited but gone");
    }
    free(seen);
    return visited;
}

/* Iteration visits each live entry exactly once, also while it removes the
 * current one, even the last of its arena. */
static void
test_store_iterate(struct ovs_cmdl_context *ctx OVS_UNUSED)
{
    enum { N = 1000 };
    struct fx_store store;
    bool live[N];
    uint32_t refs[N];

    fx_store_init(&store);
    for (uint32_t i = 0; i < N; i++) {
        /* Class 7 gets a single item. */
        unsigned int class = i == 500 ? 7 : 2 + i % 4;

        refs[i] = store_add(&store, class, hash_int(i, 1), i);
        live[i] = true;
    }
    for (uint32_t i = 0; i < N; i += 5) {
        store_del(&store, refs[i]);
        live[i] = false;
    }
    uint32_t n1 = store_visit(&store, N, live, 0, 0);

    /* Remove every third while visiting, then check what is left. */
    uint32_t n2 = store_visit(&store, N, live, 3, 2);
    for (uint32_t i = 0; i < N; i++) {
        live[i] = live[i] && i % 3 != 2;
    }
    uint32_t n3 = store_visit(&store, N, live, 1, 0);
    uint32_t n4 = store_visit(&store, N, memset(live, 0, sizeof live), 0, 0);
    printf("visited %"PRIu32", %"PRIu32" removing a third, %"PRIu32
           " removing all, then %"PRIu32"; %"PRIu32" left\n",
           n1, n2, n3, n4, fx_store_count(&store));
    fx_store_destroy(&store);
}

/* Memory follows the entries and comes back to the empty figure, after
 * clearing and after removing every entry. */
static void
test_store_memory(struct ovs_cmdl_context *ctx OVS_UNUSED)
{
    enum { N = 5000 };
    struct fx_store store;
    uint32_t refs[N];

    fx_store_init(&store);
    size_t empty = fx_store_memory(&store);
    CHECK(empty == FX_STORE_EMPTY_MEMORY, "empty store: %"PRIuSIZE" bytes",
          empty);
    for (int round = 0; round < 2; round++) {
        size_t min = 0;

        for (uint32_t i = 0; i < N; i++) {
            unsigned int class = 2 + i % 10;

            refs[i] = store_add(&store, class, hash_int(i, 2), i);
            min += class * 8 + sizeof(struct fx_store_slot);
        }
        size_t full = fx_store_memory(&store);
        CHECK(full >= min && full < 2 * min,
              "%d entries take %"PRIuSIZE" bytes, at least %"PRIuSIZE,
              N, full, min);
        if (!round) {
            fx_store_clear(&store);
        } else {
            for (uint32_t i = 0; i < N; i++) {
                store_del(&store, refs[i]);
            }
            fx_store_shrink(&store);
        }
        CHECK(fx_store_memory(&store) == empty,
              "%s: %"PRIuSIZE" bytes, not %"PRIuSIZE,
              round ? "all removed" : "cleared",
              fx_store_memory(&store), empty);
    }
    printf("empty=%"PRIuSIZE" bytes, again after clear and remove\n", empty);
    fx_store_destroy(&store);
}

/* cache-threads. */

#define N_SHARED_FLOWS 1000

struct updater {
    struct fx_cache *cache;
    const struct flow *flows;   /* N_SHARED_FLOWS flows. */
    int index;
    int n_updates;
};

static atomic_count n_running = ATOMIC_COUNT_INIT(0);

static void *
updater_main(void *u_)
{
    const struct dpif_flow_stats stats = { .n_packets = 1, .n_bytes = 100 };
    const struct updater *u = u_;

    for (int i = 0; i < u->n_updates; i++) {
        int f = (i * 7 + u->index * 131) % N_SHARED_FLOWS;
        uint16_t out_port = 1 + (i / 50000) % 2;

        fx_cache_update(u->cache, &u->flows[f], out_port, &stats);
    }
    atomic_count_dec(&n_running);
    return NULL;
}

static void
test_cache_threads(struct ovs_cmdl_context *ctx)
{
    int n_threads = ctx->argc > 1 ? atoi(ctx->argv[1]) : 2;
    int n_updates = ctx->argc > 2 ? atoi(ctx->argv[2]) : 200000;
    CHECK(n_threads > 0 && n_updates > 0, "bad arguments");

    /* Half IPv4, half IPv6 flows; fewer slots than flows, so that flows are
     * also evicted, and short timeouts. */
    struct flow *flows = xcalloc(N_SHARED_FLOWS, sizeof *flows);
    for (int i = 0; i < N_SHARED_FLOWS; i++) {
        struct flow *flow = &flows[i];

        flow->in_port.ofp_port = u16_to_ofp(1 + i % 3);
        flow->nw_proto = IPPROTO_UDP;
        flow->tp_src = htons(i);
        flow->tp_dst = htons(53);
        if (i % 2) {
            flow->dl_type = htons(ETH_TYPE_IPV6);
            flow->ipv6_src.s6_addr[0] = 0x20;
            flow->ipv6_src.s6_addr[15] = i;
            flow->ipv6_dst.s6_addr[0] = 0x20;
            flow->ipv6_dst.s6_addr[14] = i >> 8;
        } else {
            flow->dl_type = htons(ETH_TYPE_IP);
            flow->nw_src = htonl(0x0a000000 + i);
            flow->nw_dst = htonl(0x0b000000 + i / 2);
        }
    }

    struct fx_cache *cache = cache_create(2, 5, 800);
    struct updater *updaters = xcalloc(n_threads, sizeof *updaters);
    pthread_t *threads = xcalloc(n_threads, sizeof *threads);

    atomic_count_set(&n_running, n_threads);
    for (int i = 0; i < n_threads; i++) {
        updaters[i] = (struct updater) {
            .cache = cache,
            .flows = flows,
            .index = i,
            .n_updates = n_updates,
        };
        threads[i] = ovs_thread_create("updater", updater_main, &updaters[i]);
    }

    struct ovs_list records = OVS_LIST_INITIALIZER(&records);
    struct totals t = { 0, 0, 0 };
    while (atomic_count_get(&n_running)) {
        fx_cache_expire(cache, time_msec(), &records);
        sum_records(&records, &t);
        xnanosleep_no_quiesce(500 * 1000);
    }
    for (int i = 0; i < n_threads; i++) {
        xpthread_join(threads[i], NULL);
    }
    fx_cache_expire(cache, time_msec(), &records);
    sum_records(&records, &t);
    fx_cache_flush(cache, FX_END_SHUTDOWN, &records);
    sum_records(&records, &t);

    uint64_t n = (uint64_t) n_threads * n_updates;
    struct fx_cache_stats s;
    uint64_t n_records = 0;

    fx_cache_get_stats(cache, &s);
    for (int r = 0; r < FX_N_END_REASONS; r++) {
        n_records += s.n_records[r];
    }
    CHECK(s.n_updates == n && s.packets == n && s.bytes == n * 100,
          "cache counted %"PRIu64" updates", s.n_updates);
    CHECK(s.n_flows == 0 && n_records == t.n,
          "%"PRIuSIZE" flows left, %"PRIu64" records counted, %"PRIuSIZE
          " received", s.n_flows, n_records, t.n);
    printf("threads=%d updates=%d\n", n_threads, n_updates);

    /* Records that updates made while this thread did not drain them fast
     * enough (FX_MAX_EXPIRED in a shard) are dropped, and counted: what the
     * records hold and what was counted as dropped add up to what went in.
     * Whether any are dropped depends on scheduling. */
    fprintf(stderr, "dropped %"PRIu64" records, %"PRIu64" packets\n",
            s.n_dropped, s.dropped_packets);
    t.packets += s.dropped_packets;
    t.bytes += s.dropped_bytes;
    check_totals(&t, n, n * 100);

    fx_cache_destroy(cache);
    free(threads);
    free(updaters);
    free(flows);
}

/* cache-log. */

/* A flow of the update log tests: UDP from 10.1.0.0 + 'i'. */
static void
log_flow(int i, struct flow *flow)
{
    memset(flow, 0, sizeof *flow);
    flow->in_port.ofp_port = u16_to_ofp(1);
    flow->dl_type = htons(ETH_TYPE_IP);
    flow->nw_src = htonl(0x0a010000 + i);
    flow->nw_dst = htonl(0x0a020000);
    flow->nw_proto = IPPROTO_UDP;
    flow->tp_src = htons(1000 + i);
    flow->tp_dst = htons(53);
}

struct log_updater {
    struct fx_cache *cache;
    int first_flow;             /* Flows first_flow...first_flow+n_flows-1,
                                 * in turn. */
    int n_flows;
    int n_updates;
    int port_every;             /* Output port changes every this many
                                 * updates of a flow, or 0. */
    struct ovs_barrier *barrier; /* If nonnull: blocks on it after. */
};

static void *
log_updater_main(void *u_)
{
    const struct log_updater *u = u_;
    struct dpif_flow_stats stats = { .n_packets = 1, .n_bytes = 100 };

    for (int i = 0; i < u->n_updates; i++) {
        int f = i % u->n_flows;
        int nth = i / u->n_flows;
        uint16_t port = u->port_every ? 1 + (nth / u->port_every) % 2 : 1;
        struct flow flow;

        log_flow(u->first_flow + f, &flow);
        fx_cache_update(u->cache, &flow, port, &stats);
    }
    if (u->barrier) {
        ovs_barrier_block(u->barrier);
    }
    return NULL;
}

/* Sums the packets of the flows in the fx_cache_dump() of 'cache'. */
static uint64_t
dump_packets(struct fx_cache *cache)
{
    struct ds s = DS_EMPTY_INITIALIZER;
    uint64_t packets = 0;

    fx_cache_dump(cache, &s);
    for (const char *p = ds_cstr(&s); (p = strstr(p, "packets=")); p++) {
        packets += strtoull(p + strlen("packets="), NULL, 10);
    }
    ds_destroy(&s);
    return packets;
}

/* Updates that threads logged are seen by every function of the owner:
 * whole batches waiting for the applier and partial batches still in a
 * thread's log (fewer updates than a batch, from a thread that is still
 * alive but no longer updates). */
static void
test_cache_log_drain(struct ovs_cmdl_context *ctx OVS_UNUSED)
{
    struct fx_cache *cache = cache_create(0, 3600 * 1000, 100000);
    struct ovs_list records = OVS_LIST_INITIALIZER(&records);
    struct fx_cache_stats s;
    struct totals t = { 0, 0, 0 };
    struct ovs_barrier barrier;
    uint64_t total = 0;

    /* Rounds of a thread's updates, the thread kept alive at a barrier, each
     * checked by another owner function: get_stats, dump, expire, flush. */
    static const int rounds[] = { 5, 1000, 77, 3 };
    for (size_t r = 0; r < ARRAY_SIZE(rounds); r++) {
        struct log_updater u = {
            .cache = cache,
            .n_flows = 10,
            .n_updates = rounds[r],
            .barrier = &barrier,
        };

        ovs_barrier_init(&barrier, 2);
        pthread_t thread = ovs_thread_create("log_updater", log_updater_main,
                                             &u);
        /* The main thread's own log, too. */
        struct dpif_flow_stats stats = { .n_packets = 2, .n_bytes = 200 };
        struct flow flow;
        log_flow(99, &flow);
        fx_cache_update(cache, &flow, 1, &stats);
        total += rounds[r] + 2;

        ovs_barrier_block(&barrier);
        switch (r) {
        case 0:
            fx_cache_get_stats(cache, &s);
            CHECK(s.packets == total, "get_stats: %"PRIu64" packets, "
                  "expected %"PRIu64, s.packets, total);
            break;
        case 1:
            CHECK(dump_packets(cache) == total, "dump: %"PRIu64" packets, "
                  "expected %"PRIu64, dump_packets(cache), total);
            break;
        case 2: {
            struct fx_cache_limits limits;

            /* An active timeout of 1 ms: the flows' next expiry reports
             * all of their traffic. */
            fx_cache_get_limits(cache, &limits);
            limits.active_timeout = 1;
            fx_cache_set_limits(cache, &limits);
            fx_cache_expire(cache, time_msec() + 10, &records);
            sum_records(&records, &t);
            CHECK(t.packets == total, "expire: %"PRIu64" packets, expected "
                  "%"PRIu64, t.packets, total);
            limits.active_timeout = 0;
            fx_cache_set_limits(cache, &limits);
            break;
        }
        case 3:
            fx_cache_flush(cache, FX_END_SHUTDOWN, &records);
            sum_records(&records, &t);
            break;
        }
        xpthread_join(thread, NULL);
        ovs_barrier_destroy(&barrier);
    }
    fx_cache_get_stats(cache, &s);
    CHECK(s.n_flows == 0, "%"PRIuSIZE" flows left", s.n_flows);
    check_totals(&t, total, total * 100);
    fx_cache_destroy(cache);
}

/* With no room in the queue, a thread that fills a batch applies it itself:
 * counted, nothing lost, and one thread's updates still apply in order
 * (each output change ends a record of exactly 'port_every' updates). */
static void
test_cache_log_backpressure(struct ovs_cmdl_context *ctx)
{
    size_t max_queued = ctx->argc > 1 ? atoi(ctx->argv[1]) : 0;
    struct fx_cache *cache = cache_create(0, 3600 * 1000, 100000);
    struct ovs_list records = OVS_LIST_INITIALIZER(&records);
    enum { N_THREADS = 3, N_UPDATES = 20011, PORT_EVERY = 100 };
    struct log_updater u[N_THREADS];
    pthread_t threads[N_THREADS];

    fx_cache_set_max_queued(cache, max_queued);
    for (int i = 0; i < N_THREADS; i++) {
        /* Thread 0 changes the port of its one flow every PORT_EVERY
         * updates; the others keep the queue full with other flows. */
        u[i] = (struct log_updater) {
            .cache = cache,
            .first_flow = i ? 1 : 0,
            .n_flows = i ? 50 : 1,
            .n_updates = N_UPDATES,
            .port_every = i ? 0 : PORT_EVERY,
        };
        threads[i] = ovs_thread_create("log_updater", log_updater_main,
                                       &u[i]);
    }

    struct totals t = { 0, 0, 0 };
    size_t n_changes = 0;
    for (int i = 0; i < N_THREADS; i++) {
        xpthread_join(threads[i], NULL);
    }
    fx_cache_expire(cache, time_msec(), &records);
    const struct fx_record *rec;
    LIST_FOR_EACH (rec, list_node, &records) {
        if (rec->reason == FX_END_OUTPUT_CHANGE) {
            CHECK(rec->packets == PORT_EVERY, "an output change record has "
                  "%"PRIu64" packets, expected %d", rec->packets,
                  PORT_EVERY);
            n_changes++;
        }
    }
    sum_records(&records, &t);
    fx_cache_flush(cache, FX_END_SHUTDOWN, &records);
    sum_records(&records, &t);

    struct fx_cache_stats s;
    fx_cache_get_stats(cache, &s);
    CHECK(n_changes == N_UPDATES / PORT_EVERY, "%"PRIuSIZE" output changes",
          n_changes);
    CHECK(s.n_updates == N_THREADS * N_UPDATES, "%"PRIu64" updates",
          s.n_updates);
    CHECK(s.n_dropped == 0, "%"PRIu64" records dropped", s.n_dropped);
    if (!max_queued) {
        /* Every full batch: at least one per 1000 updates of a thread. */
        CHECK(s.n_backpressure >= N_THREADS * (N_UPDATES / 1000),
              "%"PRIu64" batches applied by their thread", s.n_backpressure);
        printf("back-pressure counted\n");
    }
    check_totals(&t, N_THREADS * N_UPDATES, N_THREADS * N_UPDATES * 100);
    fx_cache_destroy(cache);
}

/* The owner drains while threads go on updating: each drain queues a copy
 * of the part of a thread's batch published so far, and the thread's
 * later hand-off queues only the rest.  No update is lost or applied
 * twice, one thread's updates still apply in order (each output change
 * ends a record of exactly 'port_every' updates), and what the owner sees
 * only grows. */
static void
test_cache_log_concurrent(struct ovs_cmdl_context *ctx OVS_UNUSED)
{
    struct fx_cache *cache = cache_create(0, 3600 * 1000, 100000);
    struct ovs_list records = OVS_LIST_INITIALIZER(&records);
    enum { N_THREADS = 2, N_UPDATES = 200003, PORT_EVERY = 97 };
    struct log_updater u[N_THREADS];
    pthread_t threads[N_THREADS];

    for (int i = 0; i < N_THREADS; i++) {
        u[i] = (struct log_updater) {
            .cache = cache,
            .first_flow = i * 1000,
            .n_flows = i ? 500 : 1,
            .n_updates = N_UPDATES,
            .port_every = i ? 0 : PORT_EVERY,
        };
        threads[i] = ovs_thread_create("log_updater", log_updater_main,
                                       &u[i]);
    }

    /* Drain as often as possible while they run.  (Fewer output changes
     * than the FX_MAX_EXPIRED records a shard keeps between two calls.) */
    struct totals t = { 0, 0, 0 };
    uint64_t last_packets = 0;
    size_t n_drains = 0;
    for (;;) {
        struct fx_cache_stats s;

        fx_cache_get_stats(cache, &s);
        CHECK(s.packets >= last_packets, "%"PRIu64" packets seen after "
              "%"PRIu64, s.packets, last_packets);
        last_packets = s.packets;
        n_drains++;
        fx_cache_expire(cache, time_msec(), &records);
        if (s.packets == (uint64_t) N_THREADS * N_UPDATES) {
            break;
        }
        CHECK(s.packets < (uint64_t) N_THREADS * N_UPDATES,
              "%"PRIu64" packets seen", s.packets);
    }
    for (int i = 0; i < N_THREADS; i++) {
        xpthread_join(threads[i], NULL);
    }
    fx_cache_flush(cache, FX_END_SHUTDOWN, &records);

    size_t n_changes = 0;
    const struct fx_record *rec;
    LIST_FOR_EACH (rec, list_node, &records) {
        if (rec->reason == FX_END_OUTPUT_CHANGE) {
            CHECK(rec->packets == PORT_EVERY, "an output change record has "
                  "%"PRIu64" packets, expected %d", rec->packets,
                  PORT_EVERY);
            n_changes++;
        }
    }
    sum_records(&records, &t);
    CHECK(n_changes == N_UPDATES / PORT_EVERY, "%"PRIuSIZE" output changes",
          n_changes);
    CHECK(n_drains > 1, "only %"PRIuSIZE" drains", n_drains);

    struct fx_cache_stats s;
    fx_cache_get_stats(cache, &s);
    CHECK(s.n_dropped == 0, "%"PRIu64" records dropped", s.n_dropped);
    check_totals(&t, N_THREADS * N_UPDATES, N_THREADS * N_UPDATES * 100);
    fx_cache_destroy(cache);
}

/* A cache destroyed while a thread has a partial batch in its log for it:
 * the thread goes on with another cache (perhaps at the same address),
 * whose counts are exact. */
static void
test_cache_log_destroy(struct ovs_cmdl_context *ctx OVS_UNUSED)
{
    struct ovs_barrier barrier;

    ovs_barrier_init(&barrier, 2);
    for (int round = 0; round < 3; round++) {
        struct fx_cache *cache = cache_create(0, 3600 * 1000, 100000);
        struct log_updater u = {
            .cache = cache,
            .n_flows = 7,
            .n_updates = 300 + round,   /* Some batches, and a part. */
            .barrier = &barrier,
        };
        pthread_t thread = ovs_thread_create("log_updater", log_updater_main,
                                             &u);

        /* Its updates of the previous round's cache, partly logged, went
         * with that cache: this one has exactly its own. */
        ovs_barrier_block(&barrier);
        struct fx_cache_stats s;
        fx_cache_get_stats(cache, &s);
        CHECK(s.n_updates == u.n_updates && s.packets == u.n_updates,
              "round %d: %"PRIu64" updates", round, s.n_updates);

        /* More, left in the log, then the cache goes. */
        u.n_updates = 5;
        u.barrier = NULL;
        xpthread_join(thread, NULL);
        thread = ovs_thread_create("log_updater", log_updater_main, &u);
        xpthread_join(thread, NULL);
        fx_cache_destroy(cache);
    }
    ovs_barrier_destroy(&barrier);

    /* And the main thread's own log of a destroyed cache. */
    for (int round = 0; round < 3; round++) {
        struct fx_cache *cache = cache_create(0, 3600 * 1000, 100000);
        struct log_updater u = {
            .cache = cache, .n_flows = 3, .n_updates = 10 + round,
        };
        struct fx_cache_stats s;

        log_updater_main(&u);
        fx_cache_get_stats(cache, &s);
        CHECK(s.n_updates == u.n_updates, "main round %d: %"PRIu64
              " updates", round, s.n_updates);
        log_updater_main(&u);
        fx_cache_destroy(cache);
    }
    printf("ok\n");
}

/* shapes. */

/* Prints what each record shape holds, and that the shape is the one found
 * for that: two shapes that held the same would make one unreachable. */
static void
test_shapes(struct ovs_cmdl_context *ctx OVS_UNUSED)
{
    for (size_t shape = 0; shape < FX_N_SHAPES; shape++) {
        const struct fx_shape_info *info = &fx_shapes[shape];

        printf("%"PRIuSIZE": %s%s%s%s found=%d\n", shape,
               !info->ip ? "l2" : info->ipv6 ? "ipv6" : "ipv4",
               info->biflow ? " biflow" : "",
               info->journey ? " journey" : "", info->nat ? " nat" : "",
               (int) fx_shape_find(info));
    }
}

/* nf5-golden. */

/* Makes 'rec' for 'tf', with times in ms since boot (NetFlow uptime). */
static void
make_record(const struct test_flow *tf, uint16_t out_port, uint8_t tcp_flags,
            uint64_t packets, uint64_t bytes, long long int first,
            long long int last, struct fx_record *rec)
{
    struct flow flow;

    memset(rec, 0, sizeof *rec);
    make_flow(tf, &flow);
    CHECK(fx_key_from_flow(&flow, 0, &rec->key), "not an IP flow");
    rec->out_port = out_port;
    rec->tcp_flags = tcp_flags;
    rec->packets = packets;
    rec->bytes = bytes;
    rec->first_used = time_boot_msec() + first;
    rec->last_used = time_boot_msec() + last;
}

/* Prints 'msg' in hex, 24 bytes (the header, half a record) a line. */
static void
print_msg(const char *title, const struct ofpbuf *msg, bool header_only)
{
    const uint8_t *p = msg->data;
    size_t size = header_only ? sizeof(struct netflow_v5_header) : msg->size;

    printf("%s: %"PRIu32" bytes\n", title, msg->size);
    for (size_t i = 0; i < size; i += 24) {
        for (size_t j = i; j < i + 24 && j < size; j++) {
            printf("%s%02x", j > i && !(j % 4) ? " " : "", p[j]);
        }
        putchar('\n');
    }
}

static enum fx_encode_result
nf5_add(struct fx_encoder *e, struct ofpbuf *msg, struct fx_record *rec)
{
    return e->class->add(e, msg, rec, NULL);
}

static size_t
nf5_finish(struct fx_encoder *e, struct ofpbuf *msg)
{
    /* Uptime 5 s; wall clock 2023-11-14 22:13:20.123 UTC. */
    return e->class->finish(e, msg, time_boot_msec() + 5000,
                            1700000000123LL);
}

static void
test_nf5_golden(struct ovs_cmdl_context *ctx OVS_UNUSED)
{
    static const struct test_flow icmp = {
        1, "10.0.0.1", "10.0.0.2", IPPROTO_ICMP, 0x2b, 3, 1
    };
    static const struct test_flow tcp = {
        3, "192.168.1.10", "192.168.1.20", IPPROTO_TCP, 0, 12345, 80
    };
    static const struct test_flow udp6 = {
        1, "2001:db8::1", "2001:db8::2", IPPROTO_UDP, 0, 1, 2
    };
    static const struct test_flow udp = {
        5, "10.1.1.1", "10.2.2.2", IPPROTO_UDP, 0, 53, 5353
    };
    const struct fx_encoder_class *class = &fx_netflow_v5_class;
    struct fx_encoder_settings settings = {
        .engine_type = 1,
        .engine_id = 2,
    };
    struct fx_encoder *e = class->create(&settings);
    struct fx_record rec, big, r6;
    struct ofpbuf msg;

    /* ICMP, TCP, IPv6 (refused), 2^32 + 5 bytes (split in two). */
    ofpbuf_init(&msg, 0);
    class->begin(e, &msg);
    make_record(&icmp, 2, 0, 3, 252, 1000, 2000, &rec);
    CHECK(nf5_add(e, &msg, &rec) == FX_ENCODE_DONE, "icmp not added");
    make_record(&tcp, 4, 0x1b, 10, 1500, 1500, 2500, &rec);
    CHECK(nf5_add(e, &msg, &rec) == FX_ENCODE_DONE, "tcp not added");
    make_record(&udp6, 2, 0, 1, 100, 0, 0, &r6);
    uint32_t size = msg.size;
    CHECK(nf5_add(e, &msg, &r6) == FX_ENCODE_UNSUPPORTED
          && msg.size == size && r6.packets == 1 && r6.bytes == 100,
          "IPv6 record not refused as unsupported");
    make_record(&udp, 6, 0, 3, (1ULL << 32) + 5, 100, 3000, &big);
    CHECK(nf5_add(e, &msg, &big) == FX_ENCODE_DONE
          && !big.packets && !big.bytes, "big record not added whole");
    CHECK(nf5_finish(e, &msg) == 4, "4 records expected");
    print_msg("icmp, tcp, big", &msg, false);

    const struct netflow_v5_record *nr = ofpbuf_at_assert(
        &msg, sizeof(struct netflow_v5_header), 4 * sizeof *nr);
    printf("split: packets %"PRIu32"+%"PRIu32", bytes %"PRIu32"+%"PRIu32
           " = %"PRIu64"\n", ntohl(nr[2].packet_count),
           ntohl(nr[3].packet_count), ntohl(nr[2].byte_count),
           ntohl(nr[3].byte_count),
           (uint64_t) ntohl(nr[2].byte_count) + ntohl(nr[3].byte_count));

    /* 31 records: the 31st does not fit. */
    ofpbuf_clear(&msg);
    class->begin(e, &msg);
    make_record(&tcp, 4, 0x1b, 10, 1500, 1500, 2500, &rec);
    for (int i = 0; i < 30; i++) {
        struct fx_record copy = rec;
        CHECK(nf5_add(e, &msg, &copy) == FX_ENCODE_DONE, "%d not added", i);
    }
    struct fx_record copy = rec;
    size = msg.size;
    CHECK(nf5_add(e, &msg, &copy) == FX_ENCODE_FULL && msg.size == size
          && copy.packets == 10 && copy.bytes == 1500,
          "31st record not refused with FULL");
    CHECK(nf5_finish(e, &msg) == 30, "30 records expected");
    print_msg("30 records", &msg, true);

    /* 29 records and the big one: half of it fits. */
    ofpbuf_clear(&msg);
    class->begin(e, &msg);
    for (int i = 0; i < 29; i++) {
        copy = rec;
        CHECK(nf5_add(e, &msg, &copy) == FX_ENCODE_DONE, "%d not added", i);
    }
    make_record(&udp, 6, 0, 3, (1ULL << 32) + 5, 100, 3000, &big);
    CHECK(nf5_add(e, &msg, &big) == FX_ENCODE_FULL
          && big.packets == 2 && big.bytes == (1ULL << 31) + 3,
          "big record: FULL with 2 packets and 2^31+3 bytes left expected");
    CHECK(nf5_finish(e, &msg) == 30, "30 records expected");
    print_msg("29 records and half of big", &msg, true);

    ofpbuf_clear(&msg);
    class->begin(e, &msg);
    CHECK(nf5_add(e, &msg, &big) == FX_ENCODE_DONE, "rest of big not added");
    CHECK(nf5_finish(e, &msg) == 1, "1 record expected");
    print_msg("rest of big", &msg, false);
    class->destroy(e);

    /* Engine id in interface numbers (only the low 9 bits of ports). */
    settings.add_id_to_iface = true;
    e = class->create(&settings);
    ofpbuf_clear(&msg);
    class->begin(e, &msg);
    make_record(&tcp, 513, 0x1b, 10, 1500, 1500, 2500, &rec);
    CHECK(nf5_add(e, &msg, &rec) == FX_ENCODE_DONE, "tcp not added");
    CHECK(nf5_finish(e, &msg) == 1, "1 record expected");
    print_msg("add_id_to_iface", &msg, false);
    class->destroy(e);
    ofpbuf_uninit(&msg);
}

/* v9-golden: NetFlow v9 is deterministic (SysUptime times, wall clock only
 * in the header), so a whole message can be compared byte for byte. */

static void
test_v9_golden(struct ovs_cmdl_context *ctx OVS_UNUSED)
{
    static const struct test_flow icmp = {
        1, "10.0.0.1", "10.0.0.2", IPPROTO_ICMP, 0x2b, 3, 1
    };
    static const struct test_flow tcp6 = {
        2, "2001:db8::1", "2001:db8::2", IPPROTO_TCP, 0, 40000, 443
    };
    const struct fx_encoder_class *class = &fx_netflow_v9_class;
    struct fx_encoder_settings settings;
    struct fx_record rec;
    struct ofpbuf msg;

    fx_encoder_settings_init(&settings);
    settings.obs_domain_id = 0x01020304;

    struct fx_encoder *e = class->create(&settings);
    ofpbuf_init(&msg, 0);
    make_record(&icmp, 2, 0, 3, 252, 1000, 2000, &rec);
    CHECK(fx_encoder_add(e, &msg, &rec, NULL) == FX_ENCODE_DONE, "icmp");
    make_record(&tcp6, 65535, 0x1b, 10, 1500, 1500, 2500, &rec);
    CHECK(fx_encoder_add(e, &msg, &rec, NULL) == FX_ENCODE_DONE, "tcp6");
    CHECK(nf5_finish(e, &msg) == 2, "2 data records expected");
    print_msg("v9: templates, statistics, ICMP, TCPv6", &msg, false);

    /* The next message: no templates, sequence 1. */
    ofpbuf_clear(&msg);
    make_record(&icmp, 2, 0, 1, 84, 3000, 3000, &rec);
    CHECK(fx_encoder_add(e, &msg, &rec, NULL) == FX_ENCODE_DONE, "icmp");
    CHECK(nf5_finish(e, &msg) == 1, "1 data record expected");
    print_msg("v9: ICMP", &msg, false);

    class->destroy(e);
    ofpbuf_uninit(&msg);
}

/* ipfix-golden: like v9-golden, but IPFIX times are wall-clock
 * milliseconds, which the test cannot fix (OVS's time/stop stops only the
 * monotonic clock).  They are checked, then zeroed before printing. */

/* Checks that the 8-byte big-endian millisecond time at 'p' is within a
 * minute of the current wall clock, then zeroes it; returns its value. */
static uint64_t
take_wall_ms(uint8_t *p)
{
    ovs_be64 be;
    memcpy(&be, p, sizeof be);
    uint64_t ms = ntohll(be);

    CHECK(llabs((long long int) ms - time_wall_msec()) < 60000,
          "time %"PRIu64" is not now", ms);
    memset(p, 0, sizeof be);
    return ms;
}

static void
test_ipfix_golden(struct ovs_cmdl_context *ctx OVS_UNUSED)
{
    static const struct test_flow icmp = {
        1, "10.0.0.1", "10.0.0.2", IPPROTO_ICMP, 0x2b, 3, 1
    };
    const struct fx_encoder_class *class = &fx_ipfix_class;
    struct fx_encoder_settings settings;
    struct fx_record rec;
    struct ofpbuf msg;

    fx_encoder_settings_init(&settings);
    settings.obs_domain_id = 0x01020304;

    struct fx_encoder *e = class->create(&settings);
    ofpbuf_init(&msg, 0);
    make_record(&icmp, 2, 0, 3, 252, 1000, 2000, &rec);
    rec.reason = FX_END_IDLE;
    CHECK(fx_encoder_add(e, &msg, &rec, NULL) == FX_ENCODE_DONE, "icmp");
    CHECK(nf5_finish(e, &msg) == 1, "1 data record expected");

    /* Header 16, template set 140, options template set 32, statistics
     * set 40 (its observationTimeMilliseconds at 188 + 4 + 28), data set
     * 64 (the record at 228 + 4, its times at +43 and +51): 292 bytes. */
    uint8_t *p = msg.data;
    CHECK(msg.size == 292, "292 bytes expected, got %"PRIu32, msg.size);
    take_wall_ms(p + 220);
    uint64_t start = take_wall_ms(p + 232 + 43);
    uint64_t end = take_wall_ms(p + 232 + 51);
    CHECK(end - start == 1000, "end - start is %"PRIu64, end - start);
    print_msg("ipfix: templates, statistics, ICMP (times zeroed)", &msg,
              false);

    class->destroy(e);
    ofpbuf_uninit(&msg);
}

/* key-pack: packed keys restore exactly what was packed, with the lengths
 * that the cache's memory depends on, and keys that differ in a configured
 * part differ packed. */

static void
check_pack(const struct flow *flow, uint32_t fields, size_t expected_len)
{
    uint8_t buf[FX_KEY_PACKED_MAX];
    struct fx_key key, unpacked;

    CHECK(fx_key_from_flow(flow, fields, &key), "flow not accounted");
    size_t len = fx_key_pack(&key, fields, buf);
    CHECK(len == expected_len, "packed %"PRIuSIZE" bytes, expected %"
          PRIuSIZE, len, expected_len);
    fx_key_unpack(buf, len, fields, &unpacked);
    CHECK(fx_key_equal(&key, &unpacked), "unpacked key differs");
    printf("fields %#"PRIx32": %"PRIuSIZE" bytes, flow %"PRIuSIZE
           " bytes\n", fields, len, fx_cache_flow_size(&key, fields));
}

/* Checks that a record of 'key' carries 'gre_key' as greKey. */
static void
check_gre_key(const struct fx_key *key, uint32_t gre_key)
{
    struct fx_encoder_settings settings;
    struct fx_ie_view view;
    struct fx_record rec;

    fx_encoder_settings_init(&settings);
    memset(&rec, 0, sizeof rec);
    rec.key = *key;
    fx_ie_view_init(&view, &rec, NULL, &settings, 0);
    fx_ie_view_set_tunnel(&view, key, fx_tunnel_kind(key, NULL), NULL);
    CHECK(ntohl(view.gre_key) == gre_key && !view.l2_segment_id,
          "greKey %"PRIu32", layer2SegmentId %"PRIu64", expected greKey %"
          PRIu32, ntohl(view.gre_key), ntohll(view.l2_segment_id), gre_key);
}

static void
make_mpls_flow(struct flow *flow)
{
    memset(flow, 0, sizeof *flow);
    flow->in_port.ofp_port = u16_to_ofp(3);
    flow->dl_type = htons(ETH_TYPE_MPLS);
    flow->mpls_lse[0] = htonl((100 << MPLS_LABEL_SHIFT) | 64);
    flow->mpls_lse[1] = htonl((200 << MPLS_LABEL_SHIFT)
                              | (5 << MPLS_TC_SHIFT) | MPLS_BOS_MASK | 63);
}

/* Prints the hash of a fixed key: it must differ between processes. */
static void
test_key_hash(struct ovs_cmdl_context *ctx OVS_UNUSED)
{
    struct fx_key key;

    memset(&key, 0, sizeof key);
    key.nw_proto = IPPROTO_UDP;
    printf("%08"PRIx32"\n", fx_key_hash(&key));
}

static void
test_key_pack(struct ovs_cmdl_context *ctx OVS_UNUSED)
{
    static const struct test_flow udp4 = {
        1, "10.0.0.1", "10.0.0.2", IPPROTO_UDP, 0, 5000, 4789
    };
    static const struct test_flow udp6 = {
        1, "2001:db8::1", "2001:db8::2", IPPROTO_UDP, 0, 5000, 53
    };
    const uint32_t all = FX_KEY_MAC | FX_KEY_VLAN | FX_KEY_MPLS
                         | FX_KEY_TUNNEL;
    struct fx_key a, b;
    struct flow flow;

    /* IPv4 and IPv6, no parts, then all of them without a tunnel. */
    make_flow(&udp4, &flow);
    check_pack(&flow, 0, 18);
    check_pack(&flow, all, 18 + 12 + 4 + 1);
    make_flow(&udp6, &flow);
    check_pack(&flow, 0, 42);

    /* Tunnels: key, outer UDP port, outer IPv4 or IPv6 addresses. */
    make_flow(&udp4, &flow);
    flow.tunnel.ip_src = htonl(0xc0000201);
    flow.tunnel.ip_dst = htonl(0xc0000202);
    flow.tunnel.tun_id = htonll(123);
    flow.tunnel.tp_src = htons(55555);
    flow.tunnel.tp_dst = htons(4789);
    check_pack(&flow, FX_KEY_TUNNEL, 18 + 1 + 2 + 8 + 8);
    CHECK(fx_key_from_flow(&flow, FX_KEY_TUNNEL, &a), "tunnel");
    flow.tunnel.tp_src = htons(44444);  /* Entropy: not in the key. */
    CHECK(fx_key_from_flow(&flow, FX_KEY_TUNNEL, &b), "tunnel");
    CHECK(fx_key_equal(&a, &b), "outer source port in the key");
    flow.tunnel.tun_id = htonll(124);
    CHECK(fx_key_from_flow(&flow, FX_KEY_TUNNEL, &b), "tunnel");
    CHECK(!fx_key_equal(&a, &b), "tunnel key not in the key");
    CHECK(fx_key_from_flow(&flow, 0, &b) && !b.tun_family,
          "tunnel without FX_KEY_TUNNEL");
    flow.tunnel.ip_src = flow.tunnel.ip_dst = 0;
    CHECK(ipv6_parse("2001:db8:1::1", &flow.tunnel.ipv6_src)
          && ipv6_parse("2001:db8:1::2", &flow.tunnel.ipv6_dst), "IPv6");
    check_pack(&flow, FX_KEY_TUNNEL, 18 + 1 + 2 + 8 + 32);

    /* ERSPAN: OVS puts the session id in the tunnel key, but it is no GRE
     * key; the version shares the family's byte. */
    flow.tunnel.tp_dst = htons(0);
    CHECK(fx_key_from_flow(&flow, FX_KEY_TUNNEL, &a), "GRE");
    check_gre_key(&a, 124);
    flow.tunnel.erspan_ver = 2;
    check_pack(&flow, FX_KEY_TUNNEL, 18 + 1 + 2 + 8 + 32);
    CHECK(fx_key_from_flow(&flow, FX_KEY_TUNNEL, &b), "ERSPAN");
    CHECK(!fx_key_equal(&a, &b), "ERSPAN version not in the key");
    check_gre_key(&b, 0);
    fx_key_restrict(&b, 0);
    CHECK(fx_key_from_flow(&flow, 0, &a) && fx_key_equal(&a, &b),
          "ERSPAN version left by fx_key_restrict()");

    /* An IPv4 destination makes an IPv4 tunnel, whatever the IPv6 fields
     * hold (fx_key_mask_wc() does not un-wildcard them then: found by
     * fuzz-records). */
    flow.tunnel.ip_dst = htonl(0xc0000202);
    CHECK(fx_key_from_flow(&flow, FX_KEY_TUNNEL, &a)
          && a.tun_family == 4 && IN6_IS_ADDR_V4MAPPED(&a.tun_src)
          && !in6_addr_get_mapped_ipv4(&a.tun_src),
          "IPv4 tunnel with an IPv6 source");
    check_pack(&flow, FX_KEY_TUNNEL, 18 + 1 + 2 + 8 + 8);

    /* MPLS: accounted only with FX_KEY_MPLS, 3 bytes a label, no TTL. */
    make_mpls_flow(&flow);
    CHECK(!fx_key_from_flow(&flow, FX_KEY_MAC, &a), "MPLS without part");
    check_pack(&flow, FX_KEY_MPLS, 4 + 1 + 2 * 3);
    CHECK(fx_key_from_flow(&flow, FX_KEY_MPLS, &a), "MPLS");
    flow.mpls_lse[0] ^= htonl(MPLS_TTL_MASK);
    CHECK(fx_key_from_flow(&flow, FX_KEY_MPLS, &b) && fx_key_equal(&a, &b),
          "MPLS TTL in the key");
    flow.mpls_lse[1] ^= htonl(1 << MPLS_TC_SHIFT);
    CHECK(fx_key_from_flow(&flow, FX_KEY_MPLS, &b) && !fx_key_equal(&a, &b),
          "MPLS TC not in the key");

    /* A stack without S bit in its first entries: the key takes them all,
     * whatever their TTLs (which a datapath flow need not match). */
    struct fx_key c, d;
    make_mpls_flow(&flow);
    flow.mpls_lse[1] &= ~htonl(MPLS_BOS_MASK);
    flow.mpls_lse[2] = htonl(0);
    CHECK(fx_key_from_flow(&flow, FX_KEY_MPLS, &c) && c.n_mpls == 3,
          "MPLS stack without S bit");
    flow.mpls_lse[2] = htonl(1);        /* Only its TTL differs. */
    CHECK(fx_key_from_flow(&flow, FX_KEY_MPLS, &d) && fx_key_equal(&c, &d),
          "MPLS stack depth depends on a TTL");

    struct ds s = DS_EMPTY_INITIALIZER;
    fx_key_format(&a, &s);
    printf("%s\n", ds_cstr(&s));
    ds_destroy(&s);
}

/* v9-mpls-golden: the non-IP template (259) of NetFlow v9 with the label
 * stack (MPLS_LABEL_1..3). */

static void
test_v9_mpls_golden(struct ovs_cmdl_context *ctx OVS_UNUSED)
{
    const struct fx_encoder_class *class = &fx_netflow_v9_class;
    struct fx_encoder_settings settings;
    struct fx_record rec;
    struct ofpbuf msg;
    struct flow flow;

    fx_encoder_settings_init(&settings);
    settings.obs_domain_id = 0x01020304;
    settings.key_fields = FX_KEY_MPLS | FX_KEY_TUNNEL;

    struct fx_encoder *e = class->create(&settings);
    ofpbuf_init(&msg, 0);
    memset(&rec, 0, sizeof rec);
    make_mpls_flow(&flow);
    CHECK(fx_key_from_flow(&flow, settings.key_fields, &rec.key), "MPLS");
    rec.out_port = 2;
    rec.packets = 3;
    rec.bytes = 150;
    rec.first_used = time_boot_msec() + 1000;
    rec.last_used = time_boot_msec() + 2000;
    CHECK(fx_encoder_add(e, &msg, &rec, NULL) == FX_ENCODE_DONE, "mpls");
    CHECK(nf5_finish(e, &msg) == 1, "1 data record expected");
    print_msg("v9: templates, statistics, MPLS", &msg, false);

    class->destroy(e);
    ofpbuf_uninit(&msg);
}

/* biflow-pairing: which records pair, which direction is forward, when
 * the others leave, and that every record comes out exactly once. */

struct biflow_totals {
    uint64_t packets;
    uint64_t records;
};

/* Gives 'tf' with 'packets' packets, flow serial 'serial', to 'b'. */
static void
biflow_add(struct fx_biflow *b, const struct test_flow *tf, uint32_t serial,
           uint64_t packets, long long int now, struct biflow_totals *in,
           struct ovs_list *out)
{
    struct fx_record rec;

    make_record(tf, tf->in_port == 1 ? 2 : 1, 0, packets, packets * 100, 0,
                0, &rec);
    rec.serial = serial;
    fx_biflow_add(b, &rec, now, out);
    in->packets += packets;
    in->records++;
}

/* Prints and frees the records in 'out', adding them to 'totals'. */
static void
biflow_print(const char *when, struct ovs_list *out,
             struct biflow_totals *totals)
{
    struct fx_biflow_record *br;

    LIST_FOR_EACH (br, list_node, out) {
        struct ds s = DS_EMPTY_INITIALIZER;

        fx_key_format(&br->forward.key, &s);
        printf("%s: %s serial=%"PRIu32" packets=%"PRIu64, when, ds_cstr(&s),
               br->forward.serial, br->forward.packets);
        totals->packets += br->forward.packets;
        totals->records++;
        if (br->paired) {
            ds_clear(&s);
            fx_key_format(&br->reverse.key, &s);
            printf(" | reverse %s serial=%"PRIu32" packets=%"PRIu64,
                   ds_cstr(&s), br->reverse.serial, br->reverse.packets);
            totals->packets += br->reverse.packets;
            totals->records++;
        }
        putchar('\n');
        ds_destroy(&s);
    }
    fx_biflow_record_list_free(out);
}

static void
test_biflow_pairing(struct ovs_cmdl_context *ctx OVS_UNUSED)
{
    static const struct test_flow echo = {
        1, "10.0.0.1", "10.0.0.2", IPPROTO_ICMP, 0, 8, 0
    };
    static const struct test_flow echo_reply = {
        2, "10.0.0.2", "10.0.0.1", IPPROTO_ICMP, 0, 0, 0
    };
    static const struct test_flow unreachable = {
        2, "10.0.0.2", "10.0.0.1", IPPROTO_ICMP, 0, 3, 1
    };
    static const struct test_flow tcp = {
        1, "10.0.0.1", "10.0.0.2", IPPROTO_TCP, 0x28, 40000, 80
    };
    static const struct test_flow tcp_reply = {
        2, "10.0.0.2", "10.0.0.1", IPPROTO_TCP, 0, 80, 40000
    };
    static const struct test_flow udp6 = {
        1, "2001:db8::1", "2001:db8::2", IPPROTO_UDP, 0, 5000, 53
    };
    struct fx_biflow *b = fx_biflow_create(0, 2000, 3);
    struct ovs_list out = OVS_LIST_INITIALIZER(&out);
    struct biflow_totals in = { 0, 0 }, got = { 0, 0 };
    struct fx_biflow_stats st;

    /* A reply whose flow the cache created first is the forward
     * direction; ToS and ingress port do not prevent a pair; an ICMP
     * error has no reverse. */
    biflow_add(b, &echo, 5, 3, 1000, &in, &out);
    biflow_add(b, &udp6, 6, 4, 1000, &in, &out);
    biflow_add(b, &tcp_reply, 3, 2, 1000, &in, &out);
    biflow_add(b, &unreachable, 8, 1, 1000, &in, &out);
    biflow_print("batch 1", &out, &got);
    biflow_add(b, &echo_reply, 7, 2, 1500, &in, &out);
    biflow_add(b, &tcp, 4, 5, 1500, &in, &out);
    fx_biflow_run(b, 1500, false, &out);
    biflow_print("batch 2", &out, &got);

    /* The lone UDP record leaves when its 2 s are up. */
    fx_biflow_run(b, 2999, false, &out);
    CHECK(ovs_list_is_empty(&out), "left before its time");
    CHECK(fx_biflow_next_deadline(b) == 3000, "deadline not 3000");
    fx_biflow_run(b, 3000, false, &out);
    biflow_print("at 3000", &out, &got);

    /* Five lone records, three may wait: the two oldest leave early. */
    for (int i = 0; i < 5; i++) {
        struct test_flow u = udp6;

        u.sport = 6000 + i;
        biflow_add(b, &u, 10 + i, 1, 4000, &in, &out);
    }
    fx_biflow_run(b, 4000, false, &out);
    biflow_print("overflow", &out, &got);
    fx_biflow_run(b, 4000, true, &out);
    biflow_print("drain", &out, &got);

    fx_biflow_get_stats(b, &st);
    printf("paired %"PRIu64", alone %"PRIu64", overflows %"PRIu64
           ", pending %"PRIuSIZE"\n", st.paired, st.alone, st.overflows,
           st.pending);
    CHECK(got.packets == in.packets && got.records == in.records,
          "%"PRIu64" records, %"PRIu64" packets in; %"PRIu64", %"PRIu64
          " out", in.records, in.packets, got.records, got.packets);
    printf("in = out: %"PRIu64" records, %"PRIu64" packets\n",
           got.records, got.packets);
    fx_biflow_destroy(b);

    /* Without ports (track level proto or ip) ICMP types are not mapped:
     * the addresses (and protocol) are the key. */
    struct fx_record a;
    struct fx_key rev;
    make_record(&echo, 2, 0, 1, 100, 0, 0, &a);
    fx_key_restrict(&a.key, FX_TRACK_PROTO);
    CHECK(fx_biflow_reverse_key(&a.key, FX_TRACK_PROTO, &rev)
          && !rev.tp_src && !rev.tp_dst
          && ipv6_addr_equals(&rev.src, &a.key.dst),
          "track level proto: bad reverse key");
    make_record(&unreachable, 2, 0, 1, 100, 0, 0, &a);
    CHECK(!fx_biflow_reverse_key(&a.key, 0, &rev),
          "ICMP unreachable has a reverse");
}

/* ipfix-biflow-golden: the biflow templates with their enterprise
 * elements, and one biflow record. */
static void
test_ipfix_biflow_golden(struct ovs_cmdl_context *ctx OVS_UNUSED)
{
    static const struct test_flow echo = {
        1, "10.0.0.1", "10.0.0.2", IPPROTO_ICMP, 0, 8, 0
    };
    static const struct test_flow echo_reply = {
        2, "10.0.0.2", "10.0.0.1", IPPROTO_ICMP, 0x28, 0, 0
    };
    const struct fx_encoder_class *class = &fx_ipfix_class;
    struct fx_encoder_settings settings;
    struct fx_record fwd, rev;
    struct ofpbuf msg;

    fx_encoder_settings_init(&settings);
    settings.obs_domain_id = 0x01020304;
    settings.bidirectional = true;

    struct fx_encoder *e = class->create(&settings);
    ofpbuf_init(&msg, 0);
    make_record(&echo, 2, 0, 3, 252, 1000, 2000, &fwd);
    make_record(&echo_reply, 1, 0x12, 2, 168, 1100, 2500, &rev);
    fwd.reason = FX_END_IDLE;
    CHECK(fx_encoder_add(e, &msg, &fwd, &rev) == FX_ENCODE_DONE,
          "biflow");
    CHECK(nf5_finish(e, &msg) == 1, "1 data record expected");

    /* The message ends with the statistics set (40 bytes, its time 32
     * bytes in) and the data set (4 + 104: the forward times at 43 and 51,
     * the reverse ones at 88 and 96). */
    uint8_t *p = msg.data;
    uint8_t *r = p + msg.size - 104;
    take_wall_ms(r - 4 - 40 + 32);
    uint64_t start = take_wall_ms(r + 43);
    uint64_t end = take_wall_ms(r + 51);
    uint64_t rev_start = take_wall_ms(r + 88);
    uint64_t rev_end = take_wall_ms(r + 96);
    CHECK(end - start == 1000 && rev_start - start == 100
          && rev_end - start == 1500, "times do not match the records");
    print_msg("ipfix biflow: templates, statistics, ICMP echo (times zeroed)",
              &msg, false);

    /* v9 and v5 cannot carry biflows. */
    struct fx_encoder *e9 = fx_netflow_v9_class.create(&settings);
    ofpbuf_clear(&msg);
    CHECK(fx_encoder_add(e9, &msg, &fwd, &rev)
          == FX_ENCODE_UNSUPPORTED && !msg.size, "v9 took a biflow");
    fx_netflow_v9_class.destroy(e9);

    class->destroy(e);
    ofpbuf_uninit(&msg);
}

/* exporter-roundtrip. */

/* Opens a UDP socket on 127.0.0.1 and initializes 'options' for a NetFlow
 * v5 exporter named "netflow" that sends to it.  Returns the socket. */
static int
open_v5_collector(struct fx_exporter_options *options)
{
    struct sockaddr_storage ss;
    int fd = inet_open_passive(SOCK_DGRAM, "0:127.0.0.1", 0, &ss,
                               DSCP_DEFAULT, false);
    CHECK(fd >= 0, "cannot open UDP socket (%s)", ovs_strerror(-fd));

    fx_exporter_options_init(options);
    options->name = xstrdup("netflow");
    options->protocol = FX_PROTO_NETFLOW_V5;
    char *target = xasprintf("127.0.0.1:%"PRIu16, ss_get_port(&ss));
    sset_add(&options->targets, target);
    free(target);
    return fd;
}

static void
test_exporter_roundtrip(struct ovs_cmdl_context *ctx OVS_UNUSED)
{
    struct fx_exporter_options options;
    int fd = open_v5_collector(&options);

    options.encoder.engine_type = 1;
    options.encoder.engine_id = 2;
    options.active_timeout = 60000;
    options.inactive_timeout = 15000;
    options.max_flows = 1000;
    struct fx_exporter *exporter = fx_exporter_create(&options);
    CHECK(exporter, "no exporter");
    fx_exporter_options_destroy(&options);

    /* 65 IPv4 records, record i with i + 1 packets, and one IPv6 record
     * after the 40th. */
    struct ovs_list records = OVS_LIST_INITIALIZER(&records);
    uint64_t packets = 0, bytes = 0;
    for (int i = 0; i < 66; i++) {
        struct fx_record *rec = xmalloc(sizeof *rec);
        struct test_flow tf = {
            1, "203.0.113.1", "203.0.113.2", IPPROTO_UDP, 0, 1000 + i, 53
        };

        if (i == 40) {
            tf.src = "2001:db8::1";
            tf.dst = "2001:db8::2";
        }
        make_record(&tf, 2, 0, i + 1, 100 * (i + 1), 0, 10, rec);
        ovs_list_push_back(&records, &rec->list_node);
        if (i != 40) {
            packets += i + 1;
            bytes += 100 * (i + 1);
        }
    }
    fx_exporter_export(exporter, &records, false);
    fx_record_list_free(&records);

    uint64_t got_packets = 0, got_bytes = 0;
    int expected_port = 1000;
    for (int i = 0; ; i++) {
        struct pollfd pfd = { .fd = fd, .events = POLLIN };
        uint8_t buf[65536];

        if (poll(&pfd, 1, i < 3 ? 10000 : 100) <= 0) {
            CHECK(i == 3, "%d messages received, 3 expected", i);
            break;
        }
        ssize_t n = recv(fd, buf, sizeof buf, 0);
        CHECK(n >= (ssize_t) sizeof(struct netflow_v5_header),
              "short message");

        const struct netflow_v5_header *h = (void *) buf;
        size_t count = ntohs(h->count);
        CHECK(n == sizeof *h + count * sizeof(struct netflow_v5_record)
              && ntohs(h->version) == 5, "bad message");
        printf("message %d: %"PRIuSIZE" bytes, count=%"PRIuSIZE
               " flow_seq=%"PRIu32" engine=%d/%d\n", i + 1, (size_t) n,
               count, ntohl(h->flow_seq), h->engine_type, h->engine_id);

        const struct netflow_v5_record *r = (void *) (h + 1);
        for (size_t j = 0; j < count; j++, r++) {
            if (expected_port == 1040) {
                expected_port++;        /* The IPv6 record. */
            }
            CHECK(ntohs(r->src_port) == expected_port
                  && ntohl(r->packet_count) == expected_port - 999,
                  "record for port %d out of order", expected_port);
            expected_port++;
            got_packets += ntohl(r->packet_count);
            got_bytes += ntohl(r->byte_count);
        }
    }
    CHECK(got_packets == packets && got_bytes == bytes,
          "received %"PRIu64" packets, %"PRIu64" bytes; sent %"PRIu64
          ", %"PRIu64, got_packets, got_bytes, packets, bytes);
    printf("received packets=%"PRIu64" bytes=%"PRIu64"\n",
           got_packets, got_bytes);

    struct ds s = DS_EMPTY_INITIALIZER;
    fx_exporter_format(exporter, &s);
    printf("%s", ds_cstr(&s));
    ds_destroy(&s);

    fx_exporter_destroy(exporter);
    close(fd);
}

/* tap-unref-thread: a tap whose last reference goes in another thread
 * (as when the RCU thread clears an xlate cache after its bridge went
 * away) sends nothing from that thread: the main thread's fx_tap_reap()
 * exports what it held. */
static void *
unref_thread(void *nf)
{
    netflow_unref(nf);
    return NULL;
}

/* Returns the number of records in the NetFlow v5 message waiting on 'fd',
 * adding their packets to '*packets', or 0 if none comes within
 * 'timeout_ms'. */
static size_t
recv_v5(int fd, int timeout_ms, uint64_t *packets)
{
    struct pollfd pfd = { .fd = fd, .events = POLLIN };
    uint8_t buf[65536];

    if (poll(&pfd, 1, timeout_ms) <= 0) {
        return 0;
    }
    ssize_t n = recv(fd, buf, sizeof buf, 0);
    CHECK(n >= (ssize_t) sizeof(struct netflow_v5_header), "short message");

    const struct netflow_v5_header *h = (void *) buf;
    const struct netflow_v5_record *r = (void *) (h + 1);
    size_t count = ntohs(h->count);
    for (size_t i = 0; i < count; i++) {
        *packets += ntohl(r[i].packet_count);
    }
    return count;
}

static void
test_tap_unref_thread(struct ovs_cmdl_context *ctx OVS_UNUSED)
{
    struct fx_exporter_options options;
    int fd = open_v5_collector(&options);

    struct netflow *nf = netflow_create();
    fx_tap_configure(nf, &options, 1);
    fx_exporter_options_destroy(&options);

    struct test_flow tf = { 1, "10.0.0.1", "10.0.0.2", IPPROTO_UDP, 0, 1, 2 };
    struct dpif_flow_stats stats = {
        .n_packets = 3, .n_bytes = 300, .used = time_msec(),
    };
    struct flow flow;
    make_flow(&tf, &flow);
    netflow_flow_update(nf, &flow, u16_to_ofp(2), &stats);

    pthread_t thread = ovs_thread_create("unref", unref_thread, nf);
    xpthread_join(thread, NULL);

    uint64_t packets = 0;
    size_t n = recv_v5(fd, 200, &packets);
    CHECK(!n, "the thread that dropped the last reference sent %"PRIuSIZE
          " records", n);
    printf("last reference dropped in another thread: nothing sent\n");

    fx_tap_reap();
    n = recv_v5(fd, 10000, &packets);
    printf("fx_tap_reap(): %"PRIuSIZE" record, %"PRIu64" packets\n",
           n, packets);
    CHECK(!netflow_exists(), "the tap still exists");
    close(fd);
}

/* idl-pace: the plugin's database connections run at once after a quiet
 * moment, are deferred while the main loop runs again within
 * FX_IDL_PACE_MS, and a deferred connection's turn wakes the main loop by
 * itself (poll_block() with nothing else to wait for returns). */
static void
test_idl_pace(struct ovs_cmdl_context *ctx OVS_UNUSED)
{
    struct fx_idl_pace pace = { .last_run = 0 };
    bool first, second, wait_as_usual;
    long long int first_run;
    int tries = 0;

    /* Two runs in a row: the second comes within FX_IDL_PACE_MS of the
     * first unless this host stalls for that long; then try again. */
    do {
        CHECK(++tries <= 10, "no two runs within %d ms in 10 tries",
              FX_IDL_PACE_MS);
        xnanosleep((FX_IDL_PACE_MS + 5) * 1000000LL);
        first = fx_idl_pace_run(&pace);
        CHECK(first && fx_idl_pace_wait(&pace),
              "a run after a quiet moment was deferred");
        first_run = pace.last_run;
        second = fx_idl_pace_run(&pace);
    } while (fx_idl_pace_now() - first_run >= FX_IDL_PACE_MS);
    CHECK(!second, "a run right after another was not deferred");
    printf("after a quiet moment: runs at once\n");

    wait_as_usual = fx_idl_pace_wait(&pace);
    CHECK(!wait_as_usual, "a deferred connection would wait for its socket");
    printf("right after: deferred, its turn armed as a timer\n");

    /* With only the pace's timer to wait for, poll_block() must return;
     * the run is due within a wake-up or two (OVS rounds timers to ms). */
    int wakeups = 0;
    while (!fx_idl_pace_run(&pace)) {
        CHECK(++wakeups <= 3, "still deferred after %d wake-ups", wakeups);
        CHECK(!fx_idl_pace_wait(&pace), "deferred, but no timer");
        poll_block();
    }
    CHECK(fx_idl_pace_wait(&pace), "a connection that ran waits as usual");
    printf("its turn: runs, then waits for its socket again\n");
}

/* iftable: the interface table keeps the identities ports had, finds the
 * one a record's time needs, forgets them after their retention, and an
 * IPFIX record with a long name uses the three-byte length (RFC 7011
 * section 7). */
static const char *
iface_name(const struct fx_iface *iface)
{
    return !iface ? "(none)" : iface->removed ? "(removed)" : iface->name;
}

static void
print_rows(const char *title, const struct fx_iftable *t)
{
    size_t n;
    const struct fx_iface *const *rows = fx_iftable_rows(t, &n);

    printf("%s: version %"PRIu64":", title, fx_iftable_version(t));
    for (size_t i = 0; i < n; i++) {
        printf(" %"PRIu16"=%s", rows[i]->port, iface_name(rows[i]));
    }
    printf("\n");
}

static void
test_iftable(struct ovs_cmdl_context *ctx OVS_UNUSED)
{
    struct fx_iftable *t = fx_iftable_create();
    const struct fx_port_info v1[] = {
        { .port = 2, .name = "b", .type = "system" },
        { .port = 1, .name = "a", .type = "system", .iface_id = "lsp-a" },
    };
    const struct fx_port_info v2[] = {
        { .port = 1, .name = "a2", .type = "system", .iface_id = "lsp-a" },
        { .port = 3, .name = "c", .type = "vxlan" },
    };
    const struct fx_port_info v3[] = {
        { .port = 1, .name = "a2", .type = "system", .ids_unknown = true },
        { .port = 3, .name = "c", .type = "vxlan" },
    };

    CHECK(fx_iftable_set(t, v1, ARRAY_SIZE(v1), 100), "v1 changes nothing");
    CHECK(!fx_iftable_set(t, v1, ARRAY_SIZE(v1), 150), "v1 again changes");
    print_rows("v1", t);
    CHECK(fx_iftable_set(t, v2, ARRAY_SIZE(v2), 200), "v2 changes nothing");
    print_rows("v2", t);

    size_t n;
    const uint16_t *changed = fx_iftable_changed_ports(t, &n);
    printf("changed:");
    for (size_t i = 0; i < n; i++) {
        printf(" %"PRIu16, changed[i]);
    }
    printf("\n");

    /* A port whose row is gone keeps its identity under the same name. */
    CHECK(!fx_iftable_set(t, v3, ARRAY_SIZE(v3), 250), "v3 changes");

    static const struct {
        uint16_t port;
        long long int when;
    } lookups[] = {
        { 1, 50 }, { 1, 199 }, { 1, 200 }, { 2, 199 }, { 2, 5000 },
        { 3, 100 }, { 4, 100 },
    };
    for (size_t i = 0; i < ARRAY_SIZE(lookups); i++) {
        printf("port %"PRIu16" at %lld: %s\n", lookups[i].port,
               lookups[i].when,
               iface_name(fx_iftable_lookup(t, lookups[i].port,
                                            lookups[i].when)));
    }

    fx_iftable_expire(t, 250, 50);
    print_rows("expired at 250, kept 50", t);
    fx_iftable_expire(t, 251, 50);
    print_rows("expired at 251, kept 50", t);
    printf("port 2 at 199: %s\n", iface_name(fx_iftable_lookup(t, 2, 199)));

    /* A 300-byte name: length 255, then 300 in two bytes. */
    char name[301];
    memset(name, 'x', 300);
    name[300] = '\0';
    const struct fx_port_info v4[] = {
        { .port = 1, .name = name, .type = "system" },
    };
    fx_iftable_set(t, v4, ARRAY_SIZE(v4), 300);

    struct fx_encoder_settings settings;
    fx_encoder_settings_init(&settings);
    settings.port_identity = true;
    settings.mtu = 1400;
    struct fx_encoder *encoder = fx_ipfix_class.create(&settings);
    encoder->iftable = t;

    struct test_flow tf = { 1, "10.0.0.1", "10.0.0.2", IPPROTO_UDP, 0, 1, 2 };
    struct fx_record rec;
    struct ofpbuf msg;
    make_record(&tf, 2, 0, 1, 100, 0, 0, &rec);
    rec.first_used = rec.last_used = 400;
    ofpbuf_init(&msg, 0);
    CHECK(fx_encoder_add(encoder, &msg, &rec, NULL) == FX_ENCODE_DONE,
          "record not encoded");
    fx_ipfix_class.finish(encoder, &msg, 400, 400);

    const uint8_t *p = memmem(msg.data, msg.size, name, 300);
    CHECK(p && p - 3 >= (const uint8_t *) msg.data, "name not found");
    printf("name length: %02x %02x %02x\n", p[-3], p[-2], p[-1]);

    ofpbuf_uninit(&msg);
    fx_ipfix_class.destroy(encoder);
    fx_iftable_destroy(t);
}

/* encoder-mtu: at every message size from the smallest that validation
 * accepts up, NetFlow v9 and IPFIX messages stay within it and carry every
 * record, with records of several templates and lengths (port names of
 * every length modulo 4, so that sets need padding) mixed with interface
 * table options records in one message. */

struct mtu_run {
    struct fx_encoder *encoder;
    struct ofpbuf msg;
    size_t mtu;
    size_t n_records;           /* Data records finish() reported. */
    size_t n_msgs;
    unsigned long *known;       /* Template ids that went out so far. */
};

/* Checks that each data set of v9 or IPFIX message 'msg' has its template
 * in an earlier message of 'run' or earlier in 'msg' (RFC 7011 section 8,
 * RFC 3954 section 5), and adds the templates of 'msg' to 'run->known'.
 * Walks only what our encoders write: one template per options template
 * set, padding shorter than a template record. */
static void
mtu_run_check_templates(struct mtu_run *run, const struct ofpbuf *msg)
{
    const uint8_t *p = msg->data;
    bool ipfix = p[1] == 10;
    size_t ofs = ipfix ? 16 : 20;

    while (ofs + 4 <= msg->size) {
        uint16_t set_id = p[ofs] << 8 | p[ofs + 1];
        size_t len = p[ofs + 2] << 8 | p[ofs + 3];
        size_t end = ofs + len;
        size_t pos = ofs + 4;

        CHECK(len >= 4 && end <= msg->size, "malformed set at %"PRIuSIZE,
              ofs);
        if (set_id == (ipfix ? 2 : 0)) {
            while (pos + 4 <= end) {
                size_t n_fields = p[pos + 2] << 8 | p[pos + 3];

                bitmap_set1(run->known, p[pos] << 8 | p[pos + 1]);
                for (pos += 4; n_fields--; pos += 4) {
                    pos += ipfix && p[pos] & 0x80 ? 4 : 0;
                }
            }
        } else if (set_id == (ipfix ? 3 : 1)) {
            bitmap_set1(run->known, p[pos] << 8 | p[pos + 1]);
        } else {
            CHECK(bitmap_is_set(run->known, set_id), "%s, MTU %"PRIuSIZE
                  ": message %"PRIuSIZE" has records of template %"PRIu16
                  " before the template", run->encoder->class->name,
                  run->mtu, run->n_msgs + 1, set_id);
        }
        ofs = end;
    }
}

static void
mtu_run_send(struct mtu_run *run)
{
    struct fx_encoder *e = run->encoder;

    run->n_records += e->class->finish(e, &run->msg, 1000, 1700000000000LL);
    CHECK(run->msg.size <= run->mtu, "%s: %"PRIu32"-byte message, MTU %"
          PRIuSIZE, e->class->name, run->msg.size, run->mtu);
    mtu_run_check_templates(run, &run->msg);
    run->n_msgs++;
    ofpbuf_clear(&run->msg);
}

static void
mtu_run_options(struct mtu_run *run)
{
    struct fx_encoder *e = run->encoder;
    size_t n;

    while (e->class->add_options(e, &run->msg, &n) == FX_ENCODE_FULL) {
        mtu_run_send(run);
    }
}

static void
test_encoder_mtu(struct ovs_cmdl_context *ctx OVS_UNUSED)
{
    /* IPFIX biflows: the first record's template (IPv6 biflows) comes
     * late in the first round of templates, which small MTUs split. */
    static const struct {
        const struct fx_encoder_class *class;
        bool bidirectional;
    } cases[] = {
        { &fx_netflow_v9_class, false },
        { &fx_ipfix_class, false },
        { &fx_ipfix_class, true },
    };
    struct fx_port_info ports[8];
    char names[ARRAY_SIZE(ports)][16];

    for (size_t i = 0; i < ARRAY_SIZE(ports); i++) {
        snprintf(names[i], sizeof names[i], "%.*s", (int) (i + 1),
                 "abcdefghijklmno");
        ports[i] = (struct fx_port_info) {
            .port = i + 1, .name = names[i], .type = "system",
            .iface_id = i % 2 ? "lsp" : NULL,
        };
    }

    for (size_t c = 0; c < ARRAY_SIZE(cases); c++) {
        const struct fx_encoder_class *class = cases[c].class;
        struct fx_encoder_settings settings;
        size_t n_msgs = 0;

        fx_encoder_settings_init(&settings);
        settings.port_identity = true;
        settings.interface_table = true;
        settings.bidirectional = cases[c].bidirectional;

        size_t min_mtu = class->min_mtu(&settings);
        for (size_t mtu = min_mtu; mtu < min_mtu + 200; mtu++) {
            struct fx_iftable *ift = fx_iftable_create();
            struct mtu_run run = {
                .mtu = mtu, .known = bitmap_allocate(UINT16_MAX + 1),
            };
            size_t n_added = 0;

            fx_iftable_set(ift, ports, ARRAY_SIZE(ports), 0);
            settings.mtu = mtu;
            run.encoder = class->create(&settings);
            run.encoder->iftable = ift;
            ofpbuf_init(&run.msg, 0);

            for (size_t i = 0; i < 60; i++) {
                struct test_flow tf = {
                    1 + i % ARRAY_SIZE(ports),
                    i % 3 ? "10.0.0.1" : "2001:db8::1",
                    i % 3 ? "10.0.0.2" : "2001:db8::2",
                    IPPROTO_UDP, 0, 1000 + i, 53
                };
                struct test_flow tf_reverse = {
                    tf.in_port, tf.dst, tf.src, tf.proto, 0, tf.dport,
                    tf.sport
                };
                struct fx_record rec, reverse;
                bool biflow = settings.bidirectional && !(i % 3);

                make_record(&tf, 1 + (i * 3) % ARRAY_SIZE(ports), 0, 1, 100,
                            10, 20, &rec);
                make_record(&tf_reverse, tf.in_port, 0, 1, 100, 10, 20,
                            &reverse);
                enum fx_encode_result result;
                while ((result = fx_encoder_add(run.encoder, &run.msg, &rec,
                                                biflow ? &reverse : NULL))
                       == FX_ENCODE_FULL) {
                    mtu_run_send(&run);
                }
                CHECK(result == FX_ENCODE_DONE, "%s, MTU %"PRIuSIZE
                      ": record %"PRIuSIZE" refused", class->name, mtu, i);
                n_added++;
                if (i % 7 == 6) {
                    /* Changed names make the whole table due again. */
                    ports[i % ARRAY_SIZE(ports)].name
                        = i % 2 ? "renamed" : names[i % ARRAY_SIZE(ports)];
                    fx_iftable_set(ift, ports, ARRAY_SIZE(ports), i);
                    mtu_run_options(&run);
                }
            }
            if (run.msg.size) {
                mtu_run_send(&run);
            }
            CHECK(run.n_records == n_added, "%s, MTU %"PRIuSIZE": %"PRIuSIZE
                  " records added, %"PRIuSIZE" in messages", class->name,
                  mtu, n_added, run.n_records);
            CHECK(!run.encoder->options_too_big, "%s, MTU %"PRIuSIZE
                  ": options left out", class->name, mtu);
            n_msgs += run.n_msgs;

            ofpbuf_uninit(&run.msg);
            bitmap_free(run.known);
            class->destroy(run.encoder);
            fx_iftable_destroy(ift);
            for (size_t i = 0; i < ARRAY_SIZE(ports); i++) {
                ports[i].name = names[i];
            }
        }
        printf("%s%s: MTU %"PRIuSIZE" to %"PRIuSIZE": every message fits, "
               "templates first\n", class->name,
               settings.bidirectional ? " biflows" : "", min_mtu,
               min_mtu + 199);
    }
}

/* tunnel-types TARGET: sends to IPFIX collector TARGET (UDP) one record per
 * tunnel type of VMware's tunnelType element, as OVS's own IPFIX exporter
 * numbers them, for tshark and ipfixDump to read (tests/unit.at).  OVS's
 * dummy datapath cannot receive STT or LISP packets (userspace tunnels
 * have no decapsulation for them), so this is the only test of those two
 * short of a kernel with the out-of-tree OVS module. */
static void
test_tunnel_types(struct ovs_cmdl_context *ctx)
{
    static const struct {
        struct fx_port_info port;
        const char *outer_src, *outer_dst;
        uint16_t outer_dport;
        uint64_t key;
    } tunnels[] = {
#define TUNNEL(PORT, NAME, TYPE, SRC, DST, DPORT, KEY)                    \
        { { .port = PORT, .name = NAME, .type = TYPE }, SRC, DST, DPORT, KEY }
        TUNNEL(1, "vxlan0", "vxlan", "192.0.2.1", "192.0.2.254", 4789, 5001),
        TUNNEL(2, "gre0", "gre", "192.0.2.2", "192.0.2.254", 0, 0x12345678),
        TUNNEL(3, "geneve0", "geneve", "192.0.2.3", "192.0.2.254", 6081,
               0xabcdef),
        TUNNEL(4, "stt0", "stt", "192.0.2.4", "192.0.2.254", 7471,
               UINT64_C(0x0102030405060708)),
        TUNNEL(5, "lisp0", "lisp", "192.0.2.5", "192.0.2.254", 4341, 77),
        TUNNEL(6, "erspan0", "erspan", "192.0.2.6", "192.0.2.254", 0, 99),
        TUNNEL(7, "stt6", "stt", "2001:db8::7", "2001:db8::fe", 7471, 7),
#undef TUNNEL
    };
    struct fx_port_info ports[ARRAY_SIZE(tunnels)];
    struct fx_iftable *iftable = fx_iftable_create();

    for (size_t i = 0; i < ARRAY_SIZE(tunnels); i++) {
        ports[i] = tunnels[i].port;
    }
    fx_iftable_set(iftable, ports, ARRAY_SIZE(ports), time_msec());

    struct fx_exporter_options options;
    fx_exporter_options_init(&options);
    options.name = xstrdup("ipfix");
    options.protocol = FX_PROTO_IPFIX;
    options.encoder.obs_domain_id = 5;
    options.encoder.key_fields = FX_KEY_TUNNEL;
    options.active_timeout = 60000;
    options.inactive_timeout = 15000;
    options.max_flows = 1000;
    sset_add(&options.targets, ctx->argv[1]);
    struct fx_exporter *exporter = fx_exporter_create(&options);
    CHECK(exporter, "no exporter");
    fx_exporter_options_destroy(&options);
    fx_exporter_set_iftable(exporter, iftable);

    struct ovs_list records = OVS_LIST_INITIALIZER(&records);
    for (size_t i = 0; i < ARRAY_SIZE(tunnels); i++) {
        struct test_flow tf = {
            tunnels[i].port.port, "10.0.0.1", "10.0.0.2", IPPROTO_UDP, 0,
            1000, 2000
        };
        struct fx_record *rec = xzalloc(sizeof *rec);
        struct flow flow;

        make_flow(&tf, &flow);
        if (strchr(tunnels[i].outer_src, ':')) {
            CHECK(ipv6_parse(tunnels[i].outer_src, &flow.tunnel.ipv6_src)
                  && ipv6_parse(tunnels[i].outer_dst, &flow.tunnel.ipv6_dst),
                  "bad IPv6 address");
        } else {
            CHECK(ip_parse(tunnels[i].outer_src, &flow.tunnel.ip_src)
                  && ip_parse(tunnels[i].outer_dst, &flow.tunnel.ip_dst),
                  "bad IPv4 address");
        }
        flow.tunnel.tun_id = htonll(tunnels[i].key);
        flow.tunnel.tp_dst = htons(tunnels[i].outer_dport);
        flow.tunnel.erspan_ver = !strcmp(tunnels[i].port.type, "erspan");
        CHECK(fx_key_from_flow(&flow, FX_KEY_TUNNEL, &rec->key),
              "not an IP flow");
        rec->out_port = 100;
        rec->packets = i + 1;
        rec->bytes = 100 * (i + 1);
        rec->first_used = rec->last_used = time_msec();
        rec->reason = FX_END_FLUSH;
        ovs_list_push_back(&records, &rec->list_node);
    }
    fx_exporter_export(exporter, &records, true);
    fx_record_list_free(&records);

    struct ds s = DS_EMPTY_INITIALIZER;
    fx_exporter_format(exporter, &s);
    printf("%s", ds_cstr(&s));
    ds_destroy(&s);
    fx_exporter_destroy(exporter);
    fx_iftable_destroy(iftable);
}

static const struct ovs_cmdl_command commands[] = {
    {"cache-basic", NULL, 0, 0, test_cache_basic, OVS_RO},
    {"cache-timeouts", NULL, 0, 0, test_cache_timeouts, OVS_RO},
    {"cache-nat", NULL, 0, 0, test_cache_nat, OVS_RO},
    {"cache-evict", NULL, 0, 0, test_cache_evict, OVS_RO},
    {"cache-expired-bound", NULL, 0, 0, test_cache_expired_bound, OVS_RO},
    {"cache-arenas", NULL, 0, 0, test_cache_arenas, OVS_RO},
    {"cache-threads", "[THREADS [UPDATES]]", 0, 2, test_cache_threads,
     OVS_RO},
    {"cache-log-drain", NULL, 0, 0, test_cache_log_drain, OVS_RO},
    {"cache-log-backpressure", "[MAX_QUEUED]", 0, 1,
     test_cache_log_backpressure, OVS_RO},
    {"cache-log-destroy", NULL, 0, 0, test_cache_log_destroy, OVS_RO},
    {"cache-log-concurrent", NULL, 0, 0, test_cache_log_concurrent, OVS_RO},
    {"cache-max-life", NULL, 0, 0, test_cache_max_life, OVS_RO},
    {"cache-max-life-long", NULL, 0, 0, test_cache_max_life_long, OVS_RO},
    {"idl-pace", NULL, 0, 0, test_idl_pace, OVS_RO},
    {"cache-time-wrap", NULL, 0, 0, test_cache_time_wrap, OVS_RO},
    {"cache-churn-expiry", NULL, 0, 0, test_cache_churn_expiry, OVS_RO},
    {"store-collisions", NULL, 0, 0, test_store_collisions, OVS_RO},
    {"store-resize", NULL, 0, 0, test_store_resize, OVS_RO},
    {"store-free-list", NULL, 0, 0, test_store_free_list, OVS_RO},
    {"store-iterate", NULL, 0, 0, test_store_iterate, OVS_RO},
    {"store-memory", NULL, 0, 0, test_store_memory, OVS_RO},
    {"sampling", NULL, 0, 0, test_sampling, OVS_RO},
    {"shapes", NULL, 0, 0, test_shapes, OVS_RO},
    {"nf5-golden", NULL, 0, 0, test_nf5_golden, OVS_RO},
    {"v9-golden", NULL, 0, 0, test_v9_golden, OVS_RO},
    {"ipfix-golden", NULL, 0, 0, test_ipfix_golden, OVS_RO},
    {"key-pack", NULL, 0, 0, test_key_pack, OVS_RO},
    {"key-hash", NULL, 0, 0, test_key_hash, OVS_RO},
    {"v9-mpls-golden", NULL, 0, 0, test_v9_mpls_golden, OVS_RO},
    {"biflow-pairing", NULL, 0, 0, test_biflow_pairing, OVS_RO},
    {"ipfix-biflow-golden", NULL, 0, 0, test_ipfix_biflow_golden, OVS_RO},
    {"exporter-roundtrip", NULL, 0, 0, test_exporter_roundtrip, OVS_RO},
    {"tunnel-types", "TARGET", 1, 1, test_tunnel_types, OVS_RO},
    {"iftable", NULL, 0, 0, test_iftable, OVS_RO},
    {"encoder-mtu", NULL, 0, 0, test_encoder_mtu, OVS_RO},
    {"tap-unref-thread", NULL, 0, 0, test_tap_unref_thread, OVS_RO},
    {NULL, NULL, 0, 0, NULL, OVS_RO},
};

int
main(int argc, char *argv[])
{
    struct ovs_cmdl_context ctx = {
        .argc = argc - 1,
        .argv = argv + 1,
    };

    set_program_name(argv[0]);
    /* The clock is moved through this process's own unixctl server, a
     * poll loop that OVS reports as busy when a test warps it thousands of
     * times (slowly, under the sanitizers): that is not the test's
     * output. */
    vlog_set_levels_from_string_assert("poll_loop:off");
    ovs_cmdl_run_command(&ctx, commands);

    if (ctl_server) {
        unixctl_server_destroy(ctl_server);
        free(ctl_path);
    }
    return 0;
}
