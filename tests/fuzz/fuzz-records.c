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

/* fuzz-records: libFuzzer target for the flow key, flow cache and encoders.
 *
 * What it covers, in the order data flows through flowexport:
 *
 *   - fx_key_from_flow() and fx_key_mask_wc() (ofproto-ext/fx-record.c) on
 *     a 'struct flow' taken from the input;
 *   - fx_cache_update(), fx_cache_expire() and fx_cache_flush()
 *     (ofproto-ext/fx-cache.c), with fuzzed limits (small max_flows, so
 *     evictions happen, timeouts, output port changes, TCP flags) and a
 *     fuzzed key: any of the optional parts (key_fields: MACs, VLANs, MPLS,
 *     tunnel) at any track level;
 *   - the exporter's own view of the key (fx_key_restrict(), when it tracks
 *     less than the cache) and, for IPFIX with 'bidirectional', the biflow
 *     pairing stage (ofproto-ext/fx-biflow.c);
 *   - every encoder class (fx_encoder_class_find() for 5, 9 and 10:
 *     begin/add/finish, driven as fx_exporter_export() drives
 *     them) at a fuzzed MTU, which may be tiny, and at the default MTU;
 *   - and back: every message is decoded by flowexport-decode's
 *     decode_message() (utilities/flowexport-decode.c, #included with
 *     FLOWEXPORT_DECODE_NO_MAIN).
 *
 * What it checks, besides the sanitizers:
 *
 *   - the mask from fx_key_mask_wc() covers every field that
 *     fx_key_from_flow() reads: the flow with every wildcarded bit zeroed
 *     has the same key;
 *   - conservation: the records from the cache add up to the packets and
 *     bytes given to fx_cache_update() for IP flows;
 *   - for every configuration that fx_exporter_options_validate() accepts,
 *     each message decodes without a "malformed:" line and without data
 *     for an unknown template, is no longer than the MTU (v9, IPFIX), holds
 *     as many records as finish() said, and the decoded packet and byte sums
 *     (both directions of biflows) equal those of the records encoded: all
 *     IPv4 records for v5, all records for v9 and IPFIX.  Below FUZZ_MIN_MTU
 *     (which configuration cannot reach) and for configurations that
 *     validation rejects, only memory safety and well-formedness are
 *     checked.
 *
 * Input: a header (limits, encoder settings, MTU, key), then operations,
 * each a byte followed by its arguments: update with a new flow (given as a
 * whole 'struct flow', or compactly as the fields that matter), update the
 * last flow again, expire, flush.  See parse_header() and the loop in
 * LLVMFuzzerTestOneInput().  Counters are bounded to 40 bits and times to
 * around now, as the datapath produces them, so that 64-bit overflow in
 * sums does not raise false alarms.
 *
 * Build and run: tests/fuzz/build.sh, or "./setup.sh fuzz [SECONDS]".  Seed
 * inputs come from tests/fuzz/make-seeds.py. */

#define FLOWEXPORT_DECODE_NO_MAIN 1
#include "flowexport-decode.c"

#include "dpif.h"
#include "flow.h"
#include "fx-biflow.h"
#include "fx-cache.h"
#include "fx-defaults.h"
#include "fx-encoder.h"
#include "fx-exporter.h"
#include "fx-iftable.h"
#include "fuzz-util.h"
#include "fx-record.h"
#include "timeval.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The smallest MTU that configuration allows (ovsdb-schema's NetFlow and
 * IPFIX "mtu" columns).  At this MTU and above, every record must fit a v9
 * or IPFIX message that validation accepts (fx_exporter_options_validate()
 * refuses an MTU too small for a record with its template) and every
 * message must decode completely.  Below it, which OVSDB never lets
 * through, only memory safety and well-formedness are checked. */
#define FUZZ_MIN_MTU 512

/* Bound on operations per input, to keep each run short. */
#define FUZZ_MAX_OPS 1024

/* Reads the input front to back; past the end, reads zeros. */
struct reader {
    const uint8_t *p;
    size_t n;
};

