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

/* Exporters: encode records, batch them into messages, send them to every
 * target.  See fx-exporter.h. */

#include <config.h>
#include "fx-exporter.h"

#include <arpa/inet.h>
#include <limits.h>
#include <net/if.h>
#include <string.h>

#include "fx-biflow.h"
#include "fx-transport.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/ofpbuf.h"
#include "openvswitch/poll-loop.h"
#include "openvswitch/vlog.h"
#include "timeval.h"
#include "util.h"

VLOG_DEFINE_THIS_MODULE(fx_exporter);

/* A sequence of messages with its own encoder state (sequence numbers,
 * template refresh), sent to one or more transports.  Mirroring uses one
 * stream for all targets; load balancing gives each target its own stream,
 * so that each collector sees a consistent sequence and its own templates. */
struct fx_export_stream {
    struct fx_encoder *encoder;
    struct fx_transport **transports;
    size_t n_transports;
    struct ofpbuf msg;                  /* Message being built. */
    size_t msg_records;                 /* Data records in 'msg'. */
};

struct fx_exporter {
    struct fx_exporter_options options;
    struct fx_transport **transports;   /* One per target. */
    size_t n_transports;
    struct fx_export_stream *streams;   /* 1, or one per target. */
    size_t n_streams;
    size_t cur_stream;                  /* Stream that gets new records. */
    struct fx_biflow *biflow;           /* Pairing stage, if bidirectional. */
    struct fx_exporter_stats stats;
};

void
fx_exporter_options_init(struct fx_exporter_options *o)
{
    memset(o, 0, sizeof *o);
    sset_init(&o->targets);
    fx_encoder_settings_init(&o->encoder);
}

void
fx_exporter_options_destroy(struct fx_exporter_options *o)
{
    if (o) {
        free(o->name);
        free(o->source);
        free(o->interface);
        sset_destroy(&o->targets);
    }
}

void
fx_exporter_options_clone(struct fx_exporter_options *dst,
                          const struct fx_exporter_options *src)
{
    *dst = *src;
    dst->name = nullable_xstrdup(src->name);
    dst->source = nullable_xstrdup(src->source);
    dst->interface = nullable_xstrdup(src->interface);
    sset_clone(&dst->targets, &src->targets);
}

/* Returns true if 'a' and 'b' differ at most in what only the flow cache
 * uses (timeouts and limits, see fx_tap_combine_limits()). */
static bool
fx_exporter_options_equal_but_cache(const struct fx_exporter_options *a,
                                    const struct fx_exporter_options *b)
{
    return (nullable_string_is_equal(a->name, b->name)
            && a->protocol == b->protocol
            && sset_equals(&a->targets, &b->targets)
            && fx_encoder_settings_equal(&a->encoder, &b->encoder)
            && a->dscp == b->dscp
            && a->sampling_mode_set == b->sampling_mode_set
            && a->balance == b->balance
            && a->ttl == b->ttl
            && nullable_string_is_equal(a->source, b->source)
            && nullable_string_is_equal(a->interface, b->interface));
}

bool
fx_exporter_options_equal(const struct fx_exporter_options *a,
                          const struct fx_exporter_options *b)
{
    return (fx_exporter_options_equal_but_cache(a, b)
            && a->active_timeout == b->active_timeout
            && a->inactive_timeout == b->inactive_timeout
            && a->tcp_fin_timeout == b->tcp_fin_timeout
            && a->tcp_rst_timeout == b->tcp_rst_timeout
            && a->max_life == b->max_life
            && a->max_flows == b->max_flows);
}

/* If 'o' differs from the options of 'e' only in what the flow cache uses
 * (timeouts, limits), makes them the options of 'e' and returns true:
 * its transports (TCP and TLS connections, their queues) and statistics
 * stay.  Otherwise returns false and changes nothing. */
