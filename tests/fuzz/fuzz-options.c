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

/* fuzz-options: libFuzzer target for exporter configuration.
 *
 * What it covers: what vswitchd-plugin/fx-config.c does with a NetFlow or
 * IPFIX row once OVSDB has checked its column types, that is,
 * fx_exporter_options_validate(), _clone(), _equal() and _destroy() of
 * ofproto-ext/fx-exporter.c on every combination of options, then, for
 * options it accepts, fx_exporter_create(), fx_exporter_format() and
 * fx_exporter_destroy(): the encoders and transports of the whole
 * configuration; and then the same options export: traffic made from the
 * input goes through a flow cache keyed as the options say, and
 * fx_exporter_export() sends it to a UDP collector of ours, where
 * flowexport-decode's decoder (utilities/flowexport-decode.c, #included
 * with FLOWEXPORT_DECODE_NO_MAIN) reads it back.
 *
 * Input: a fixed header of numeric options (see parse_options()), each
 * brought into the range its OVSDB column allows (OVSDB refuses anything
 * else before we see it), and the seed of the traffic, then strings
 * separated by NUL bytes: the export_source, the export_interface (an
 * empty string is an unset column) and any number of targets.
 *
 * What it checks, besides the sanitizers:
 *
 *   - a rejection names the column at fault ("COLUMN: why");
 *   - a clone equals its original, and differs once a target is added;
 *   - accepted options make an exporter (never NULL), which leaks no file
 *     descriptor once destroyed;
 *   - accepted options export: every record is either selected and
 *     exported, or not selected by flow sampling, or a record that the
 *     protocol cannot carry (v5: anything but IPv4); every message
 *     decodes, without data for an unknown template; and the collector
 *     gets exactly the packets and bytes that the exporter says it
 *     exported (times the number of targets when mirroring).
 *
 * Only our collector is ever sent to: exporters with the input's targets
 * are created and destroyed without fx_exporter_export() or
 * fx_exporter_run(); the exporting copy has the input's protocol, key and
 * encoder options but one or two targets that are our collector's UDP
 * port (and no export_source or export_interface, which could make the
 * socket fail); exporters with tcp:, ssl: or sctp: targets are only
 * validated (opening one would connect), and host names never resolve
 * (fuzz_init() points OVS_RESOLV_CONF at a file that does not
 * exist, as fuzz-target.c does).
 *
 * Build and run: tests/fuzz/build.sh, or "./setup.sh fuzz [SECONDS]". */

#define FLOWEXPORT_DECODE_NO_MAIN 1
#include "flowexport-decode.c"

#include <fcntl.h>
#include <poll.h>
#include "dpif.h"
#include "flow.h"
#include "fx-cache.h"
#include "fx-exporter.h"
#include "fx-record.h"
#include "util.h"
#include "fuzz-util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Our collector: a UDP socket of 127.0.0.1, opened once. */
static int collector_fd = -1;
static uint16_t collector_port;

/* Sets up what every input uses, on the first input. */
static void
fuzz_init(void)
{
    if (!fuzz_first_input("fuzz-options")) {
        return;
    }

    struct sockaddr_storage ss;
    int size = 16 * 1024 * 1024;

    if (setenv("OVS_RESOLV_CONF", "/nonexistent/fuzz-options/resolv.conf",
               1)) {
        ovs_fatal(errno, "setenv failed");
    }

    collector_fd = inet_open_passive(SOCK_DGRAM, "0:127.0.0.1", 0, &ss, 0,
                                     false);
    if (collector_fd < 0) {
        ovs_fatal(-collector_fd, "cannot open the collector's socket");
    }
    collector_port = ss_get_port(&ss);
    /* Room for everything one input exports (see make_traffic()): it is
     * read only after the export. */
    if (setsockopt(collector_fd, SOL_SOCKET, SO_RCVBUFFORCE, &size,
                   sizeof size)) {
        setsockopt(collector_fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof size);
    }
}