static void
take(struct reader *r, void *dst, size_t len)
{
    size_t n = MIN(len, r->n);

    memcpy(dst, r->p, n);
    memset((uint8_t *) dst + n, 0, len - n);
    r->p += n;
    r->n -= n;
}

static uint8_t
take_u8(struct reader *r)
{
    uint8_t x;

    take(r, &x, sizeof x);
    return x;
}

static uint16_t
take_u16(struct reader *r)
{
    uint8_t b[2];

    take(r, b, sizeof b);
    return (b[0] << 8) | b[1];
}

static uint32_t
take_u32(struct reader *r)
{
    return ((uint32_t) take_u16(r) << 16) | take_u16(r);
}

static uint64_t
take_u64(struct reader *r)
{
    return ((uint64_t) take_u32(r) << 32) | take_u32(r);
}

/* Packet and byte sums. */
struct sums {
    uint64_t packets;
    uint64_t bytes;
    size_t n;
};

static void
sums_add(struct sums *s, uint64_t packets, uint64_t bytes)
{
    s->packets += packets;
    s->bytes += bytes;
    s->n++;
}

static void
sums_check(const char *what, const struct sums *got,
           const struct sums *want)
{
    if (got->packets != want->packets || got->bytes != want->bytes) {
        ovs_abort(0, "%s: %"PRIu64" packets, %"PRIu64" bytes, expected "
                  "%"PRIu64" packets, %"PRIu64" bytes", what, got->packets,
                  got->bytes, want->packets, want->bytes);
    }
}

/* Makes the L4 fields of 'flow' what OVS's flow extraction could produce:
 * ports only for the protocols that have them, ICMP type and code in their
 * low 8 bits, nothing for later fragments. */
static void
normalize_l4(struct flow *flow)
{
    bool ipv4 = flow->dl_type == htons(ETH_TYPE_IP);
    bool ipv6 = flow->dl_type == htons(ETH_TYPE_IPV6);
    bool ports;

    if (!ipv4 && !ipv6) {
        return;
    }
    switch (flow->nw_proto) {
    case IPPROTO_TCP:
    case IPPROTO_UDP:
    case IPPROTO_SCTP:
        ports = true;
        break;
    case IPPROTO_ICMP:
        ports = ipv4;
        break;
    case IPPROTO_ICMPV6:
        ports = ipv6;
        break;
    default:
        ports = false;
        break;
    }
    if (!ports || flow->nw_frag & FLOW_NW_FRAG_LATER) {
        flow->tp_src = flow->tp_dst = htons(0);
    } else if (flow->nw_proto == IPPROTO_ICMP
               || flow->nw_proto == IPPROTO_ICMPV6) {
        flow->tp_src &= htons(0xff);
        flow->tp_dst &= htons(0xff);
    }
}

/* Reads what the optional key parts look at (selector bit 0x20 of a compact
 * flow): a byte of flags, then the values they ask for. */
static void
take_flow_extras(struct reader *r, struct flow *flow)
{
    uint8_t x = take_u8(r);

    /* A few MACs only, so that flows repeat. */
    eth_addr_from_uint64(0x525400000000ULL | (x & 3), &flow->dl_src);
    eth_addr_from_uint64(0x525400000100ULL | (x >> 2 & 3), &flow->dl_dst);
    if (x & 0x10) {
        flow->vlans[0].tpid = htons(ETH_TYPE_VLAN_8021Q);
        flow->vlans[0].tci = htons(VLAN_CFI | (take_u16(r) & 0xefff));
        if (x & 0x20) {
            flow->vlans[1] = flow->vlans[0];
            flow->vlans[0].tpid = htons(ETH_TYPE_VLAN_8021AD);
        }
    }
    if (x & 0x40) {
        uint8_t t = take_u8(r);

        if (t & 1) {
            flow->tunnel.ipv6_src.s6_addr[0] = 0xfd;
            flow->tunnel.ipv6_src.s6_addr[15] = t >> 4;
            flow->tunnel.ipv6_dst.s6_addr[0] = 0xfd;
            flow->tunnel.ipv6_dst.s6_addr[15] = 0x10;
        } else {
            flow->tunnel.ip_src = htonl(0xc0a80000 | t >> 4);
            flow->tunnel.ip_dst = htonl(0xc0a80010);
        }
        flow->tunnel.tun_id = htonll(take_u8(r));
        /* VXLAN, Geneve, or none (GRE, ERSPAN). */
        flow->tunnel.tp_dst = (t & 6) == 2 ? htons(4789)
                              : (t & 6) == 4 ? htons(6081) : 0;
        flow->tunnel.erspan_ver = (t & 6) == 6 ? 1 + (t >> 3 & 1) : 0;
    }
    if (flow->dl_type == htons(ETH_TYPE_MPLS)) {
        int n = 1 + (x >> 7) + (take_u8(r) & 1);

        for (int i = 0; i < n; i++) {
            flow->mpls_lse[i] = htonl((uint32_t) take_u16(r) << 12
                                      | (i == n - 1 ? MPLS_BOS_MASK : 0)
                                      | 64);
        }
    }
}

