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

/* Stream transport: TCP, SCTP or TLS through OVS's stream library, with
 * OVS's reconnect state machine (exponential backoff), and a bounded queue
 * of whole messages while connecting or when the collector is slow.  Each
 * new connection first carries the owner's greeting (IPFIX templates).  A
 * message cut by a lost connection is counted lost; the rest of the queue
 * goes out on the next connection.
 *
 * TCP and SCTP sockets are our own (bound to the configured source address
 * or device) wrapped in OVS's fd stream; TLS streams are OVS's, which make
 * their own sockets.  When the collector's name resolves to a new address,
 * the connection is closed after the message being sent and a new one made
 * to the new address: nothing is lost or sent twice. */

#include <config.h>
#include "fx-transport-provider.h"

#include <errno.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include "openvswitch/dynamic-string.h"
#include "openvswitch/list.h"
#include "openvswitch/ofpbuf.h"
#include "openvswitch/vlog.h"
#include "ovs-thread.h"
#include "reconnect.h"
#include "socket-util.h"
#include "stream-fd.h"
#include "stream.h"
#include "timeval.h"
#include "util.h"

VLOG_DEFINE_THIS_MODULE(fx_transport_stream);

/* Bytes queued at most, per collector. */
#define FX_STREAM_QUEUE_MAX (4 * 1024 * 1024)

/* Reconnection backoff, in ms. */
#define FX_STREAM_MIN_BACKOFF 1000
#define FX_STREAM_MAX_BACKOFF 8000

struct fx_queued_msg {
    struct ovs_list list_node;  /* In 'queue'. */
    struct ofpbuf buf;          /* The message; buf.data advances as sent. */
    size_t n_records;           /* Data records in it (0: greeting). */
    bool started;               /* Part of it went to the current stream. */
};

struct fx_stream_transport {
    struct fx_transport up;
    struct reconnect *reconnect;
    struct stream *stream;      /* Connecting or connected, or NULL. */
    bool connected;             /* 'stream' finished connecting. */
    struct ovs_list queue;      /* "struct fx_queued_msg"s, oldest first. */
    size_t queued_bytes;        /* Bytes in 'queue'. */
    int protocol;               /* IPPROTO_TCP or IPPROTO_SCTP: our own
                                 * socket; 0: OVS's TLS stream. */
    struct sockaddr_storage peer; /* Address that 'stream' goes to. */
    bool moving;                /* Reconnect to the collector's new address
                                 * between two messages. */
    struct ofpbuf *linger_greeting; /* Lingering: the greeting of a new
                                     * connection, taken from the owner. */
};

static const char *const stream_prefixes[] = {
    "tcp:", "ssl:", "sctp:", NULL
};

static struct fx_stream_transport *
fx_stream_cast(const struct fx_transport *t)
{
    return CONTAINER_OF(t, struct fx_stream_transport, up);
}

static struct fx_transport *
fx_stream_alloc(void)
{
    struct fx_stream_transport *st = xzalloc(sizeof *st);

    ovs_list_init(&st->queue);
    return &st->up;
}

static void
fx_stream_open(struct fx_transport *t)
{
    struct fx_stream_transport *st = fx_stream_cast(t);

    st->protocol = (!strncmp(t->target, "tcp:", 4) ? IPPROTO_TCP
                    : !strncmp(t->target, "sctp:", 5) ? IPPROTO_SCTP : 0);
    st->reconnect = reconnect_create(time_msec());
    reconnect_set_name(st->reconnect, t->target);
    reconnect_set_backoff(st->reconnect, FX_STREAM_MIN_BACKOFF,
                          FX_STREAM_MAX_BACKOFF);
    reconnect_set_probe_interval(st->reconnect, 0);
    reconnect_enable(st->reconnect, time_msec());
}

static void
queue_free(struct fx_queued_msg *q)
{
    ofpbuf_uninit(&q->buf);
    free(q);
}

static void
queue_push(struct fx_stream_transport *st, const void *data, size_t size,
           size_t n_records, bool front)
{
    struct fx_queued_msg *q = xmalloc(sizeof *q);

    ofpbuf_init(&q->buf, size);
    ofpbuf_put(&q->buf, data, size);
    q->n_records = n_records;
    q->started = false;
    if (front) {
        ovs_list_push_front(&st->queue, &q->list_node);
    } else {
        ovs_list_push_back(&st->queue, &q->list_node);
    }
    st->queued_bytes += size;
}

static void
queue_pop(struct fx_stream_transport *st, struct fx_queued_msg *q)
{
    st->queued_bytes -= q->buf.size;
    ovs_list_remove(&q->list_node);
    queue_free(q);
}

static void
fx_stream_destroy(struct fx_transport *t)
{
    struct fx_stream_transport *st = fx_stream_cast(t);
    struct fx_queued_msg *q;

    stream_close(st->stream);
    reconnect_destroy(st->reconnect);
    LIST_FOR_EACH_POP (q, list_node, &st->queue) {
        queue_free(q);
    }
    ofpbuf_delete(st->linger_greeting);
    free(st);
}

