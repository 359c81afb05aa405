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
#include <limits.h>
#include <net/if.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include "coverage.h"
#include "dns-resolve.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/json.h"
#include "openvswitch/poll-loop.h"
#include "openvswitch/vlog.h"
#include "packets.h"
#include "socket-util.h"
#include "timeval.h"
#include "util.h"

VLOG_DEFINE_THIS_MODULE(fx_transport);

COVERAGE_DEFINE(fx_transport_message_lost);
COVERAGE_DEFINE(fx_transport_dns_failure);

/* How often a resolved name is looked up again, in ms.  OVS's dns-resolve
 * answers from its cache until the DNS answer's TTL runs out, so this only
 * bounds how late an expired answer is noticed. */
#define FX_RESOLVE_INTERVAL 1000

/* How often an outstanding lookup is polled, in ms. */
#define FX_RESOLVE_POLL 200

/* A lookup without an answer for this long counts as failed, in ms; after
 * a failure, the name is looked up again this much later. */
#define FX_RESOLVE_TIMEOUT 5000

/* The first class with a matching prefix wins; UDP's "" matches all. */
static const struct fx_transport_class *const classes[] = {
    &fx_stream_transport_class,
    &fx_udp_transport_class,
};

/* Finds the class for 'target' and stores in '*namep' the part of 'target'
 * after its prefix. */
static const struct fx_transport_class *
fx_transport_class_for(const char *target, const char **namep)
{
    for (size_t i = 0; i < ARRAY_SIZE(classes); i++) {
        for (const char *const *p = classes[i]->prefixes; *p; p++) {
            size_t len = strlen(*p);

            if (!strncmp(target, *p, len)) {
                *namep = target + len;
                return classes[i];
            }
        }
    }
    OVS_NOT_REACHED();
}

/* Splits 'name' ("HOST:PORT", HOST possibly a bracketed IPv6 address) into
 * a malloc'd '*hostp' without brackets and '*portp'.  Returns false if it is
 * not like that. */
static bool
fx_transport_split(const char *name, int default_port, char **hostp,
                   int *portp)
{
    char *copy = xstrdup(name);
    char *host, *port;

    inet_parse_host_port_tokens(copy, &host, &port);
    bool ok = host && host[0];
    if (ok && port) {
        ok = str_to_int(port, 10, portp) && *portp > 0 && *portp <= 65535;
    } else if (ok) {
        *portp = default_port;
        ok = default_port >= 0;
    }
    *hostp = ok ? xstrdup(host) : NULL;
    free(copy);
    return ok;
}

/* Returns true if 'host' is an IPv4 or IPv6 address, false if it is a name
 * to be resolved. */
static bool
host_is_address(const char *host)
{
    ovs_be32 ip;

    return strchr(host, ':') || ip_parse(host, &ip);
}

/* Converts the IP address 'host' and 'port' into '*ss'. */
static bool
fx_transport_make_addr(const char *host, int port,
                       struct sockaddr_storage *ss)
{
    if (!inet_parse_address(host, ss)) {
        return false;
    }
    if (ss->ss_family == AF_INET) {
        ALIGNED_CAST(struct sockaddr_in *, ss)->sin_port = htons(port);
    } else {
        ALIGNED_CAST(struct sockaddr_in6 *, ss)->sin6_port = htons(port);
    }
    return true;
}

/* Returns 'format', which has one "%s", with 'value' in its place as a
 * JSON string (quoted, with quotes and control characters escaped), so that
 * an error message quoting a configured value stays one line.  The caller
 * frees it. */
char *
fx_quoted_error(const char *format, const char *value)
{
    struct ds quoted = DS_EMPTY_INITIALIZER;

    json_string_escape(value, &quoted);
    char *error = xasprintf(format, ds_cstr(&quoted));
    ds_destroy(&quoted);
    return error;
}

/* Checks 'target' with 'settings' for what OVSDB's column types cannot.
 * Returns NULL if 'target' is usable, otherwise a malloc'd message that
 * names the column at fault. */