/* Reads a flow: selector byte, then either a whole 'struct flow' or just
 * the fields that flow export looks at. */
static void
take_flow(struct reader *r, struct flow *flow)
{
    static const ovs_be16 dl_types[4] = {
        CONSTANT_HTONS(ETH_TYPE_IP), CONSTANT_HTONS(ETH_TYPE_IPV6),
        CONSTANT_HTONS(ETH_TYPE_MPLS), CONSTANT_HTONS(ETH_TYPE_ARP),
    };
    uint8_t sel = take_u8(r);

    if (sel & 0x80) {
        take(r, flow, sizeof *flow);
    } else {
        memset(flow, 0, sizeof *flow);
        flow->in_port.ofp_port = u16_to_ofp(take_u8(r) & 7);
        if (sel & 0x10) {
            take(r, &flow->ipv6_src, sizeof flow->ipv6_src);
            take(r, &flow->ipv6_dst, sizeof flow->ipv6_dst);
        } else {
            /* A few addresses only, so that flows repeat. */
            flow->nw_src = htonl(0x0a000000 | take_u8(r));
            flow->nw_dst = htonl(0x0a000100 | take_u8(r));
            flow->ipv6_src.s6_addr[15] = take_u8(r) & 3;
        }
        flow->nw_proto = take_u8(r);
        flow->nw_tos = take_u8(r);
        flow->nw_frag = take_u8(r) & FLOW_NW_FRAG_MASK;
        flow->tp_src = htons(take_u16(r));
        flow->tp_dst = htons(take_u16(r));
    }
    if (!(sel & 0x40)) {
        flow->dl_type = dl_types[sel & 3];
    }
    if (!(sel & 0x80) && sel & 0x20) {
        take_flow_extras(r, flow);
    }
    normalize_l4(flow);
}

/* Checks that 'flow' with every bit that fx_key_mask_wc() leaves wildcarded
 * zeroed has the same export key as 'flow', with key 'fields'.  in_port is
 * always exact in OVS datapath flows (xlate un-wildcards it), so it is here
 * too. */
static void
check_mask__(const struct flow *flow, uint32_t fields)
{
    struct flow_wildcards wc;
    struct fx_key key, masked_key;
    struct flow masked;
    bool is_ip, masked_is_ip;

    flow_wildcards_init_catchall(&wc);
    WC_MASK_FIELD(&wc, in_port);
    fx_key_mask_wc(flow, fields, &wc);

    masked = *flow;
    flow_zero_wildcards(&masked, &wc);

    is_ip = fx_key_from_flow(flow, fields, &key);
    masked_is_ip = fx_key_from_flow(&masked, fields, &masked_key);
    if (is_ip != masked_is_ip || !fx_key_equal(&key, &masked_key)) {
        struct ds a = DS_EMPTY_INITIALIZER;
        struct ds b = DS_EMPTY_INITIALIZER;

        fx_key_format(&key, &a);
        fx_key_format(&masked_key, &b);
        ovs_abort(0, "fx_key_mask_wc() misses key fields 0x%"PRIx32": key "
                  "%s, masked key %s", fields, ds_cstr(&a), ds_cstr(&b));
    }
}

/* With every optional key part, at every track level: the mask must cover
 * whatever the key reads. */
