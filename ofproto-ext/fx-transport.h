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

#ifndef FX_TRANSPORT_H
#define FX_TRANSPORT_H 1

/* Transport of export messages to one collector.
 *
 * A transport is created from a target string:
 *
 *   HOST:PORT, udp:HOST:PORT    UDP (the default).
 *   tcp:HOST:PORT               TCP, through OVS's stream library.
 *   ssl:HOST:PORT               TLS, with the certificates configured for
 *                               ovs-vswitchd (Open_vSwitch table "ssl");
 *                               the collector must prove HOST (see
 *                               fx_transport_tls_expected_peer() below).
 *   sctp:HOST:PORT              SCTP (one-to-one socket), if the kernel
 *                               has it.
 *
 * HOST may be a name or an IPv4 or bracketed IPv6 address.  Names are
 * resolved asynchronously by OVS's dns-resolve, and looked up again as
 * their DNS answers expire: when the address changes, UDP sends the next
 * message (after the templates) to the new address, and streams reconnect
 * there between two messages.  Transports never block.  UDP hands each message
 * to the kernel or counts it as lost; TCP and TLS queue messages, up to a
 * bound, while connecting or reconnecting (with backoff), and count what
 * does not fit as lost.  Each new connection first carries the "greeting"
 * the owner supplies (IPFIX templates, RFC 7011 section 10.4.2.2).
 *
 * Threads: a transport is used by its owner (an exporter), one thread at
 * a time.  The list of lingering transports is global and unlocked:
 * fx_transport_destroy() and the fx_transport_linger_*() functions expect
 * ovs-vswitchd's main thread (fx-tap.c finishes a tap whose last
 * reference went in another thread in the main loop, for this). */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "openvswitch/compiler.h"

struct ds;
struct ofpbuf;
struct sockaddr_storage;

/* Why a message was lost. */
enum fx_transport_loss {
    FX_LOST_FULL,               /* Socket buffer or queue full. */
    FX_LOST_UNREACHABLE,        /* Refused, or ICMP unreachable. */
    FX_LOST_UNRESOLVED,         /* The collector's name has no address. */
    FX_LOST_DISCONNECTED,       /* Not connected, or lost with a
                                 * connection. */
    FX_LOST_OTHER,              /* Any other error. */
    FX_N_LOSSES
};

const char *fx_transport_loss_name(enum fx_transport_loss);


struct fx_transport_stats {
    uint64_t messages;          /* Messages sent. */
    uint64_t bytes;             /* Bytes in those messages. */
    uint64_t records;           /* Data records in those messages. */

    /* Messages lost, by cause, and the data records in them. */
    uint64_t lost[FX_N_LOSSES];         /* By enum fx_transport_loss. */
    uint64_t records_lost;      /* Data records in all of them. */

    uint64_t connects;          /* Connections made (stream transports). */
    uint64_t dns_failures;      /* Lookups of the name that failed. */
    uint64_t address_changes;   /* Times the name moved to a new address. */
    int last_error;             /* Errno of the last failure, or 0. */
};

/* How export packets leave: IP header fields, source address, device. */
struct fx_transport_settings {
    uint8_t dscp;               /* DSCP of the packets. */
    uint8_t ttl;                /* IPv4 TTL / IPv6 hop limit, 0: default. */
    const char *source;         /* Source IP address, or NULL. */
    const char *interface;      /* Device to bind to, or NULL. */
};

/* Appends to 'out' what a new connection must carry first.  'next' is the
 * message that will follow it, or NULL if none is queued. */
typedef void fx_transport_greeting_func(void *aux, struct ofpbuf *out,
                                        const struct ofpbuf *next);

struct fx_transport *fx_transport_create(
    const char *target, int default_port,
    const struct fx_transport_settings *,
    fx_transport_greeting_func *, void *aux);
void fx_transport_destroy(struct fx_transport *);

/* What transports destroyed with messages still queued did with them:
 * they keep sending for up to FX_TRANSPORT_LINGER_MS (in the main loop,
 * fx_transport_linger_run()), then drop the rest, counted. */
#define FX_TRANSPORT_LINGER_MS 5000
struct fx_transport_linger_stats {
    size_t n_lingering;         /* Transports still sending. */
    uint64_t records_delivered; /* Data records sent while lingering. */
    uint64_t records_lost;      /* Data records dropped at the end. */
};
void fx_transport_linger_run(void);
void fx_transport_linger_wait(void);
void fx_transport_linger_get_stats(struct fx_transport_linger_stats *);
void fx_transport_linger_finish(long long int timeout_ms);

/* TLS collectors.  OVS's stream-ssl.c checks the collector's certificate
 * chain against the CA certificate of ovs-vsctl set-ssl, and nothing else.
 * While a TLS transport opens its stream (in stream_open(), in the thread
 * that runs the transport: ovs-vswitchd's main thread),
 * fx_transport_tls_expected_peer() returns what the collector's certificate
 * must carry as well, or NULL at any other time and in any other thread:
 *
 *   - a collector given by host name: that name, as a DNS name in its
 *     subjectAltName (or, without DNS names there, as its subject's CN),
 *     with no partial wildcards ("*.example.org" matches, "f*.example.org"
 *     does not);
 *
 *   - a collector given by an IPv4 or IPv6 address: that address, as an IP
 *     address in its subjectAltName (the CN and DNS names do not count).
 *
 * ovs-vswitchd's SSL_new() wrapper (vswitchd-plugin/fx-tls.c) hands it to
 * OpenSSL's verification, so that the handshake fails otherwise. */
struct fx_tls_peer {
    const char *name;           /* Host name, or NULL for an address. */
    const struct sockaddr_storage *addr; /* The address if 'name' is NULL. */
};
const struct fx_tls_peer *fx_transport_tls_expected_peer(void);
char *fx_quoted_error(const char *format, const char *value)
    OVS_WARN_UNUSED_RESULT;
char *fx_transport_check_target(const char *target,
                                const struct fx_transport_settings *)
    OVS_WARN_UNUSED_RESULT;

void fx_transport_send(struct fx_transport *, const void *msg, size_t size,
                       size_t n_records);
void fx_transport_run(struct fx_transport *);
void fx_transport_wait(struct fx_transport *);

const char *fx_transport_target(const struct fx_transport *);
void fx_transport_get_stats(const struct fx_transport *,
                            struct fx_transport_stats *);
void fx_transport_format(const struct fx_transport *, struct ds *);

#endif /* fx-transport.h */