/* Reads integers from the front of the input. */
struct reader {
    const uint8_t *p;
    size_t left;
};

static uint32_t
read_u32(struct reader *r)
{
    uint32_t x = 0;

    for (int i = 0; i < 4 && r->left; i++, r->left--) {
        x = (x << 8) | *r->p++;
    }
    return x;
}

/* Returns a value in [min, max], from the input. */
static long long int
read_range(struct reader *r, long long int min, long long int max)
{
    return min + read_u32(r) % (max - min + 1);
}

/* Fills 'o' with numeric options from 'r', each within its OVSDB column's
 * range (ovsdb-schema/flowexport.ovsschema), as fx-config.c would. */
static void
parse_options(struct reader *r, struct fx_exporter_options *o)
{
    static const enum fx_protocol protocols[] = {
        FX_PROTO_NETFLOW_V5, FX_PROTO_NETFLOW_V9, FX_PROTO_IPFIX
    };
    static const uint32_t track_levels[] = {
        FX_TRACK_FULL, FX_TRACK_PROTO, FX_TRACK_IP
    };
    struct fx_encoder_settings *s = &o->encoder;
    uint32_t flags = read_u32(r);

    o->name = xstrdup(flags & 1 ? "ipfix" : "netflow");
    o->protocol = protocols[read_range(r, 0, ARRAY_SIZE(protocols) - 1)];
    o->balance = flags & 2;
    o->sampling_mode_set = flags & 4;
    s->add_id_to_iface = flags & 8;
    s->bidirectional = flags & 16;
    s->interface_table = flags & 32;
    s->port_identity = flags & 64;
    s->key_fields = (read_u32(r) & (FX_KEY_MAC | FX_KEY_VLAN | FX_KEY_MPLS
                                    | FX_KEY_TUNNEL))
                     | track_levels[read_range(r, 0, 2)];
    s->engine_type = read_u32(r);
    s->engine_id = read_u32(r);
    s->obs_domain_id = read_u32(r);
    s->mtu = read_range(r, 512, 65000);
    s->template_refresh_ms = read_range(r, 1, 86400) * 1000;
    s->template_refresh_msgs = read_range(r, 1, 65535);
    s->sampling = read_range(r, 1, UINT32_MAX);
    s->sampling_mode = read_range(r, 0, FX_N_SAMPLING_MODES - 1);
    o->active_timeout = read_range(r, 0, 86400) * 1000;
    o->inactive_timeout = read_range(r, 1, 86400) * 1000;
    o->tcp_fin_timeout = read_range(r, 0, 86400) * 1000;
    o->tcp_rst_timeout = read_range(r, 0, 86400) * 1000;
    o->max_life = read_range(r, 0, 31536000) * 1000;
    o->max_flows = read_range(r, 1, 16777216);
    o->dscp = read_range(r, 0, 63);
    o->ttl = read_range(r, 0, 255);
}

/* Traffic. */

/* Returns the next number of the sequence that '*x' holds. */
static uint32_t
next_random(uint32_t *x)
{
    *x = hash_int(*x, 0x9e3779b9);
    return *x;
}

/* Makes in '*flow' flow number 'i' of the traffic with seed 'seed': IPv4,
 * IPv6 or MPLS, with MACs, VLANs and tunnels, so that every optional key
 * part has something to tell apart; odd-numbered flows are the reverse of
 * the one before, so that biflows pair. */