static void
check_mask(const struct flow *flow)
{
    static const uint32_t levels[] = {
        FX_TRACK_FULL, FX_TRACK_PROTO, FX_TRACK_IP
    };

    for (size_t i = 0; i < ARRAY_SIZE(levels); i++) {
        check_mask__(flow, (FX_KEY_MAC | FX_KEY_VLAN | FX_KEY_MPLS
                            | FX_KEY_TUNNEL | levels[i]));
    }
}

/* Encoder settings and limits from the input's header. */
struct fuzz_config {
    struct fx_cache_limits limits;      /* The cache's key in 'key_fields'. */
    struct fx_encoder_settings settings;    /* The exporter's key in
                                             * 'key_fields', the same as
                                             * the cache's or coarser. */
};

static void
parse_header(struct reader *r, struct fx_cache *cache,
             struct fuzz_config *cfg)
{
    uint8_t flags = take_u8(r);

    fx_cache_get_limits(cache, &cfg->limits);
    cfg->limits.max_flows = flags & 7 ? 1u << ((flags & 7) - 1) : 1000000;
    cfg->limits.active_timeout = flags & 8 ? take_u16(r) : 0;
    cfg->limits.inactive_timeout = take_u16(r) + 1;

    fx_encoder_settings_init(&cfg->settings);
    cfg->settings.add_id_to_iface = flags & 0x10;
    cfg->settings.engine_type = take_u8(r);
    cfg->settings.engine_id = take_u8(r);
    cfg->settings.obs_domain_id = take_u32(r);
    cfg->settings.mtu = 32 + take_u16(r) % 1500;
    cfg->settings.template_refresh_msgs = take_u8(r) % 32;
    cfg->settings.template_refresh_ms = flags & 0x20 ? 0 : 10000;

    /* The key: bits 0-3 the optional parts, bits 4-5 the track level, bit
     * 6 biflows (IPFIX only: validation refuses them with v5 and v9), bit
     * 7 an exporter that tracks less than the cache (no MACs, IP level),
     * as when another exporter of the bridge asks for more. */
    static const uint32_t levels[4] = {
        FX_TRACK_FULL, FX_TRACK_PROTO, FX_TRACK_IP, FX_TRACK_FULL
    };
    uint8_t keys = take_u8(r);
    uint32_t parts = keys & (FX_KEY_MAC | FX_KEY_VLAN | FX_KEY_MPLS
                             | FX_KEY_TUNNEL);

    cfg->limits.key_fields = parts | levels[keys >> 4 & 3];
    cfg->settings.key_fields = (keys & 0x80
                                ? (parts & ~FX_KEY_MAC) | FX_TRACK_IP
                                : cfg->limits.key_fields);
    cfg->settings.bidirectional = keys & 0x40;
    cfg->settings.port_identity = flags & 0x40;
}

/* Returns true if the configuration in 'settings' for 'protocol' passes
 * fx_exporter_options_validate(), as it would in OVSDB, with a UDP
 * target. */
static bool
config_is_valid(enum fx_protocol protocol,
                const struct fx_encoder_settings *settings)
{
    struct fx_exporter_options o;
    char *error;

    fx_exporter_options_init(&o);
    o.name = xstrdup("ipfix");
    o.protocol = protocol;
    o.encoder = *settings;
    o.inactive_timeout = 15000;
    o.max_flows = 1000;
    sset_add(&o.targets, "127.0.0.1:9");
    error = fx_exporter_options_validate(&o);
    fx_exporter_options_destroy(&o);

    bool valid = !error;
    free(error);
    return valid;
}

/* An interface table for records with 'port_identity': ports 0 to 3 with
 * names and identities of varied lengths (variable-length elements),
 * small enough that a record with two of them fits FUZZ_MIN_MTU. */