bool
fx_exporter_reconfigure(struct fx_exporter *e,
                        const struct fx_exporter_options *o)
{
    if (!fx_exporter_options_equal_but_cache(&e->options, o)) {
        return false;
    }
    e->options.active_timeout = o->active_timeout;
    e->options.inactive_timeout = o->inactive_timeout;
    e->options.tcp_fin_timeout = o->tcp_fin_timeout;
    e->options.tcp_rst_timeout = o->tcp_rst_timeout;
    e->options.max_life = o->max_life;
    e->options.max_flows = o->max_flows;
    ovs_assert(fx_exporter_options_equal(&e->options, o));
    return true;
}

/* Fills in 'ts' from 'o'. */
static void
fx_exporter_transport_settings(const struct fx_exporter_options *o,
                               struct fx_transport_settings *ts)
{
    ts->dscp = o->dscp;
    ts->ttl = o->ttl;
    ts->source = o->source;
    ts->interface = o->interface;
}

/* Checks what OVSDB's column types cannot: that every target is a
 * [udp:|tcp:|ssl:|sctp:]HOST:PORT that this system can use with the source
 * settings (host names are fine: they are resolved asynchronously), and
 * that the options do not contradict each other.
 * Returns NULL if 'o' is valid, otherwise a malloc'd message naming the
 * column at fault. */
char *
fx_exporter_options_validate(const struct fx_exporter_options *o)
{
    const char *target;

    if (sset_is_empty(&o->targets)) {
        return xstrdup("targets: no collector");
    }
    if (o->encoder.bidirectional && o->protocol != FX_PROTO_IPFIX) {
        return xasprintf("bidirectional: biflows (RFC 5103) need IPFIX, "
                         "%s cannot carry them (column protocol)",
                         fx_protocol_to_string(o->protocol));
    }
    if (o->encoder.bidirectional && o->encoder.sampling > 1) {
        return xstrdup("bidirectional: flow sampling (column sampling) "
                       "selects unidirectional flows, it cannot be used "
                       "with biflows");
    }
    if (o->encoder.interface_table && o->protocol == FX_PROTO_NETFLOW_V5) {
        return xstrdup("interface_table: NetFlow v5 has no options records "
                       "to carry it, it needs NetFlow v9 or IPFIX (column "
                       "protocol)");
    }
    if (o->encoder.port_identity && o->protocol != FX_PROTO_IPFIX) {
        return xasprintf("port_identity: %s has no elements for the "
                         "virtual machine behind a port, it needs IPFIX "
                         "(column protocol); interface_table works with "
                         "NetFlow v9", fx_protocol_to_string(o->protocol));
    }
    if (o->sampling_mode_set && o->encoder.sampling <= 1) {
        return xasprintf("sampling_mode: \"%s\" needs a sampling rate "
                         "above 1 (column sampling)",
                         fx_sampling_mode_to_string(
                             o->encoder.sampling_mode));
    }

    /* Templates go out over as many messages as they need, but each
     * record must fit one with its template. */
    const struct fx_encoder_class *class = fx_encoder_class_find(o->protocol);
    if (class && class->min_mtu) {
        size_t min_mtu = class->min_mtu(&o->encoder);

        if (o->encoder.mtu < min_mtu) {
            return xasprintf("mtu: %"PRIuSIZE" bytes cannot hold the "
                             "largest %s record of this exporter with its "
                             "template (key_fields, bidirectional, "
                             "port_identity): it needs at least %"PRIuSIZE,
                             o->encoder.mtu, class->name, min_mtu);
        }
    }
    if (o->active_timeout > FX_MAX_ACTIVE_TIMEOUT) {
        return xasprintf("active_timeout: more than %lld seconds (a year) "
                         "cannot be honoured; -1 disables the active "
                         "timeout", FX_MAX_ACTIVE_TIMEOUT / 1000);
    }
    if (o->max_flows > FX_MAX_CACHE_FLOWS) {
        return xasprintf("%s: %"PRIuSIZE" is more flows than a flow cache "
                         "can hold (at most %d)",
                         !strcmp(o->name, "ipfix") ? "cache_max_flows"
                         : "max_flows", o->max_flows, FX_MAX_CACHE_FLOWS);
    }
    if (o->source) {
        struct in6_addr a6;
        struct in_addr a4;

        if (inet_pton(AF_INET, o->source, &a4) != 1
            && inet_pton(AF_INET6, o->source, &a6) != 1) {
            return fx_quoted_error("export_source: %s is not an IPv4 or "
                                   "IPv6 address", o->source);
        }
    }
    if (o->interface && (!o->interface[0]
                         || strlen(o->interface) >= IF_NAMESIZE
                         || strpbrk(o->interface, "/ \t\n"))) {
        return fx_quoted_error("export_interface: %s is not a network "
                               "device name", o->interface);
    }

    struct fx_transport_settings ts;
    fx_exporter_transport_settings(o, &ts);
    SSET_FOR_EACH (target, &o->targets) {
        char *error = fx_transport_check_target(target, &ts);
        if (error) {
            return error;
        }
    }
    return NULL;
}