static void
make_flow(uint32_t seed, int i, struct flow *flow)
{
    uint32_t x = seed ^ (i >> 1);
    uint32_t r = next_random(&x);

    memset(flow, 0, sizeof *flow);
    flow->in_port.ofp_port = u16_to_ofp(1 + (i & 1));
    eth_addr_from_uint64(0x525400000000ULL | (r & 3), &flow->dl_src);
    eth_addr_from_uint64(0x525400000100ULL | (r >> 2 & 3), &flow->dl_dst);
    if (r & 0x10) {
        flow->vlans[0].tpid = htons(ETH_TYPE_VLAN_8021Q);
        flow->vlans[0].tci = htons(VLAN_CFI | (r >> 5 & 0xfff));
    }
    if (r & 0x20000) {
        flow->tunnel.ip_src = htonl(0xc0a80001);
        flow->tunnel.ip_dst = htonl(0xc0a80002 + (r >> 18 & 1));
        flow->tunnel.tun_id = htonll(r >> 19 & 0xff);
        flow->tunnel.tp_dst = r & 0x8000000 ? htons(4789) : 0;
    }

    switch (next_random(&x) % 8) {
    case 0:
        flow->dl_type = htons(ETH_TYPE_MPLS);
        flow->mpls_lse[0] = htonl((16 + (x & 0xff)) << 12 | MPLS_BOS_MASK
                                  | 64);
        return;
    case 1:
    case 2:
        flow->dl_type = htons(ETH_TYPE_IPV6);
        flow->ipv6_src.s6_addr[0] = 0x20;
        flow->ipv6_src.s6_addr[15] = 1 + (x >> 8 & 7);
        flow->ipv6_dst.s6_addr[0] = 0x20;
        flow->ipv6_dst.s6_addr[15] = 0x10 + (x >> 12 & 7);
        break;
    default:
        flow->dl_type = htons(ETH_TYPE_IP);
        flow->nw_src = htonl(0x0a000001 + (x >> 8 & 7));
        flow->nw_dst = htonl(0x0a000101 + (x >> 12 & 7));
        break;
    }
    flow->nw_proto = x & 0x10000 ? IPPROTO_UDP : IPPROTO_TCP;
    flow->nw_tos = x >> 24 & 0xfc;
    flow->tp_src = htons(1024 + (x >> 17 & 0x3f));
    flow->tp_dst = htons(x & 0x20000 ? 53 : 443);

    if (i & 1) {
        struct flow fwd = *flow;

        flow->dl_src = fwd.dl_dst;
        flow->dl_dst = fwd.dl_src;
        flow->nw_src = fwd.nw_dst;
        flow->nw_dst = fwd.nw_src;
        flow->ipv6_src = fwd.ipv6_dst;
        flow->ipv6_dst = fwd.ipv6_src;
        flow->tp_src = fwd.tp_dst;
        flow->tp_dst = fwd.tp_src;
        flow->tunnel.ip_src = fwd.tunnel.ip_dst;
        flow->tunnel.ip_dst = fwd.tunnel.ip_src;
    }
}

/* Puts into 'records' what a flow cache keyed as 'o' says makes 'seed''s
 * traffic: up to 64 flows of a few packets, flushed. */
static void
make_traffic(const struct fx_exporter_options *o, uint32_t seed,
             struct ovs_list *records)
{
    struct fx_cache *cache = fx_cache_create();
    struct fx_cache_limits limits;
    int n = 1 + seed % 64;

    fx_cache_get_limits(cache, &limits);
    limits.key_fields = o->encoder.key_fields;
    fx_cache_set_limits(cache, &limits);
    for (int i = 0; i < n; i++) {
        struct dpif_flow_stats stats = {
            .n_packets = 1 + i % 5,
            .n_bytes = 100 * (1 + i % 5) + i,
            .used = time_msec(),
            .tcp_flags = i & 1 ? 0x12 : 0x02,
        };
        struct flow flow;

        make_flow(seed, i, &flow);
        fx_cache_update(cache, &flow, 1 + !(i & 1), &stats);
    }
    fx_cache_flush(cache, FX_END_FLUSH, records);
    fx_cache_destroy(cache);
}

/* Exports with 'o', which validation accepted, to our collector, 'seed''s
 * traffic, and checks what the collector gets. */