static struct fx_iftable *
fuzz_iftable(void)
{
    static struct fx_iftable *iftable;

    if (!iftable) {
        char long_name[151];

        memset(long_name, 'n', sizeof long_name - 1);
        long_name[sizeof long_name - 1] = '\0';

        const struct fx_port_info ports[] = {
            { .port = 0, .name = "" },
            { .port = 1, .name = "p1", .iface_id = "lsp1",
              .vm_id = "4f1c9a52-7d4e-4b43-9f5e-0a1b2c3d4e01" },
            { .port = 2, .name = "a-forty-character-interface-name-xxxxxxx",
              .iface_id = "a3f2c1d0-1111-4222-8333-444455556666" },
            { .port = 3, .name = long_name },
        };

        iftable = fx_iftable_create();
        fx_iftable_set(iftable, ports, ARRAY_SIZE(ports), 0);
    }
    return iftable;
}

/* Decodes 'msg', which finish() said holds 'n' data records, and adds its
 * sums to 'decoded'. */
static void
decode_and_check(const struct fx_encoder_class *class,
                 const struct fx_encoder_settings *settings,
                 const struct ofpbuf *msg, size_t n, bool strict,
                 struct decoder_state *st, struct sums *decoded)
{
    struct ds out = DS_EMPTY_INITIALIZER;
    uint64_t n_records = st->n_records;
    uint64_t packets = st->pkts;
    uint64_t bytes = st->bytes;

    if (class->protocol != FX_PROTO_NETFLOW_V5 && msg->size > settings->mtu) {
        ovs_abort(0, "%s: %"PRIu32"-byte message exceeds MTU %"PRIuSIZE,
                  class->name, msg->size, settings->mtu);
    }
    decode_message(msg->data, msg->size, st, &out);
    if (st->n_malformed || (strict && st->n_no_template)) {
        ovs_abort(0, "%s, MTU %"PRIuSIZE": bad message:\n%s", class->name,
                  settings->mtu, ds_cstr(&out));
    }
    if (strict && st->n_records - n_records != n) {
        ovs_abort(0, "%s: finish() said %"PRIuSIZE" records, decoded "
                  "%"PRIu64":\n%s", class->name, n, st->n_records - n_records,
                  ds_cstr(&out));
    }
    decoded->packets += st->pkts - packets;
    decoded->bytes += st->bytes - bytes;
    decoded->n += n;
    ds_destroy(&out);
}

/* What the encoders get: a record, or a biflow. */
struct fuzz_item {
    struct ovs_list list_node;
    struct fx_record rec;       /* The record, or a biflow's forward one. */
    struct fx_record reverse;   /* A biflow's reverse record. */
    bool paired;                /* Is this a biflow? */
};

/* Turns the cache's 'records' into the items that an exporter with 'cfg'
 * and 'protocol' encodes, as fx_exporter_export() does: each key reduced
 * to what the exporter tracks, then, for IPFIX biflows, through the
 * pairing stage, drained (as at a flush). */
static void
make_items(const struct fuzz_config *cfg, enum fx_protocol protocol,
           const struct ovs_list *records, struct ovs_list *items)
{
    bool biflows = (cfg->settings.bidirectional
                    && protocol == FX_PROTO_IPFIX);
    struct fx_biflow *b = (biflows
                           ? fx_biflow_create(cfg->settings.key_fields,
                                              FX_BIFLOW_WAIT_MS, 16)
                           : NULL);
    struct ovs_list paired = OVS_LIST_INITIALIZER(&paired);
    const struct fx_record *rec;
    long long int now = time_msec();

    LIST_FOR_EACH (rec, list_node, records) {
        struct fx_record copy = *rec;

        fx_key_restrict(&copy.key, cfg->settings.key_fields);
        if (b) {
            fx_biflow_add(b, &copy, now, &paired);
        } else {
            struct fuzz_item *item = xzalloc(sizeof *item);

            item->rec = copy;
            ovs_list_push_back(items, &item->list_node);
        }
    }
    if (b) {
        struct fx_biflow_record *br;

        fx_biflow_run(b, now, true, &paired);
        LIST_FOR_EACH (br, list_node, &paired) {
            struct fuzz_item *item = xzalloc(sizeof *item);

            item->rec = br->forward;
            item->reverse = br->reverse;
            item->paired = br->paired;
            ovs_list_push_back(items, &item->list_node);
        }
        fx_biflow_record_list_free(&paired);
        fx_biflow_destroy(b);
    }
}