static void fx_exporter_drain(struct fx_exporter *);

/* A new connection to a collector starts with the templates. */
static void
fx_exporter_greeting(void *stream_, struct ofpbuf *out,
                     const struct ofpbuf *next)
{
    struct fx_export_stream *stream = stream_;
    struct fx_encoder *encoder = stream->encoder;

    if (encoder->class->put_templates) {
        encoder->class->put_templates(encoder, out, next, time_msec(),
                                      time_wall_msec());
    }
}

/* Creates an exporter for 'options', or returns NULL if its protocol has no
 * encoder. */
struct fx_exporter *
fx_exporter_create(const struct fx_exporter_options *options)
{
    const struct fx_encoder_class *class
        = fx_encoder_class_find(options->protocol);
    if (!class) {
        return NULL;
    }

    struct fx_exporter *e = xzalloc(sizeof *e);
    size_t n_targets = sset_count(&options->targets);

    fx_exporter_options_clone(&e->options, options);
    e->n_streams = options->balance && n_targets > 1 ? n_targets : 1;
    e->streams = xcalloc(e->n_streams, sizeof *e->streams);
    for (size_t i = 0; i < e->n_streams; i++) {
        struct fx_export_stream *stream = &e->streams[i];

        stream->encoder = class->create(&options->encoder);
        stream->encoder->selection = &e->stats.selection;
        stream->transports = xcalloc(n_targets, sizeof *stream->transports);
        ofpbuf_init(&stream->msg, 1500);
    }

    struct fx_transport_settings transport_settings;
    fx_exporter_transport_settings(options, &transport_settings);
    e->transports = xcalloc(n_targets, sizeof *e->transports);
    const char *target;
    SSET_FOR_EACH (target, &options->targets) {
        struct fx_export_stream *stream
            = &e->streams[e->n_transports % e->n_streams];
        struct fx_transport *t
            = fx_transport_create(target, -1, &transport_settings,
                                  fx_exporter_greeting, stream);

        e->transports[e->n_transports++] = t;
        stream->transports[stream->n_transports++] = t;
    }
    if (options->encoder.bidirectional) {
        e->biflow = fx_biflow_create(options->encoder.key_fields,
                                     FX_BIFLOW_WAIT_MS,
                                     FX_BIFLOW_MAX_PENDING);
    }
    return e;
}

void
fx_exporter_destroy(struct fx_exporter *e)
{
    if (!e) {
        return;
    }
    fx_exporter_drain(e);
    fx_biflow_destroy(e->biflow);
    for (size_t i = 0; i < e->n_transports; i++) {
        fx_transport_destroy(e->transports[i]);
    }
    free(e->transports);
    for (size_t i = 0; i < e->n_streams; i++) {
        struct fx_export_stream *stream = &e->streams[i];

        stream->encoder->class->destroy(stream->encoder);
        ofpbuf_uninit(&stream->msg);
        free(stream->transports);
    }
    free(e->streams);
    fx_exporter_options_destroy(&e->options);
    free(e);
}