static size_t
fx_stream_pending(const struct fx_transport *t)
{
    const struct fx_stream_transport *st = fx_stream_cast(t);
    const struct fx_queued_msg *q;
    size_t n = 0;

    LIST_FOR_EACH (q, list_node, &st->queue) {
        n += q->n_records;
    }
    return n;
}

static void
fx_stream_linger(struct fx_transport *t)
{
    struct fx_stream_transport *st = fx_stream_cast(t);
    const struct fx_queued_msg *q;

    /* The greeting describes the first message not started yet, which a
     * new connection would send first. */
    LIST_FOR_EACH (q, list_node, &st->queue) {
        if (!q->started && q->n_records) {
            st->linger_greeting = ofpbuf_new(512);
            if (t->greeting) {
                t->greeting(t->greeting_aux, st->linger_greeting, &q->buf);
            }
            break;
        }
    }
    /* Reconnect soon, not after up to FX_STREAM_MAX_BACKOFF. */
    reconnect_set_backoff(st->reconnect, 100, 500);
}

/* Drops the connection after 'error'.  The message that was partly sent is
 * lost (the collector cannot use half of it); greetings still queued are
 * dropped too, since a new connection gets a new one. */
static void
fx_stream_disconnect(struct fx_stream_transport *st, int error)
{
    struct fx_queued_msg *q;

    stream_close(st->stream);
    st->stream = NULL;
    st->connected = false;
    st->moving = false;
    reconnect_disconnected(st->reconnect, time_msec(), error);

    LIST_FOR_EACH_SAFE (q, list_node, &st->queue) {
        if (q->started && q->n_records) {
            fx_transport_count_lost(&st->up, q->n_records,
                                    FX_LOST_DISCONNECTED, EPIPE);
        }
        if (q->started || !q->n_records) {
            queue_pop(st, q);
        }
    }
}

static void
fx_stream_send(struct fx_transport *t, const void *msg, size_t size,
            size_t n_records)
{
    struct fx_stream_transport *st = fx_stream_cast(t);

    if (st->queued_bytes + size > FX_STREAM_QUEUE_MAX) {
        fx_transport_count_lost(t, n_records, FX_LOST_FULL, ENOBUFS);
        return;
    }
    queue_push(st, msg, size, n_records, false);
    t->class->run(t);
}

/* Sends as much of the queue as the stream takes without blocking. */
static void
fx_stream_flush(struct fx_stream_transport *st)
{
    while (st->connected && !ovs_list_is_empty(&st->queue)) {
        struct fx_queued_msg *q = CONTAINER_OF(ovs_list_front(&st->queue),
                                               struct fx_queued_msg,
                                               list_node);
        int retval = stream_send(st->stream, q->buf.data, q->buf.size);

        if (retval == -EAGAIN) {
            return;
        } else if (retval < 0) {
            VLOG_INFO("%s: connection lost (%s)", st->up.target,
                      ovs_strerror(-retval));
            st->up.stats.last_error = -retval;
            fx_stream_disconnect(st, -retval);
            return;
        }

        q->started = true;
        ofpbuf_pull(&q->buf, retval);
        st->queued_bytes -= retval;
        st->up.stats.bytes += retval;
        if (!q->buf.size) {
            if (q->n_records) {
                st->up.stats.messages++;
                st->up.stats.records += q->n_records;
            }
            queue_pop(st, q);
            if (st->moving) {
                return;
            }
        }
    }
}

/* Returns true if no message is partly sent on the current stream. */
static bool
fx_stream_at_boundary(const struct fx_stream_transport *st)
{
    const struct fx_queued_msg *q;

    LIST_FOR_EACH (q, list_node, &st->queue) {
        return !q->started;
    }
    return true;
}

/* Closes the connection to the collector's old address, between two
 * messages, to connect to its new address right away. */
static void
fx_stream_move(struct fx_stream_transport *st)
{
    reconnect_set_backoff_free_tries(st->reconnect, 2);
    fx_stream_disconnect(st, 0);
}

/* What the certificate of the TLS collector that this thread is connecting
 * to must carry: set only around stream_open() in fx_stream_connect(), read
 * by ovs-vswitchd's SSL_new() wrapper (vswitchd-plugin/fx-tls.c), which
 * stream_open() calls in the same thread.  Per thread, so that an SSL
 * object that another thread makes meanwhile is left alone. */
DEFINE_STATIC_PER_THREAD_DATA(const struct fx_tls_peer *, tls_expected_peer,
                              NULL);

const struct fx_tls_peer *
fx_transport_tls_expected_peer(void)
{
    return *tls_expected_peer_get();
}