static void
free_items(struct ovs_list *items)
{
    struct fuzz_item *item;

    LIST_FOR_EACH_POP (item, list_node, items) {
        free(item);
    }
}

/* Encodes 'records' with 'class' at 'mtu', as fx_exporter_export() does,
 * decodes every message, and checks the sums against 'v4' (the IPv4
 * records) and 'all' (every record). */
static void
encode_records(const struct fx_encoder_class *class,
               const struct fuzz_config *cfg, size_t mtu,
               const struct ovs_list *records,
               const struct sums *v4, const struct sums *all)
{
    struct fx_encoder_settings settings = cfg->settings;
    struct sums decoded = { 0, 0, 0 };
    struct sums unfit = { 0, 0, 0 };
    struct ovs_list items = OVS_LIST_INITIALIZER(&items);
    struct decoder_state st;
    struct fx_encoder *encoder;
    struct fuzz_item *item;
    struct ofpbuf msg;

    settings.mtu = mtu;
    settings.bidirectional = (settings.bidirectional
                              && class->protocol == FX_PROTO_IPFIX);

    /* A configuration that validation accepts must export everything; one
     * it rejects never runs. */
    bool valid = config_is_valid(class->protocol, &settings);
    bool strict = (valid && (class->protocol == FX_PROTO_NETFLOW_V5
                             || mtu >= FUZZ_MIN_MTU));

    make_items(cfg, class->protocol, records, &items);
    encoder = class->create(&settings);
    encoder->iftable = fuzz_iftable();
    decoder_state_init(&st);
    in6_addr_set_mapped_ipv4(&st.source, htonl(0xc0000201));
    st.udp = true;
    ofpbuf_init(&msg, 0);

    LIST_FOR_EACH (item, list_node, &items) {
        const struct fx_record *reverse = item->paired ? &item->reverse : NULL;
        enum fx_encode_result result;

        for (;;) {
            result = fx_encoder_add(encoder, &msg, &item->rec, reverse);
            if (result != FX_ENCODE_FULL) {
                break;
            }
            size_t n = class->finish(encoder, &msg, time_msec(),
                                     time_wall_msec());
            decode_and_check(class, &settings, &msg, n, strict, &st,
                             &decoded);
            ofpbuf_clear(&msg);
        }
        if (result == FX_ENCODE_UNSUPPORTED) {
            const struct fx_record *rec = &item->rec;

            if (strict && (class->protocol != FX_PROTO_NETFLOW_V5
                           || fx_key_is_ipv4(&rec->key))) {
                struct ds s = DS_EMPTY_INITIALIZER;

                fx_record_format(rec, &s);
                ovs_abort(0, "%s, MTU %"PRIuSIZE", key fields 0x%"PRIx32
                          "%s: a configuration that validation accepts "
                          "cannot encode %s%s", class->name, mtu,
                          settings.key_fields,
                          settings.bidirectional ? ", bidirectional" : "",
                          ds_cstr(&s), reverse ? " (biflow)" : "");
            }
            if (class->protocol != FX_PROTO_NETFLOW_V5) {
                sums_add(&unfit, rec->packets, rec->bytes);
                if (reverse) {
                    sums_add(&unfit, reverse->packets, reverse->bytes);
                }
            }
        }
    }
    if (msg.size) {
        size_t n = class->finish(encoder, &msg, time_msec(),
                                 time_wall_msec());
        decode_and_check(class, &settings, &msg, n, strict, &st, &decoded);
    }

    struct sums want = class->protocol == FX_PROTO_NETFLOW_V5 ? *v4 : *all;
    want.packets -= unfit.packets;
    want.bytes -= unfit.bytes;
    if (strict) {
        sums_check(class->name, &decoded, &want);
    }

    free_items(&items);
    ofpbuf_uninit(&msg);
    decoder_state_destroy(&st);
    class->destroy(encoder);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_first_input("fuzz-records");

    static const enum fx_protocol protocols[] = {
        FX_PROTO_NETFLOW_V5, FX_PROTO_NETFLOW_V9, FX_PROTO_IPFIX,
    };
    struct reader r = { data, size };
    struct sums given = { 0, 0, 0 };
    struct sums v4 = { 0, 0, 0 };
    struct sums all = { 0, 0, 0 };
    struct fx_cache *cache = fx_cache_create();
    struct ovs_list records = OVS_LIST_INITIALIZER(&records);
    struct fuzz_config cfg;
    struct flow flow;
    bool have_flow = false;
    const struct fx_record *rec;

    parse_header(&r, cache, &cfg);
    fx_cache_set_limits(cache, &cfg.limits);

    for (size_t i = 0; r.n && i < FUZZ_MAX_OPS; i++) {
        uint8_t op = take_u8(&r);

        if (op < 0xc0 || (op < 0xe0 && have_flow)) {
            if (op < 0xc0) {
                take_flow(&r, &flow);
                check_mask(&flow);
                have_flow = true;
            }

            struct dpif_flow_stats stats;
            long long int now = time_msec();
            uint8_t used = take_u8(&r);

            memset(&stats, 0, sizeof stats);
            stats.n_packets = take_u64(&r) & ((UINT64_C(1) << 40) - 1);
            stats.n_bytes = take_u64(&r) & ((UINT64_C(1) << 40) - 1);
            stats.tcp_flags = take_u16(&r);
            stats.used = (used == 0 ? 0
                          : used < 0x80 ? MAX(now - used * 997, 1)
                          : now + (used - 0x80));
            uint16_t out_port = op & 0x20 ? take_u16(&r) : op & 3;

            struct fx_key key;
            if (stats.n_packets
                && fx_key_from_flow(&flow, cfg.limits.key_fields, &key)) {
                sums_add(&given, stats.n_packets, stats.n_bytes);
            }
            if (op & 0x10) {
                /* A journey through recirculation: forwardingStatus, and
                 * post-NAT elements if conntrack translated it. */
                struct fx_ct_info ct;
                uint8_t bits = take_u8(&r);

                memset(&ct, 0, sizeof ct);
                ct.flags = bits & FX_CT_NAT;
                if (ct.flags) {
                    in6_addr_set_mapped_ipv4(&ct.nat_src, htonl(take_u32(&r)));
                    in6_addr_set_mapped_ipv4(&ct.nat_dst, htonl(take_u32(&r)));
                    if (bits & 0x80) {
                        /* IPv6 post-NAT addresses. */
                        ct.nat_src.s6_addr[0] = 0x20;
                        ct.nat_dst.s6_addr[0] = 0x20;
                    }
                    ct.nat_tp_src = htons(take_u16(&r));
                    ct.nat_tp_dst = htons(take_u16(&r));
                }
                ct.ct_state = take_u8(&r);
                ct.ct_zone = take_u16(&r);
                ct.ct_mark = take_u32(&r);
                fx_cache_update_journey(cache, &flow,
                                        FX_JOURNEY_RECIRC | (bits & 0x02),
                                        &ct, out_port, &stats);
            } else {
                fx_cache_update(cache, &flow, out_port, &stats);
            }
        } else if (op < 0xf0) {
            long long int now = time_msec() + take_u32(&r) % 100000;

            fx_cache_expire(cache, now, &records);
        } else {
            fx_cache_flush(cache, FX_END_FLUSH, &records);
        }
    }
    fx_cache_flush(cache, FX_END_SHUTDOWN, &records);
    fx_cache_destroy(cache);

    LIST_FOR_EACH (rec, list_node, &records) {
        if (!rec->packets) {
            ovs_abort(0, "record without packets");
        }
        sums_add(&all, rec->packets, rec->bytes);
        if (fx_key_is_ipv4(&rec->key)) {
            sums_add(&v4, rec->packets, rec->bytes);
        }
    }
    sums_check("flow cache", &all, &given);

    for (size_t i = 0; i < ARRAY_SIZE(protocols); i++) {
        const struct fx_encoder_class *class
            = fx_encoder_class_find(protocols[i]);

        encode_records(class, &cfg, cfg.settings.mtu, &records, &v4, &all);
        encode_records(class, &cfg, FX_DEFAULT_MTU, &records, &v4, &all);
    }
    fx_record_list_free(&records);
    return 0;
}
