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

#ifndef FX_TRANSPORT_PROVIDER_H
#define FX_TRANSPORT_PROVIDER_H 1

/* Transport implementations.  See fx-transport.h for the public contract;
 * fx-transport.c picks a class by the target's prefix, and knows a class
 * only by what it says here (no tests for a particular class).  A class's
 * functions are called through fx-transport.c by the transport's owner,
 * one thread at a time, as for the public functions. */

#include <sys/socket.h>
#include "fx-transport.h"
#include "openvswitch/list.h"

struct fx_transport {
    const struct fx_transport_class *class;
    char *target;               /* As configured, with its prefix. */
    char *name;                 /* 'target' without its prefix. */
    int default_port;           /* Port if 'target' has none. */
    uint8_t dscp;               /* DSCP of sent packets. */
    uint8_t ttl;                /* TTL / hop limit, or 0. */
    char *source;               /* Source address, or NULL. */
    char *interface;            /* Network device to send on, or NULL. */
    fx_transport_greeting_func *greeting;
    void *greeting_aux;
    struct fx_transport_stats stats; /* Maintained by the class. */

    /* Lingering: the owner destroyed the transport while it still had
     * messages queued; it keeps sending them until 'linger_deadline'. */
    struct ovs_list linger_node;   /* In fx-transport.c's list, if any. */
    long long int linger_deadline; /* 0 if not lingering. */
    uint64_t linger_records;       /* stats.records when it started. */
    uint64_t linger_lost;          /* stats.records_lost then. */

    /* The collector's address, maintained by fx_transport_resolve(). */
    char *host;                 /* Host name, or NULL for an IP address. */
    int port;                   /* Collector's port. */
    struct sockaddr_storage addr; /* Address; ss_family 0 while unknown. */
    bool resolving;             /* One of our DNS queries is outstanding. */
    long long int resolve_started; /* When it started (or was last
                                    * counted as failed). */
    long long int next_resolve; /* When to look 'host' up again. */
};

struct fx_transport_class {
    /* Target prefixes this class handles, e.g. "tcp:"; NULL-terminated. An
     * empty string matches targets without a prefix. */
    const char *const *prefixes;

    /* How fx_transport_format() names a transport of this class: this
     * prefix followed by the target without its prefix (so that targets
     * with and without a default prefix look alike), or, if NULL, the
     * target as configured. */
    const char *format_prefix;

    /* True if the class makes connections, which fx_transport_format()
     * then reports ('stats.connects'). */
    bool connects;

    /* Allocates and returns a transport whose 'up' members the caller then
     * fills in, before calling 'open'.  Never fails. */
    struct fx_transport *(*alloc)(void);

    /* Starts connecting 't' (may do nothing until 'run'). */
    void (*open)(struct fx_transport *t);

    /* Frees 't' and everything it holds; queued messages are dropped. */
    void (*destroy)(struct fx_transport *t);

    /* Sends or queues the 'size' bytes of 'msg', which has 'n_records' data
     * records, updating 't->stats' for a message it refuses or drops. */
    void (*send)(struct fx_transport *t, const void *msg, size_t size,
                 size_t n_records);

    /* Background work (reconnection, flushing queues) and its wakeups. */
    void (*run)(struct fx_transport *t);
    void (*wait)(struct fx_transport *t);

    /* Returns the data records queued and not yet sent, or 0 for a class
     * that queues nothing (may be NULL then). */
    size_t (*pending)(const struct fx_transport *t);

    /* Prepares 't' to send its queue without its owner, whose greeting
     * function is about to go: takes the greeting that a new connection
     * would need now.  NULL if 'pending' is NULL. */
    void (*linger)(struct fx_transport *t);

    /* Appends the connection state, e.g. "open" or "connecting", to 's'. */
    void (*format_state)(const struct fx_transport *t, struct ds *s);
};

extern const struct fx_transport_class fx_udp_transport_class;
extern const struct fx_transport_class fx_stream_transport_class;

enum fx_transport_loss fx_transport_loss_from_errno(int error);
void fx_transport_count_lost(struct fx_transport *, size_t n_records,
                             enum fx_transport_loss, int error);

bool fx_transport_resolve(struct fx_transport *);
void fx_transport_resolve_wait(const struct fx_transport *);
int fx_transport_open_socket(struct fx_transport *, int type, int protocol,
                             int *fdp);

#endif /* fx-transport-provider.h */
