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
 * A transport is created from a target string such as "192.0.2.1:2055" or
 * "[2001:db8::1]:4739".  It never blocks: fx_transport_send() either hands
 * the message to the kernel or counts it as lost, with the reason.  A target
 * that cannot be opened yet (e.g. its name does not resolve) is retried from
 * fx_transport_run(); messages sent meanwhile are counted as lost.
 *
 * Only UDP is implemented so far. */

#include <stddef.h>
#include <stdint.h>

struct ds;

struct fx_transport_stats {
    uint64_t messages;          /* Messages handed to the kernel. */
    uint64_t bytes;             /* Bytes in those messages. */
    uint64_t records;           /* Data records in those messages. */
    uint64_t send_errors;       /* Messages the kernel refused. */
    uint64_t records_lost;      /* Records in messages not sent. */
    int last_error;             /* Errno of the last failure, or 0. */
};

struct fx_transport *fx_transport_create(const char *target,
                                         int default_port, uint8_t dscp);
void fx_transport_destroy(struct fx_transport *);

void fx_transport_send(struct fx_transport *, const void *msg, size_t size,
                       size_t n_records);
void fx_transport_run(struct fx_transport *);
void fx_transport_wait(struct fx_transport *);

const char *fx_transport_target(const struct fx_transport *);
void fx_transport_get_stats(const struct fx_transport *,
                            struct fx_transport_stats *);
void fx_transport_format(const struct fx_transport *, struct ds *);

#endif /* fx-transport.h */