const struct fx_exporter_options *
fx_exporter_get_options(const struct fx_exporter *e)
{
    return &e->options;
}

/* Completes the message under construction in 'stream', if it has records
 * (or if 'force': it is full of templates and options records), and sends
 * it to the stream's targets. */
static void
fx_exporter_send__(struct fx_exporter *e, struct fx_export_stream *stream,
                   bool force)
{
    if (!stream->msg_records && !(force && stream->msg.size)) {
        return;
    }

    struct fx_encoder *encoder = stream->encoder;
    size_t n = encoder->class->finish(encoder, &stream->msg, time_msec(),
                                      time_wall_msec());
    for (size_t i = 0; i < stream->n_transports; i++) {
        fx_transport_send(stream->transports[i], stream->msg.data,
                          stream->msg.size, n);
    }
    e->stats.messages++;
    ofpbuf_clear(&stream->msg);
    stream->msg_records = 0;
}

static void
fx_exporter_send(struct fx_exporter *e, struct fx_export_stream *stream)
{
    fx_exporter_send__(e, stream, false);
}

/* Makes the encoders of 'e' use 'iftable' (owned by the caller, which
 * keeps it as long as 'e' exists) for the interface table and the ports'
 * identities. */
void
fx_exporter_set_iftable(struct fx_exporter *e, struct fx_iftable *iftable)
{
    for (size_t i = 0; i < e->n_streams; i++) {
        e->streams[i].encoder->iftable = iftable;
    }
}

/* Adds to each stream's message the options records that are due without
 * flow records (the interface table), sending messages that fill up. */
static void
fx_exporter_add_options(struct fx_exporter *e)
{
    for (size_t i = 0; i < e->n_streams; i++) {
        struct fx_export_stream *stream = &e->streams[i];
        struct fx_encoder *encoder = stream->encoder;

        if (!encoder->class->add_options) {
            continue;
        }
        for (;;) {
            size_t n;
            enum fx_encode_result result
                = encoder->class->add_options(encoder, &stream->msg, &n);

            stream->msg_records += n;
            e->stats.options += n;
            if (result != FX_ENCODE_FULL) {
                break;
            }
            fx_exporter_send__(e, stream, true);
        }
    }
}

/* Encodes 'rec', with 'reverse' for a biflow (or NULL), into the current
 * stream's message, sending full messages.  With load balancing, each full
 * message moves on to the next target.  Returns true if the record is in
 * a message, false if the protocol cannot carry it (counted as
 * unsupported). */
static bool
fx_exporter_add(struct fx_exporter *e, struct fx_record *rec,
                const struct fx_record *reverse)
{
    size_t n_records = reverse ? 2 : 1;
    struct fx_export_stream *stream;
    enum fx_encode_result result;

    for (;;) {
        stream = &e->streams[e->cur_stream];
        result = fx_encoder_add(stream->encoder, &stream->msg, rec, reverse);
        if (result != FX_ENCODE_FULL) {
            break;
        }
        stream->msg_records++;
        fx_exporter_send(e, stream);
        e->cur_stream = (e->cur_stream + 1) % e->n_streams;
    }

    if (result == FX_ENCODE_DONE) {
        stream->msg_records++;
        e->stats.exported += n_records;
        return true;
    } else {
        e->stats.unsupported += n_records;
        return false;
    }
}

/* Sends the messages under construction. */
static void
fx_exporter_send_all(struct fx_exporter *e)
{
    for (size_t i = 0; i < e->n_streams; i++) {
        fx_exporter_send(e, &e->streams[i]);
    }
}