static void
export_and_check(const struct fx_exporter_options *o, uint32_t seed)
{
    struct ovs_list records = OVS_LIST_INITIALIZER(&records);
    struct fx_exporter_options eo;
    struct fx_exporter_stats stats;
    const struct fx_record *rec;
    size_t n_records = 0, n_selected = 0, n_unfit = 0;
    size_t n_targets;

    /* The same options, but one or two targets that are our collector (an
     * exporter uses each target once), from any source. */
    fx_exporter_options_clone(&eo, o);
    n_targets = MIN(sset_count(&eo.targets), 2);
    sset_clear(&eo.targets);
    sset_add_and_free(&eo.targets,
                      xasprintf("127.0.0.1:%"PRIu16, collector_port));
    if (n_targets > 1) {
        sset_add_and_free(&eo.targets,
                          xasprintf("udp:127.0.0.1:%"PRIu16, collector_port));
    }
    free(eo.source);
    eo.source = NULL;
    free(eo.interface);
    eo.interface = NULL;
    char *error = fx_exporter_options_validate(&eo);
    if (error) {
        ovs_abort(0, "options valid with the input's targets are not with "
                  "a UDP collector: %s", error);
    }

    /* Which records flow sampling selects (from the key as the exporter
     * sees it, as fx_exporter_export() decides), and which of those the
     * protocol cannot carry: v5 carries IPv4 only, v9 and IPFIX all. */
    make_traffic(&eo, seed, &records);
    LIST_FOR_EACH (rec, list_node, &records) {
        struct fx_key key = rec->key;

        fx_key_restrict(&key, eo.encoder.key_fields);
        if (fx_selection_selects(eo.encoder.sampling,
                                 eo.encoder.sampling_mode, &key,
                                 rec->serial)) {
            n_selected++;
            n_unfit += (eo.protocol == FX_PROTO_NETFLOW_V5
                        && !fx_key_is_ipv4(&rec->key));
        }
        n_records++;
    }

    struct fx_exporter *e = fx_exporter_create(&eo);
    fx_exporter_export(e, &records, true);
    fx_exporter_get_stats(e, &stats);
    fx_exporter_destroy(e);
    fx_record_list_free(&records);

    /* Every record is accounted for, and the protocol carries all that it
     * can: a configuration that validation accepts exports. */
    if (stats.records != n_records
        || stats.not_selected != n_records - n_selected
        || stats.unsupported != n_unfit
        || stats.exported != n_selected - n_unfit) {
        ovs_abort(0, "%s, MTU %"PRIuSIZE", key fields 0x%"PRIx32"%s: of "
                  "%"PRIuSIZE" records (%"PRIuSIZE" selected, %"PRIuSIZE
                  " that the protocol cannot carry), %"PRIu64" counted, "
                  "%"PRIu64" exported, %"PRIu64" not exportable, %"PRIu64
                  " not selected", fx_protocol_to_string(eo.protocol),
                  eo.encoder.mtu, eo.encoder.key_fields,
                  eo.encoder.bidirectional ? ", bidirectional" : "",
                  n_records, n_selected, n_unfit, stats.records,
                  stats.exported, stats.unsupported, stats.not_selected);
    }

    /* The collector gets what the exporter says it sent, on each target
     * when mirroring.  UDP on the loopback loses nothing while our socket
     * has room. */
    size_t copies = eo.balance ? 1 : sset_count(&eo.targets);
    struct ds out = DS_EMPTY_INITIALIZER;
    struct decoder_state st;
    int waits = 0;

    decoder_state_init(&st);
    st.udp = true;
    for (;;) {
        struct sockaddr_storage ss;
        socklen_t len = sizeof ss;
        uint8_t buf[65536];
        ssize_t n = recvfrom(collector_fd, buf, sizeof buf, MSG_DONTWAIT,
                             (struct sockaddr *) &ss, &len);

        if (n >= 0) {
            st.source = ss_get_address(&ss);
            st.source_port = ss_get_port(&ss);
            decode_message(buf, n, &st, &out);
            if (st.n_malformed || st.n_no_template) {
                ovs_abort(0, "%s: the collector cannot decode:\n%s",
                          fx_protocol_to_string(eo.protocol),
                          ds_cstr(&out));
            }
            ds_clear(&out);
        } else if (errno != EINTR) {
            /* All read.  Loopback delivery is all but immediate: wait a
             * little, only if something is missing. */
            struct pollfd pfd = { .fd = collector_fd, .events = POLLIN };

            if (st.pkts >= stats.packets * copies || waits++ >= 20) {
                break;
            }
            poll(&pfd, 1, 100);
        }
    }
    if (st.pkts != stats.packets * copies
        || st.bytes != stats.bytes * copies) {
        ovs_abort(0, "%s: the collector got %"PRIu64" packets, %"PRIu64
                  " bytes; the exporter sent %"PRIu64" packets, %"PRIu64
                  " bytes to %"PRIuSIZE" targets",
                  fx_protocol_to_string(eo.protocol), st.pkts, st.bytes,
                  stats.packets, stats.bytes, copies);
    }
    ds_destroy(&out);
    decoder_state_destroy(&st);
    fx_exporter_options_destroy(&eo);
}

