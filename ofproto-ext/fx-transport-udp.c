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

/* Transports: UDP to a collector, through OVS's socket utilities.  See
 * fx-transport.h for the contract. */

#include <config.h>
#include "fx-transport.h"

#include <errno.h>
#include <limits.h>
#include <sys/socket.h>
#include <unistd.h>
#include "coverage.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/poll-loop.h"
#include "openvswitch/vlog.h"
#include "socket-util.h"
#include "timeval.h"
#include "util.h"

VLOG_DEFINE_THIS_MODULE(fx_transport);

COVERAGE_DEFINE(fx_transport_send_error);
COVERAGE_DEFINE(fx_transport_not_open);

/* How long to wait before trying again to open a target that failed. */
#define FX_REOPEN_INTERVAL 5000

static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(1, 5);

struct fx_transport {
    char *target;               /* As configured. */
    int default_port;           /* Port if 'target' has none. */
    uint8_t dscp;               /* DSCP of sent packets. */
    int fd;                     /* Connected UDP socket, or -1. */
    int open_error;             /* Why 'fd' is -1, or 0. */
    long long int next_open;    /* When to try opening again. */
    struct fx_transport_stats stats;
};

static void
fx_transport_open(struct fx_transport *t)
{
    struct sockaddr_storage ss;
    bool dns_failure = false;

    t->next_open = time_msec() + FX_REOPEN_INTERVAL;
    if (!inet_parse_active(t->target, t->default_port, &ss, true,
                           &dns_failure)) {
        /* A name still being resolved is worth another try; a malformed
         * target is not (inet_parse_active() already said why). */
        t->open_error = dns_failure ? EAGAIN : EINVAL;
        if (!dns_failure) {
            t->next_open = LLONG_MAX;
        }
        return;
    }

    int fd = socket(ss.ss_family, SOCK_DGRAM, 0);
    int error = fd < 0 ? errno : set_nonblocking(fd);
    if (!error) {
        error = set_dscp(fd, ss.ss_family, t->dscp);
    }
    if (!error && connect(fd, (struct sockaddr *) &ss, ss_length(&ss))) {
        error = errno;
    }
    if (error) {
        VLOG_WARN_RL(&rl, "%s: cannot open UDP socket (%s)", t->target,
                     ovs_strerror(error));
        if (fd >= 0) {
            close(fd);
        }
        t->open_error = error;
        return;
    }
    t->fd = fd;
    t->open_error = 0;
}

/* Creates a transport to 'target'.  'default_port' is used if 'target' has
 * no port; if it is negative, a port is required.  Always returns a
 * transport: one that could not be opened reports why in its statistics and
 * retries. */
struct fx_transport *
fx_transport_create(const char *target, int default_port, uint8_t dscp)
{
    struct fx_transport *t = xzalloc(sizeof *t);

    t->target = xstrdup(target);
    t->default_port = default_port;
    t->dscp = dscp;
    t->fd = -1;
    fx_transport_open(t);
    return t;
}

void
fx_transport_destroy(struct fx_transport *t)
{
    if (t) {
        if (t->fd >= 0) {
            close(t->fd);
        }
        free(t->target);
        free(t);
    }
}

/* Sends the 'size' bytes of 'msg', which carries 'n_records' data records.
 * Never blocks. */
void
fx_transport_send(struct fx_transport *t, const void *msg, size_t size,
                  size_t n_records)
{
    int error;

    if (t->fd < 0) {
        COVERAGE_INC(fx_transport_not_open);
        error = t->open_error ? t->open_error : ENOTCONN;
    } else {
        ssize_t retval;

        do {
            retval = send(t->fd, msg, size, 0);
        } while (retval < 0 && errno == EINTR);
        error = retval < 0 ? errno : 0;
    }

    if (!error) {
        t->stats.messages++;
        t->stats.bytes += size;
        t->stats.records += n_records;
        return;
    }

    COVERAGE_INC(fx_transport_send_error);
    t->stats.send_errors++;
    t->stats.records_lost += n_records;
    t->stats.last_error = error;
    VLOG_WARN_RL(&rl, "%s: export message of %"PRIuSIZE" records lost (%s)",
                 t->target, n_records, ovs_strerror(error));
}

void
fx_transport_run(struct fx_transport *t)
{
    if (t->fd < 0 && time_msec() >= t->next_open) {
        fx_transport_open(t);
    }
}

void
fx_transport_wait(struct fx_transport *t)
{
    if (t->fd < 0 && t->next_open != LLONG_MAX) {
        poll_timer_wait_until(t->next_open);
    }
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

/* Appends a one-line description of 't' and its statistics to 's'. */
void
fx_transport_format(const struct fx_transport *t, struct ds *s)
{
    const struct fx_transport_stats *st = &t->stats;

    ds_put_format(s, "udp:%s: %s, messages %"PRIu64", bytes %"PRIu64
                  ", records %"PRIu64", send errors %"PRIu64
                  ", records lost %"PRIu64,
                  t->target,
                  t->fd >= 0 ? "open" : "not open",
                  st->messages, st->bytes, st->records, st->send_errors,
                  st->records_lost);
    if (t->fd < 0 && t->open_error) {
        ds_put_format(s, " (%s)", t->open_error == EAGAIN
                      ? "resolving" : ovs_strerror(t->open_error));
    } else if (st->last_error) {
        ds_put_format(s, " (last error: %s)", ovs_strerror(st->last_error));
    }
}