/* Encodes the records of the pairing stage in 'records' and frees them. */
static void
fx_exporter_add_biflows(struct fx_exporter *e, struct ovs_list *records)
{
    struct fx_biflow_record *br;

    LIST_FOR_EACH (br, list_node, records) {
        if (fx_exporter_add(e, &br->forward,
                            br->paired ? &br->reverse : NULL)) {
            e->stats.packets += br->forward.packets + br->reverse.packets;
            e->stats.bytes += br->forward.bytes + br->reverse.bytes;
        }
    }
    fx_biflow_record_list_free(records);
}

/* Encodes every record in 'records' and sends the resulting messages.  A
 * bidirectional exporter first pairs them (see fx-biflow.h): records
 * whose reverse may still come wait, for fx_exporter_run(), unless 'drain'
 * says that none will (the cache was flushed): then every record waiting
 * goes out too, alone. */
void
fx_exporter_export(struct fx_exporter *e, const struct ovs_list *records,
                   bool drain)
{
    struct ovs_list biflows = OVS_LIST_INITIALIZER(&biflows);
    long long int now = time_msec();
    const struct fx_record *rec;

    LIST_FOR_EACH (rec, list_node, records) {
        struct fx_record copy = *rec;

        /* The exporter's view of the flow: its cache may track more. */
        fx_key_restrict(&copy.key, e->options.encoder.key_fields);

        /* Flow selection: every record of a flow, or none. */
        bool selected = fx_selection_selects(e->options.encoder.sampling,
                                             e->options.encoder.sampling_mode,
                                             &copy.key, copy.serial);
        e->stats.records++;
        if (copy.first) {
            e->stats.selection.flows_observed++;
            e->stats.selection.flows_selected += selected;
        }
        if (!selected) {
            e->stats.not_selected++;
        } else if (e->biflow) {
            fx_biflow_add(e->biflow, &copy, now, &biflows);
        } else if (fx_exporter_add(e, &copy, NULL)) {
            /* 'rec': the encoder may have reduced the counters of 'copy'
             * by what it put into full messages. */
            e->stats.packets += rec->packets;
            e->stats.bytes += rec->bytes;
        }
    }
    if (e->biflow) {
        fx_biflow_run(e->biflow, now, drain, &biflows);
        fx_exporter_add_biflows(e, &biflows);
    }
    fx_exporter_add_options(e);
    fx_exporter_send_all(e);
}

/* Exports the records that wait for their reverse direction now, alone.
 * For the end of the exporter. */
static void
fx_exporter_drain(struct fx_exporter *e)
{
    struct ovs_list none = OVS_LIST_INITIALIZER(&none);

    fx_exporter_export(e, &none, true);
}

void
fx_exporter_run(struct fx_exporter *e)
{
    if (e->biflow) {
        struct ovs_list biflows = OVS_LIST_INITIALIZER(&biflows);

        fx_biflow_run(e->biflow, time_msec(), false, &biflows);
        if (!ovs_list_is_empty(&biflows)) {
            fx_exporter_add_biflows(e, &biflows);
            fx_exporter_send_all(e);
        }
    }
    fx_exporter_add_options(e);
    fx_exporter_send_all(e);
    for (size_t i = 0; i < e->n_transports; i++) {
        fx_transport_run(e->transports[i]);
    }
}

void
fx_exporter_wait(struct fx_exporter *e)
{
    if (e->biflow) {
        long long int deadline = fx_biflow_next_deadline(e->biflow);

        if (deadline != LLONG_MAX) {
            poll_timer_wait_until(deadline);
        }
    }
    for (size_t i = 0; i < e->n_transports; i++) {
        fx_transport_wait(e->transports[i]);
    }
}

void
fx_exporter_get_stats(const struct fx_exporter *e,
                      struct fx_exporter_stats *stats)
{
    *stats = e->stats;
}

/* Appends a multi-line description of 'e' to 's', indented for
 * flowexport/show. */