/* Returns the next NUL-terminated string of 'r' (the rest of the input if
 * there is no NUL), or NULL at its end. */
static char *
read_string(struct reader *r)
{
    if (!r->left) {
        return NULL;
    }
    const uint8_t *nul = memchr(r->p, '\0', r->left);
    size_t len = nul ? nul - r->p : r->left;
    char *s = xmemdup0((const char *) r->p, len);

    r->p += len + (nul != NULL);
    r->left -= len + (nul != NULL);
    return s;
}

static char *
nonempty_or_null(char *s)
{
    if (s && !s[0]) {
        free(s);
        return NULL;
    }
    return s;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_init();

    struct reader r = { data, size };
    struct fx_exporter_options o, copy;
    bool opens_streams = false;
    char *target;
    int fd = lowest_free_fd();

    fx_exporter_options_init(&o);
    parse_options(&r, &o);
    uint32_t seed = read_u32(&r);
    o.source = nonempty_or_null(read_string(&r));
    o.interface = nonempty_or_null(read_string(&r));
    while ((target = read_string(&r)) != NULL) {
        opens_streams |= is_stream_target(target);
        sset_add_and_free(&o.targets, target);
    }

    fx_exporter_options_clone(&copy, &o);
    if (!fx_exporter_options_equal(&o, &copy)) {
        ovs_abort(0, "options differ from their clone");
    }
    sset_add(&copy.targets, "192.0.2.1:1");
    if (!sset_contains(&o.targets, "192.0.2.1:1")
        && fx_exporter_options_equal(&o, &copy)) {
        ovs_abort(0, "options equal despite another target");
    }
    fx_exporter_options_destroy(&copy);

    char *error = fx_exporter_options_validate(&o);
    if (error) {
        if (!strstr(error, ": ") || strchr(error, '\n')) {
            ovs_abort(0, "rejection does not name its column: \"%s\"",
                      error);
        }
        free(error);
    } else if (!opens_streams) {
        struct ds s = DS_EMPTY_INITIALIZER;
        struct fx_exporter *e = fx_exporter_create(&o);

        if (!e) {
            ovs_abort(0, "valid options make no exporter");
        }
        fx_exporter_format(e, &s);
        fx_exporter_destroy(e);
        ds_destroy(&s);
    }
    if (!error && !sset_is_empty(&o.targets)) {
        export_and_check(&o, seed);
    }
    fx_exporter_options_destroy(&o);

    if (lowest_free_fd() != fd) {
        ovs_abort(0, "file descriptor leaked");
    }
    return 0;
}
