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

/* UDP transport: one connected, non-blocking datagram socket to the
 * collector's current address.  A socket that cannot be opened is retried;
 * when the collector's name resolves to a new address, a new socket replaces
 * the old one between two messages, and the first message to the new
 * address is preceded by the templates. */

#include <config.h>
#include "fx-transport-provider.h"

#include <errno.h>
#include <limits.h>
#include <sys/socket.h>
#include <unistd.h>
#include "openvswitch/dynamic-string.h"
#include "openvswitch/ofpbuf.h"
#include "openvswitch/poll-loop.h"
#include "openvswitch/vlog.h"
#include "socket-util.h"
#include "timeval.h"
#include "util.h"

VLOG_DEFINE_THIS_MODULE(fx_transport_udp);

/* How long to wait before trying again to open a socket that failed. */
#define FX_REOPEN_INTERVAL 5000

struct fx_udp_transport {
    struct fx_transport up;
    int fd;                     /* Connected UDP socket, or -1. */
    int open_error;             /* Why 'fd' is -1, or 0. */
    long long int next_open;    /* When to try opening again. */
    bool greet;                 /* Send the greeting before the next
                                 * message (the address changed). */
};

static const char *const udp_prefixes[] = { "udp:", "", NULL };

static struct fx_udp_transport *
fx_udp_cast(const struct fx_transport *t)
{
    return CONTAINER_OF(t, struct fx_udp_transport, up);
}

static struct fx_transport *
udp_alloc(void)
{
    struct fx_udp_transport *u = xzalloc(sizeof *u);

    u->fd = -1;
    return &u->up;
}

/* Opens a socket to the collector's current address, replacing the one
 * open, if any. */
static void
udp_open(struct fx_transport *t)
{
    static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(1, 5);
    struct fx_udp_transport *u = fx_udp_cast(t);

    if (u->fd >= 0) {
        close(u->fd);
        u->fd = -1;
    }
    u->next_open = time_msec() + FX_REOPEN_INTERVAL;
    if (!t->addr.ss_family) {
        /* Malformed targets do not get this far (see
         * fx_transport_check_target()); this is a name not resolved yet.
         * fx_transport_resolve() brings us back when it is. */
        u->open_error = t->host ? EAGAIN : EINVAL;
        u->next_open = LLONG_MAX;
        return;
    }

    int fd;
    int error = fx_transport_open_socket(t, SOCK_DGRAM, 0, &fd);
    if (error) {
        VLOG_WARN_RL(&rl, "%s: cannot open UDP socket (%s)", t->target,
                     ovs_strerror(error));
        if (fd >= 0) {
            close(fd);
        }
        u->open_error = error;
        return;
    }
    u->fd = fd;
    u->open_error = 0;
}

static void
udp_destroy(struct fx_transport *t)
{
    struct fx_udp_transport *u = fx_udp_cast(t);

    if (u->fd >= 0) {
        close(u->fd);
    }
    free(u);
}

/* Sends the 'size' bytes of 'msg' on 'u''s socket; returns 0 or an errno
 * value. */
static int
udp_send__(struct fx_udp_transport *u, const void *msg, size_t size)
{
    ssize_t retval;

    do {
        retval = send(u->fd, msg, size, 0);
    } while (retval < 0 && errno == EINTR);
    return retval < 0 ? errno : 0;
}

static void
udp_send(struct fx_transport *t, const void *msg, size_t size,
         size_t n_records)
{
    struct fx_udp_transport *u = fx_udp_cast(t);

    if (u->fd < 0) {
        if (u->open_error == EAGAIN) {
            fx_transport_count_lost(t, n_records, FX_LOST_UNRESOLVED, 0);
        } else {
            int error = u->open_error ? u->open_error : ENOTCONN;

            fx_transport_count_lost(t, n_records,
                                    fx_transport_loss_from_errno(error),
                                    error);
        }
        return;
    }

    if (u->greet && t->greeting) {
        /* A collector at a new address first gets the templates, numbered
         * like 'msg'. */
        struct ofpbuf greeting, next;

        ofpbuf_init(&greeting, 512);
        ofpbuf_use_const(&next, msg, size);
        t->greeting(t->greeting_aux, &greeting, &next);
        if (greeting.size && !udp_send__(u, greeting.data, greeting.size)) {
            t->stats.bytes += greeting.size;
        }
        ofpbuf_uninit(&greeting);
        u->greet = false;
    }

    int error = udp_send__(u, msg, size);
    if (error) {
        fx_transport_count_lost(t, n_records,
                                fx_transport_loss_from_errno(error), error);
    } else {
        t->stats.messages++;
        t->stats.bytes += size;
        t->stats.records += n_records;
    }
}

static void
udp_run(struct fx_transport *t)
{
    struct fx_udp_transport *u = fx_udp_cast(t);

    if (fx_transport_resolve(t)) {
        /* The first address, or a new one. */
        u->greet = u->fd >= 0 || u->open_error != EAGAIN;
        udp_open(t);
    } else if (u->fd < 0 && time_msec() >= u->next_open) {
        udp_open(t);
    }
}

static void
udp_wait(struct fx_transport *t)
{
    struct fx_udp_transport *u = fx_udp_cast(t);

    if (u->fd < 0 && u->next_open != LLONG_MAX) {
        poll_timer_wait_until(u->next_open);
    }
    fx_transport_resolve_wait(t);
}

static void
udp_format_state(const struct fx_transport *t, struct ds *s)
{
    const struct fx_udp_transport *u = fx_udp_cast(t);

    if (u->fd >= 0) {
        ds_put_cstr(s, "open");
    } else {
        ds_put_format(s, "not open (%s)", u->open_error == EAGAIN
                      ? "name not resolved" : ovs_strerror(u->open_error));
    }
}

const struct fx_transport_class fx_udp_transport_class = {
    .prefixes = udp_prefixes,
    .format_prefix = "udp:",
    .alloc = udp_alloc,
    .open = udp_open,
    .destroy = udp_destroy,
    .send = udp_send,
    .run = udp_run,
    .wait = udp_wait,
    .format_state = udp_format_state,
};