void
fx_exporter_format(const struct fx_exporter *e, struct ds *s)
{
    const struct fx_exporter_options *o = &e->options;
    const struct fx_exporter_stats *st = &e->stats;

    ds_put_format(s, "  exporter %s: %s\n", o->name,
                  fx_protocol_to_string(o->protocol));
    if (o->protocol != FX_PROTO_IPFIX) {
        ds_put_format(s, "    engine type %"PRIu8", engine id %"PRIu8
                      ", add_id_to_interface %s\n", o->encoder.engine_type,
                      o->encoder.engine_id,
                      o->encoder.add_id_to_iface ? "true" : "false");
    }
    if (o->active_timeout) {
        ds_put_format(s, "    active timeout %llds", o->active_timeout / 1000);
    } else {
        ds_put_cstr(s, "    active timeout disabled");
    }
    ds_put_format(s, ", inactive timeout %llds, max flows %"PRIuSIZE"\n",
                  o->inactive_timeout / 1000, o->max_flows);
    if (o->max_life) {
        ds_put_format(s, "    max life %llds\n", o->max_life / 1000);
    }
    uint32_t track = o->encoder.key_fields & FX_KEY_OMIT_MASK;
    if (track) {
        ds_put_format(s, "    track level %s\n",
                      track == FX_TRACK_IP ? "ip" : "proto");
    }
    if (o->tcp_fin_timeout || o->tcp_rst_timeout) {
        ds_put_format(s, "    tcp fin timeout %llds, tcp rst timeout %llds\n",
                      o->tcp_fin_timeout / 1000, o->tcp_rst_timeout / 1000);
    }
    if (o->dscp || o->ttl || o->source || o->interface) {
        ds_put_format(s, "    export dscp %"PRIu8", ttl %"PRIu8
                      ", source %s", o->dscp, o->ttl,
                      o->source ? o->source : "any");
        if (o->interface) {
            ds_put_format(s, ", interface %s", o->interface);
        }
        ds_put_char(s, '\n');
    }
    if (o->protocol != FX_PROTO_NETFLOW_V5) {
        ds_put_format(s, "    observation domain %"PRIu32", mtu %"PRIuSIZE
                      ", template refresh %llds or %u messages\n",
                      o->encoder.obs_domain_id, o->encoder.mtu,
                      o->encoder.template_refresh_ms / 1000,
                      o->encoder.template_refresh_msgs);
    }
    if (o->balance && e->n_streams > 1) {
        ds_put_format(s, "    load balancing messages over %"PRIuSIZE
                      " targets\n", e->n_streams);
    }
    if (o->encoder.sampling > 1) {
        ds_put_format(s, "    flow sampling 1 in %"PRIu32" (%s), flows "
                      "observed %"PRIu64", selected %"PRIu64
                      ", records not selected %"PRIu64"\n",
                      o->encoder.sampling,
                      fx_sampling_mode_to_string(o->encoder.sampling_mode),
                      st->selection.flows_observed,
                      st->selection.flows_selected,
                      st->not_selected);
    }
    if (e->biflow) {
        struct fx_biflow_stats bs;

        fx_biflow_get_stats(e->biflow, &bs);
        ds_put_format(s, "    bidirectional: biflows %"PRIu64", alone %"
                      PRIu64" (%"PRIu64" early: too many waiting), "
                      "waiting for their reverse %"PRIuSIZE"\n",
                      bs.paired, bs.alone, bs.overflows, bs.pending);
    }
    ds_put_format(s, "    records %"PRIu64", exported %"PRIu64
                  ", not exportable %"PRIu64", messages %"PRIu64"\n",
                  st->records, st->exported, st->unsupported, st->messages);
    ds_put_format(s, "    exported packets %"PRIu64", bytes %"PRIu64"\n",
                  st->packets, st->bytes);
    if (o->encoder.interface_table || o->encoder.port_identity) {
        uint64_t too_big = 0;

        for (size_t i = 0; i < e->n_streams; i++) {
            too_big += e->streams[i].encoder->options_too_big;
        }
        ds_put_format(s, "    interface table %s, records %"PRIu64
                      " (too big for a message: %"PRIu64"); port identity "
                      "in records %s\n",
                      o->encoder.interface_table ? "on" : "off",
                      st->options, too_big,
                      o->encoder.port_identity ? "on" : "off");
    }
    for (size_t i = 0; i < e->n_transports; i++) {
        ds_put_cstr(s, "    target ");
        fx_transport_format(e->transports[i], s);
        ds_put_char(s, '\n');
    }
}