char *
fx_transport_check_target(const char *target,
                          const struct fx_transport_settings *settings)
{
    const char *name;
    char *host;
    int port;

    fx_transport_class_for(target, &name);
    if (!fx_transport_split(name, -1, &host, &port)) {
        return fx_quoted_error("targets: %s is not [udp:|tcp:|ssl:|sctp:]"
                               "HOST:PORT (e.g. 192.0.2.1:2055, "
                               "tcp:[2001:db8::1]:4739)", target);
    }

    /* A host with ':' is an IPv6 address, never a name to look up, so one
     * that does not parse could never be sent to. */
    struct sockaddr_storage ss;
    bool bad_address = (host_is_address(host)
                        && !fx_transport_make_addr(host, port, &ss));
    free(host);
    if (bad_address) {
        return fx_quoted_error("targets: %s: its host is not an IP address "
                               "(a host with ':' must be an IPv6 address; "
                               "host names have none)", target);
    }

    if (!strncmp(target, "sctp:", 5)) {
        /* Without SCTP in the kernel, say so now rather than count every
         * message lost. */
        int fd = socket(AF_INET, SOCK_STREAM, IPPROTO_SCTP);

        if (fd < 0) {
            char *what = xasprintf("targets: %%s: this system's kernel "
                                   "does not support SCTP (%s)",
                                   ovs_strerror(errno));
            char *error = fx_quoted_error(what, target);

            free(what);
            return error;
        }
        close(fd);
    }
    if (!strncmp(target, "ssl:", 4)
        && (settings->source || settings->interface)) {
        /* OVS's TLS streams make their own sockets. */
        return fx_quoted_error(settings->source
                               ? "export_source: cannot be used with TLS "
                                 "target %s (only with UDP, TCP and SCTP "
                                 "targets)"
                               : "export_interface: cannot be used with TLS "
                                 "target %s (only with UDP, TCP and SCTP "
                                 "targets)", target);
    }
    return NULL;
}

/* Counts a failed lookup of 't''s name. */
static void
fx_transport_dns_failed(struct fx_transport *t)
{
    static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(1, 5);

    COVERAGE_INC(fx_transport_dns_failure);
    t->stats.dns_failures++;
    if (t->addr.ss_family) {
        struct ds addr = DS_EMPTY_INITIALIZER;

        ss_format_address(&t->addr, &addr);
        VLOG_WARN_RL(&rl, "%s: cannot resolve \"%s\", still sending to %s",
                     t->target, t->host, ds_cstr(&addr));
        ds_destroy(&addr);
    } else {
        VLOG_WARN_RL(&rl, "%s: cannot resolve \"%s\", export messages are "
                     "lost until it resolves", t->target, t->host);
    }
}

/* Looks up 't''s collector name again if it is time to, and returns true if
 * 't->addr' changed (so the class should move to it).  A lookup that fails
 * keeps the address that the name had, if any.
 *
 * OVS's dns_resolve() does not say whether a lookup failed: it returns true
 * without an address when it starts a new query, and false while one is
 * outstanding.  A query that is started again while ours was outstanding
 * means that ours failed; one that goes unanswered too long also counts as
 * failed. */
bool
fx_transport_resolve(struct fx_transport *t)
{
    long long int now = time_msec();

    if (!t->host || now < t->next_resolve) {
        return false;
    }

    char *addr;
    bool started = dns_resolve(t->host, &addr);
    if (addr) {
        struct sockaddr_storage ss;
        bool changed = false;

        t->resolving = false;
        t->next_resolve = now + FX_RESOLVE_INTERVAL;
        if (fx_transport_make_addr(addr, t->port, &ss)
            && (ss.ss_family != t->addr.ss_family
                || memcmp(&ss, &t->addr, ss_length(&ss)))) {
            if (t->addr.ss_family) {
                t->stats.address_changes++;
                VLOG_INFO("%s: \"%s\" now resolves to %s", t->target,
                          t->host, addr);
            }
            t->addr = ss;
            changed = true;
        }
        free(addr);
        return changed;
    }

    if (started) {
        if (t->resolving) {
            fx_transport_dns_failed(t);
            t->next_resolve = now + FX_RESOLVE_TIMEOUT;
        } else {
            t->next_resolve = now + FX_RESOLVE_POLL;
        }
        t->resolving = true;
        t->resolve_started = now;
    } else {
        if (!t->resolving) {
            /* Somebody else's query of the same name is outstanding. */
            t->resolving = true;
            t->resolve_started = now;
        } else if (now - t->resolve_started >= FX_RESOLVE_TIMEOUT) {
            fx_transport_dns_failed(t);
            t->resolve_started = now;
        }
        t->next_resolve = now + FX_RESOLVE_POLL;
    }
    return false;
}

void
fx_transport_resolve_wait(const struct fx_transport *t)
{
    if (t->host) {
        poll_timer_wait_until(t->next_resolve);
    }
}

/* Binds 'fd' to 't''s source address and device, if it has any. */
static int
fx_transport_bind(const struct fx_transport *t, int fd)
{
    if (t->interface
        && setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, t->interface,
                      strlen(t->interface) + 1)) {
        return errno;
    }
    if (t->source) {
        struct sockaddr_storage ss;

        if (!inet_parse_address(t->source, &ss)) {
            return EINVAL;
        } else if (ss.ss_family != t->addr.ss_family) {
            return EAFNOSUPPORT;
        } else if (bind(fd, (struct sockaddr *) &ss, ss_length(&ss))) {
            return errno;
        }
    }
    return 0;
}