/* Starts connecting to the collector's current address. */
static int
fx_stream_connect(struct fx_stream_transport *st)
{
    struct fx_transport *t = &st->up;
    int error;

    if (!t->addr.ss_family) {
        return EAGAIN;          /* Name not resolved yet. */
    } else if (st->protocol) {
        int fd;

        error = fx_transport_open_socket(t, SOCK_STREAM, st->protocol, &fd);
        if (fd >= 0) {
            error = new_fd_stream(xstrdup(t->target), fd, error, AF_INET,
                                  &st->stream);
        }
    } else {
        /* OVS resolves the name itself, from the same cache.  Beyond the
         * CA, the collector must prove the name, or the IP address, that
         * it is given by (see fx-transport.h). */
        const struct fx_tls_peer peer = {
            .name = t->host,
            .addr = t->host ? NULL : &t->addr,
        };

        *tls_expected_peer_get() = &peer;
        error = stream_open(t->target, &st->stream, t->dscp);
        *tls_expected_peer_get() = NULL;
    }
    if (!error) {
        st->peer = t->addr;
    }
    return error;
}

/* A collector has nothing to say; reading tells us when it closed. */
static void
fx_stream_poll_closed(struct fx_stream_transport *st)
{
    char buf[256];
    int retval = stream_recv(st->stream, buf, sizeof buf);

    if (retval == 0 || (retval < 0 && retval != -EAGAIN)) {
        int error = retval ? -retval : EOF;

        VLOG_INFO("%s: connection closed by collector (%s)", st->up.target,
                  ovs_retval_to_string(error));
        fx_stream_disconnect(st, error);
    }
}

static void
fx_stream_run(struct fx_transport *t)
{
    struct fx_stream_transport *st = fx_stream_cast(t);
    long long int now = time_msec();

    if (fx_transport_resolve(t) && st->stream
        && memcmp(&st->peer, &t->addr, sizeof st->peer)) {
        VLOG_INFO("%s: collector moved, reconnecting", t->target);
        st->moving = true;
    }
    if (st->moving && (!st->connected || fx_stream_at_boundary(st))) {
        fx_stream_move(st);
    }

    if (st->stream) {
        stream_run(st->stream);
        if (!st->connected) {
            int error = stream_connect(st->stream);

            if (!error) {
                struct ofpbuf greeting;

                st->connected = true;
                reconnect_connected(st->reconnect, now);
                t->stats.connects++;
                VLOG_INFO("%s: connected", t->target);

                ofpbuf_init(&greeting, 512);
                if (st->linger_greeting) {
                    ofpbuf_put(&greeting, st->linger_greeting->data,
                               st->linger_greeting->size);
                } else if (t->greeting) {
                    const struct fx_queued_msg *next = (
                        ovs_list_is_empty(&st->queue) ? NULL
                        : CONTAINER_OF(ovs_list_front(&st->queue),
                                       struct fx_queued_msg, list_node));

                    t->greeting(t->greeting_aux, &greeting,
                                next ? &next->buf : NULL);
                }
                if (greeting.size) {
                    queue_push(st, greeting.data, greeting.size, 0, true);
                }
                ofpbuf_uninit(&greeting);
            } else if (error != EAGAIN) {
                t->stats.last_error = error;
                stream_close(st->stream);
                st->stream = NULL;
                reconnect_connect_failed(st->reconnect, now, error);
            }
        }
        if (st->connected) {
            fx_stream_poll_closed(st);
        }
    }

    switch (reconnect_run(st->reconnect, now)) {
    case RECONNECT_CONNECT: {
        int error = fx_stream_connect(st);

        if (error) {
            if (t->addr.ss_family) {
                /* (Otherwise the name is not resolved yet, as shown.) */
                t->stats.last_error = error;
            }
            reconnect_connect_failed(st->reconnect, now, error);
        } else {
            reconnect_connecting(st->reconnect, now);
        }
        break;
    }
    case RECONNECT_DISCONNECT:
        fx_stream_disconnect(st, 0);
        break;
    case RECONNECT_PROBE:
    default:
        break;
    }

    fx_stream_flush(st);
    if (st->moving && fx_stream_at_boundary(st)) {
        fx_stream_move(st);
    }
}

static void
fx_stream_wait(struct fx_transport *t)
{
    struct fx_stream_transport *st = fx_stream_cast(t);

    reconnect_wait(st->reconnect, time_msec());
    fx_transport_resolve_wait(t);
    if (st->stream) {
        stream_run_wait(st->stream);
        if (!st->connected) {
            stream_connect_wait(st->stream);
        } else {
            stream_recv_wait(st->stream);
            if (!ovs_list_is_empty(&st->queue)) {
                stream_send_wait(st->stream);
            }
        }
    }
}

static void
fx_stream_format_state(const struct fx_transport *t, struct ds *s)
{
    const struct fx_stream_transport *st = fx_stream_cast(t);

    ds_put_format(s, "%s, %"PRIuSIZE" bytes queued",
                  (st->connected ? "connected"
                   : st->stream ? "connecting" : "disconnected"),
                  st->queued_bytes);
}

const struct fx_transport_class fx_stream_transport_class = {
    .prefixes = stream_prefixes,
    .connects = true,
    .alloc = fx_stream_alloc,
    .open = fx_stream_open,
    .destroy = fx_stream_destroy,
    .send = fx_stream_send,
    .run = fx_stream_run,
    .wait = fx_stream_wait,
    .pending = fx_stream_pending,
    .linger = fx_stream_linger,
    .format_state = fx_stream_format_state,
};