/* A counter and the name flowexport/counters gives it. */
struct named_counter {
    const char *name;
    uint64_t value;
};

/* Appends "PREFIX.NAME VALUE" to 's' for each of the 'n' 'counters'. */
static void
put_counters(struct ds *s, const char *prefix,
             const struct named_counter *counters, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        ds_put_format(s, "%s.%s %"PRIu64"\n",
                      prefix, counters[i].name, counters[i].value);
    }
}

/* Appends the counters of 'e' to 's' for flowexport/counters, one "NAME
 * VALUE" line each, NAME prefixed with "exporter.NAME." (see
 * fx_tap_format_counters()).  Per-target names carry the target as
 * flowexport/show prints it: "exporter.NAME.target.TARGET.COUNTER". */
void
fx_exporter_format_counters(const struct fx_exporter *e, struct ds *s)
{
    const struct fx_exporter_stats *st = &e->stats;
    const char *name = e->options.name;
    uint64_t too_big = 0;

    for (size_t i = 0; i < e->n_streams; i++) {
        too_big += e->streams[i].encoder->options_too_big;
    }

    const struct named_counter counters[] = {
        { "records", st->records },
        { "exported", st->exported },
        { "not_exportable", st->unsupported },
        { "not_selected", st->not_selected },
        { "flows_observed", st->selection.flows_observed },
        { "flows_selected", st->selection.flows_selected },
        { "messages", st->messages },
        { "packets", st->packets },
        { "bytes", st->bytes },
        { "interface_records", st->options },
        { "interface_records_too_big", too_big },
    };
    struct fx_biflow_stats bs;

    memset(&bs, 0, sizeof bs);
    if (e->biflow) {
        fx_biflow_get_stats(e->biflow, &bs);
    }
    const struct named_counter biflows[] = {
        { "biflows", bs.paired },
        { "biflows_alone", bs.alone },
        { "biflows_early", bs.overflows },
        { "biflows_waiting", bs.pending },
    };
    char *prefix = xasprintf("exporter.%s", name);
    put_counters(s, prefix, counters, ARRAY_SIZE(counters));
    put_counters(s, prefix, biflows, ARRAY_SIZE(biflows));
    free(prefix);

    for (size_t i = 0; i < e->n_transports; i++) {
        const struct fx_transport *t = e->transports[i];
        struct fx_transport_stats ts;

        fx_transport_get_stats(t, &ts);

        const struct named_counter sent[] = {
            { "messages", ts.messages },
            { "bytes", ts.bytes },
            { "records", ts.records },
            { "records_lost", ts.records_lost },
        };
        const struct named_counter connection[] = {
            { "connects", ts.connects },
            { "dns_failures", ts.dns_failures },
            { "address_changes", ts.address_changes },
        };
        prefix = xasprintf("exporter.%s.target.%s", name,
                           fx_transport_target(t));

        put_counters(s, prefix, sent, ARRAY_SIZE(sent));
        for (size_t k = 0; k < FX_N_LOSSES; k++) {
            ds_put_format(s, "%s.messages_lost_%s %"PRIu64"\n", prefix,
                          fx_transport_loss_name(k), ts.lost[k]);
        }
        put_counters(s, prefix, connection, ARRAY_SIZE(connection));
        free(prefix);
    }
}