static int
fx_transport_set_ttl(int fd, int family, int ttl)
{
    int error = (family == AF_INET
                 ? setsockopt(fd, IPPROTO_IP, IP_TTL, &ttl, sizeof ttl)
                 : setsockopt(fd, IPPROTO_IPV6, IPV6_UNICAST_HOPS, &ttl,
                              sizeof ttl));
    return error ? errno : 0;
}

/* Opens a non-blocking socket of 'type' and 'protocol' to 't->addr', which
 * must be known, with 't''s DSCP, TTL, source address and device, and starts
 * connecting it.  Returns 0 if it is connected, EAGAIN if it is connecting
 * (and stores it in '*fdp' either way), otherwise a positive errno value
 * (and stores -1). */
int
fx_transport_open_socket(struct fx_transport *t, int type, int protocol,
                         int *fdp)
{
    int family = t->addr.ss_family;
    int fd = socket(family, type, protocol);
    int error = fd < 0 ? errno : set_nonblocking(fd);

    if (!error) {
        error = set_dscp(fd, family, t->dscp);
    }
    if (!error && t->ttl) {
        error = fx_transport_set_ttl(fd, family, t->ttl);
    }
    if (!error) {
        error = fx_transport_bind(t, fd);
    }
    if (!error && connect(fd, (struct sockaddr *) &t->addr,
                          ss_length(&t->addr))) {
        error = errno == EINPROGRESS ? EAGAIN : errno;
    }
    if (error && error != EAGAIN && fd >= 0) {
        close(fd);
        fd = -1;
    }
    *fdp = fd;
    return error;
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
    t->interface = nullable_xstrdup(settings->interface);
    t->greeting = greeting;
    t->greeting_aux = aux;

    char *host;
    if (fx_transport_split(name, default_port, &host, &t->port)) {
        if (host_is_address(host)) {
            fx_transport_make_addr(host, t->port, &t->addr);
            free(host);
        } else {
            t->host = host;
            fx_transport_resolve(t);
        }
    }
    class->open(t);
    return t;
}

/* Transports that are sending their queues after their owner went (row
 * removed, bridge deleted, reconfiguration, exit), and what became of
 * those queues.  Main thread only, like every transport. */
static struct ovs_list lingering = OVS_LIST_INITIALIZER(&lingering);
static struct fx_transport_linger_stats linger_stats;

static size_t
fx_transport_pending(const struct fx_transport *t)
{
    return t->class->pending ? t->class->pending(t) : 0;
}

/* Frees 't', counting what it still had queued as lost. */
static void
fx_transport_free(struct fx_transport *t)
{
    char *strings[] = { t->target, t->name, t->source, t->interface,
                        t->host };
    size_t lost = fx_transport_pending(t);

    if (t->linger_deadline) {
        ovs_list_remove(&t->linger_node);
        linger_stats.records_delivered += (t->stats.records
                                           - t->linger_records);
        lost += t->stats.records_lost - t->linger_lost;
    }
    if (lost) {
        static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(1, 5);

        linger_stats.records_lost += lost;
        VLOG_WARN_RL(&rl, "%s: %"PRIuSIZE" export records lost: the "
                     "collector did not take them in time after its "
                     "exporter was removed", t->target, lost);
    }
    t->class->destroy(t);
    for (size_t i = 0; i < ARRAY_SIZE(strings); i++) {
        free(strings[i]);
    }
}

/* Destroys 't'.  If it still has messages queued (a TCP or TLS collector
 * that was slow or away), they would be lost with it: instead it keeps
 * sending them, for up to FX_TRANSPORT_LINGER_MS, without its owner. */
void
fx_transport_destroy(struct fx_transport *t)
{
    if (!t) {
        return;
    }
    if (fx_transport_pending(t)) {
        t->class->linger(t);
        t->greeting = NULL;
        t->greeting_aux = NULL;
        t->linger_deadline = time_msec() + FX_TRANSPORT_LINGER_MS;
        t->linger_records = t->stats.records;
        t->linger_lost = t->stats.records_lost;
        ovs_list_push_back(&lingering, &t->linger_node);
    } else {
        fx_transport_free(t);
    }
}

/* Lets lingering transports send, and frees those that are done or out of
 * time. */
void
fx_transport_linger_run(void)
{
    long long int now = time_msec();
    struct fx_transport *t;

    LIST_FOR_EACH_SAFE (t, linger_node, &lingering) {
        t->class->run(t);
        if (!fx_transport_pending(t) || now >= t->linger_deadline) {
            fx_transport_free(t);
        }
    }
}

void
fx_transport_linger_wait(void)
{
    struct fx_transport *t;

    LIST_FOR_EACH (t, linger_node, &lingering) {
        t->class->wait(t);
        poll_timer_wait_until(t->linger_deadline);
    }
}

