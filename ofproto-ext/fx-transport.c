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

/* Transports: choice of implementation by target prefix, and what all of
 * them share (statistics, formatting).  See fx-transport.h. */

#include <config.h>
#include "fx-transport-provider.h"

#include <errno.h>
#include <string.h>
#include "coverage.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/vlog.h"
#include "socket-util.h"
#include "util.h"

VLOG_DEFINE_THIS_MODULE(fx_transport);

COVERAGE_DEFINE(fx_transport_message_lost);

/* The first class with a matching prefix wins; UDP's "" matches all. */
static const struct fx_transport_class *const classes[] = {
    &fx_stream_transport_class,
    &fx_udp_transport_class,
};

/* Finds the class for 'target' and stores in '*namep' the part of 'target'
 * that the class is given: without "udp:" for UDP, whole for streams (OVS's
 * stream library wants the "tcp:" or "ssl:"). */
static const struct fx_transport_class *
fx_transport_class_for(const char *target, const char **namep)
{
    for (size_t i = 0; i < ARRAY_SIZE(classes); i++) {
        for (const char *const *p = classes[i]->prefixes; *p; p++) {
            size_t len = strlen(*p);

            if (!strncmp(target, *p, len)) {
                *namep = (classes[i] == &fx_udp_transport_class
                          ? target + len : target);
                return classes[i];
            }
        }
    }
    OVS_NOT_REACHED();
}

/* Returns true if 'target' is [udp:|tcp:|ssl:]HOST:PORT. */
bool
fx_transport_target_is_valid(const char *target)
{
    const char *name;

    if (fx_transport_class_for(target, &name) != &fx_udp_transport_class) {
        name += 4;              /* "tcp:" or "ssl:". */
    }

    char *copy = xstrdup(name);
    char *host, *port;
    int port_no;

    inet_parse_host_port_tokens(copy, &host, &port);
    bool ok = (host && host[0] && port && str_to_int(port, 10, &port_no)
               && port_no > 0 && port_no <= 65535);
    free(copy);
    return ok;
}

/* Creates a transport to 'target'.  'default_port' is used if 'target' has
 * no port; if it is negative, a port is required.  Always returns a
 * transport: one that cannot be opened says why in its statistics. */
struct fx_transport *
fx_transport_create(const char *target, int default_port,
                    const struct fx_transport_settings *settings,
                    fx_transport_greeting_func *greeting, void *aux)
{
    const char *name;
    const struct fx_transport_class *class
        = fx_transport_class_for(target, &name);

    struct fx_transport *t = class->alloc();
    t->class = class;
    t->target = xstrdup(target);
    t->name = xstrdup(name);
    t->default_port = default_port;
    t->dscp = settings->dscp;
    t->ttl = settings->ttl;
    t->source = nullable_xstrdup(settings->source);
    t->greeting = greeting;
    t->greeting_aux = aux;
    class->open(t);
    return t;
}

void
fx_transport_destroy(struct fx_transport *t)
{
    if (t) {
        char *target = t->target;
        char *name = t->name;
        char *source = t->source;

        t->class->destroy(t);
        free(target);
        free(name);
        free(source);
    }
}

void
fx_transport_send(struct fx_transport *t, const void *msg, size_t size,
                  size_t n_records)
{
    t->class->send(t, msg, size, n_records);
}

void
fx_transport_run(struct fx_transport *t)
{
    t->class->run(t);
}

void
fx_transport_wait(struct fx_transport *t)
{
    t->class->wait(t);
}

const char *
fx_transport_target(const struct fx_transport *t)
{
    return t->target;
}

void
fx_transport_get_stats(const struct fx_transport *t,
                       struct fx_transport_stats *stats)
{
    *stats = t->stats;
}

/* Counts a message of 'n_records' data records as lost because of 'error'
 * (ENOBUFS: queue full; EPIPE: lost with its connection; anything else: a
 * send error), with a rate-limited log message. */
void
fx_transport_count_lost(struct fx_transport *t, size_t n_records, int error)
{
    static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(1, 5);

    COVERAGE_INC(fx_transport_message_lost);
    if (error == ENOBUFS) {
        t->stats.dropped_full++;
    } else if (error == EPIPE) {
        t->stats.dropped_closed++;
    } else {
        t->stats.send_errors++;
    }
    t->stats.records_lost += n_records;
    t->stats.last_error = error;
    VLOG_WARN_RL(&rl, "%s: export message of %"PRIuSIZE" records lost (%s)",
                 t->target, n_records, ovs_strerror(error));
}

/* Appends a one-line description of 't' and its statistics to 's'. */
void
fx_transport_format(const struct fx_transport *t, struct ds *s)
{
    const struct fx_transport_stats *st = &t->stats;

    ds_put_format(s, "%s%s: ", t->class == &fx_udp_transport_class
                  ? "udp:" : "", t->name);
    t->class->format_state(t, s);
    ds_put_format(s, ", messages %"PRIu64", bytes %"PRIu64", records %"PRIu64
                  ", send errors %"PRIu64", records lost %"PRIu64,
                  st->messages, st->bytes, st->records, st->send_errors,
                  st->records_lost);
    if (st->dropped_full || st->dropped_closed || st->connects) {
        ds_put_format(s, ", connects %"PRIu64", dropped (queue full) %"PRIu64
                      ", dropped (connection lost) %"PRIu64, st->connects,
                      st->dropped_full, st->dropped_closed);
    }
    if (st->last_error) {
        ds_put_format(s, " (last error: %s)", ovs_strerror(st->last_error));
    }
}
