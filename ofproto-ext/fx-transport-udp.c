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

/* UDP transport: one connected, non-blocking datagram socket, opened through
 * OVS's socket utilities; a target that cannot be opened yet (its name is
 * still resolving) is retried. */

#include <config.h>
#include "fx-transport-provider.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <string.h>
#include <limits.h>
#include <sys/socket.h>
#include <unistd.h>
#include "openvswitch/dynamic-string.h"
#include "openvswitch/poll-loop.h"
#include "openvswitch/vlog.h"
#include "socket-util.h"
#include "timeval.h"
#include "util.h"

VLOG_DEFINE_THIS_MODULE(fx_transport_udp);

/* How long to wait before trying again to open a target that failed. */
#define FX_REOPEN_INTERVAL 5000

struct fx_udp_transport {
    struct fx_transport up;
    int fd;                     /* Connected UDP socket, or -1. */
    int open_error;             /* Why 'fd' is -1, or 0. */
    long long int next_open;    /* When to try opening again. */
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

static int
udp_set_ttl(int fd, int family, int ttl)
{
    int error = (family == AF_INET
                 ? setsockopt(fd, IPPROTO_IP, IP_TTL, &ttl, sizeof ttl)
                 : setsockopt(fd, IPPROTO_IPV6, IPV6_UNICAST_HOPS, &ttl,
                              sizeof ttl));
    return error ? errno : 0;
}

/* Binds 'fd', of address 'family', to the numeric address 'source'. */
static int
udp_bind_source(int fd, int family, const char *source)
{
    struct sockaddr_storage ss;

    memset(&ss, 0, sizeof ss);
    ss.ss_family = family;
    if (family == AF_INET) {
        struct sockaddr_in *sin = ALIGNED_CAST(struct sockaddr_in *, &ss);

        if (inet_pton(AF_INET, source, &sin->sin_addr) != 1) {
            return EAFNOSUPPORT;
        }
    } else {
        struct sockaddr_in6 *sin6 = ALIGNED_CAST(struct sockaddr_in6 *, &ss);

        if (inet_pton(AF_INET6, source, &sin6->sin6_addr) != 1) {
            return EAFNOSUPPORT;
        }
    }
    return bind(fd, (struct sockaddr *) &ss, ss_length(&ss)) ? errno : 0;
}

static void
udp_open(struct fx_transport *t)
{
    static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(1, 5);
    struct fx_udp_transport *u = fx_udp_cast(t);
    struct sockaddr_storage ss;
    bool dns_failure = false;

    u->next_open = time_msec() + FX_REOPEN_INTERVAL;
    if (!inet_parse_active(t->name, t->default_port, &ss, true,
                           &dns_failure)) {
        /* A name still being resolved is worth another try; a malformed
         * target is not (inet_parse_active() already said why). */
        u->open_error = dns_failure ? EAGAIN : EINVAL;
        if (!dns_failure) {
            u->next_open = LLONG_MAX;
        }
        return;
    }

    int fd = socket(ss.ss_family, SOCK_DGRAM, 0);
    int error = fd < 0 ? errno : set_nonblocking(fd);
    if (!error) {
        error = set_dscp(fd, ss.ss_family, t->dscp);
    }
    if (!error && t->ttl) {
        error = udp_set_ttl(fd, ss.ss_family, t->ttl);
    }
    if (!error && t->source) {
        error = udp_bind_source(fd, ss.ss_family, t->source);
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

static void
udp_send(struct fx_transport *t, const void *msg, size_t size,
         size_t n_records)
{
    struct fx_udp_transport *u = fx_udp_cast(t);
    int error;

    if (u->fd < 0) {
        error = u->open_error ? u->open_error : ENOTCONN;
    } else {
        ssize_t retval;

        do {
            retval = send(u->fd, msg, size, 0);
        } while (retval < 0 && errno == EINTR);
        error = retval < 0 ? errno : 0;
    }

    if (error) {
        fx_transport_count_lost(t, n_records, error);
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

    if (u->fd < 0 && time_msec() >= u->next_open) {
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
}

static void
udp_format_state(const struct fx_transport *t, struct ds *s)
{
    const struct fx_udp_transport *u = fx_udp_cast(t);

    if (u->fd >= 0) {
        ds_put_cstr(s, "open");
    } else {
        ds_put_format(s, "not open (%s)", u->open_error == EAGAIN
                      ? "resolving" : ovs_strerror(u->open_error));
    }
}

const struct fx_transport_class fx_udp_transport_class = {
    .prefixes = udp_prefixes,
    .alloc = udp_alloc,
    .open = udp_open,
    .destroy = udp_destroy,
    .send = udp_send,
    .run = udp_run,
    .wait = udp_wait,
    .format_state = udp_format_state,
};