void
fx_transport_linger_get_stats(struct fx_transport_linger_stats *stats)
{
    *stats = linger_stats;
    stats->n_lingering = ovs_list_size(&lingering);
}

/* At exit: lets lingering transports send for at most 'timeout_ms' more
 * (blocking), then frees them all, counting what is left as lost. */
void
fx_transport_linger_finish(long long int timeout_ms)
{
    long long int deadline = time_msec() + timeout_ms;
    struct fx_transport *t;

    LIST_FOR_EACH (t, linger_node, &lingering) {
        t->linger_deadline = MIN(t->linger_deadline, deadline);
    }
    for (;;) {
        fx_transport_linger_run();
        if (ovs_list_is_empty(&lingering)) {
            break;
        }
        fx_transport_linger_wait();
        poll_block();
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

/* Returns the kind of loss that a failure to send with 'error' is. */
enum fx_transport_loss
fx_transport_loss_from_errno(int error)
{
    switch (error) {
    case EAGAIN:
    case ENOBUFS:
        return FX_LOST_FULL;
    case ECONNREFUSED:
    case EHOSTUNREACH:
    case ENETUNREACH:
    case EHOSTDOWN:
    case ENETDOWN:
        return FX_LOST_UNREACHABLE;
    case ENOTCONN:
    case EPIPE:
    case ECONNRESET:
        return FX_LOST_DISCONNECTED;
    default:
        return FX_LOST_OTHER;
    }
}

/* The causes of loss: their names for flowexport/counters ("full" in
 * "messages_lost_full"), and their descriptions for
 * fx_transport_format(). */
static const struct {
    const char *name;
    const char *description;
} losses[FX_N_LOSSES] = {
    [FX_LOST_FULL] = { "full", "buffer full" },
    [FX_LOST_UNREACHABLE] = { "unreachable", "unreachable" },
    [FX_LOST_UNRESOLVED] = { "unresolved", "unresolved" },
    [FX_LOST_DISCONNECTED] = { "disconnected", "disconnected" },
    [FX_LOST_OTHER] = { "other", "other" },
};

const char *
fx_transport_loss_name(enum fx_transport_loss loss)
{
    return loss < FX_N_LOSSES ? losses[loss].name : "unknown";
}

/* Counts a message of 'n_records' data records as lost for 'loss', because
 * of 'error', with a rate-limited log message. */
void
fx_transport_count_lost(struct fx_transport *t, size_t n_records,
                        enum fx_transport_loss loss, int error)
{
    static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(1, 5);
    struct fx_transport_stats *st = &t->stats;

    COVERAGE_INC(fx_transport_message_lost);
    st->lost[loss < FX_N_LOSSES ? loss : FX_LOST_OTHER]++;
    st->records_lost += n_records;
    st->last_error = error;
    VLOG_WARN_RL(&rl, "%s: export message of %"PRIuSIZE" records lost (%s)",
                 t->target, n_records,
                 loss == FX_LOST_UNRESOLVED ? "collector name not resolved"
                 : ovs_strerror(error));
}

/* Appends a one-line description of 't' and its statistics to 's'. */
void
fx_transport_format(const struct fx_transport *t, struct ds *s)
{
    const struct fx_transport_stats *st = &t->stats;

    if (t->class->format_prefix) {
        ds_put_format(s, "%s%s: ", t->class->format_prefix, t->name);
    } else {
        ds_put_format(s, "%s: ", t->target);
    }
    t->class->format_state(t, s);
    if (t->host) {
        ds_put_cstr(s, ", address ");
        if (t->addr.ss_family) {
            ss_format_address(&t->addr, s);
        } else {
            ds_put_cstr(s, "unknown");
        }
    }
    ds_put_format(s, ", messages %"PRIu64", bytes %"PRIu64", records %"PRIu64
                  ", records lost %"PRIu64, st->messages, st->bytes,
                  st->records, st->records_lost);
    uint64_t n_lost = 0;
    for (size_t i = 0; i < FX_N_LOSSES; i++) {
        n_lost += st->lost[i];
    }
    if (n_lost) {
        ds_put_cstr(s, " (messages lost:");
        for (size_t i = 0; i < FX_N_LOSSES; i++) {
            ds_put_format(s, "%s %s %"PRIu64, i ? "," : "",
                          losses[i].description, st->lost[i]);
        }
        ds_put_char(s, ')');
    }
    if (t->class->connects) {
        ds_put_format(s, ", connects %"PRIu64, st->connects);
    }
    if (t->host) {
        ds_put_format(s, ", DNS failures %"PRIu64", address changes %"PRIu64,
                      st->dns_failures, st->address_changes);
    }
    if (st->last_error) {
        ds_put_format(s, " (last error: %s)", ovs_strerror(st->last_error));
    }
}
