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

#ifndef FX_ENCODER_H
#define FX_ENCODER_H 1

/* Wire-format encoders, one per export protocol.
 *
 * An encoder turns flow records into export messages.  The exporter owns
 * one encoder instance per configured exporter and drives it like this:
 *
 *     begin(msg)                        start a message in empty 'msg'
 *     add(msg, rec, reverse) ... until FULL   append records (reverse:
 *                                       NULL, or a biflow's other half)
 *     finish(msg)                       complete the header (counts, seq)
 *
 * Encoders keep whatever per-stream state their protocol needs (sequence
 * numbers, export time base, template state).
 *
 * Threads: an encoder is used by one thread at a time, its owner's (the
 * exporter's, which the tap serializes); the classes and the functions
 * on settings below keep no state and may be called from any thread. */

#include <stdbool.h>
#include <stdint.h>
#include "fx-record.h"
#include "fx-selection.h"

struct ofpbuf;
struct fx_encoder_options;
struct fx_iftable;

enum fx_protocol {
    FX_PROTO_NETFLOW_V5 = 5,
    FX_PROTO_NETFLOW_V9 = 9,
    FX_PROTO_IPFIX = 10,
};

const char *fx_protocol_to_string(enum fx_protocol);

/* What an encoder needs to know beyond the records themselves. */
struct fx_encoder_settings {
    uint8_t engine_type;        /* NetFlow engine type. */
    uint8_t engine_id;          /* NetFlow engine id. */
    bool add_id_to_iface;       /* Mangle engine id into interface numbers,
                                 * as OVS's NetFlow does. */
    uint32_t obs_domain_id;     /* IPFIX observation domain, v9 source id. */
    size_t mtu;                 /* Maximum message size (v9, IPFIX). */
    long long int template_refresh_ms;     /* Resend templates this often. */
    unsigned int template_refresh_msgs;    /* ...or after this many
                                            * messages without them. */
    uint32_t key_fields;        /* Flow key parts and track level,
                                 * FX_KEY_*: the exporter restricts
                                 * records to them (fx_key_restrict()),
                                 * the encoder exports the optional parts
                                 * the protocol can carry. */
    uint32_t sampling;          /* Flow sampling 1 in 'sampling' (1: all),
                                 * signalled in an options record. */
    enum fx_sampling_mode sampling_mode;  /* How flows are selected. */
    bool bidirectional;         /* Biflow records (RFC 5103): IPFIX only. */
    bool interface_table;       /* Send the interface table (options
                                 * records): v9 and IPFIX. */
    bool port_identity;         /* Records carry their ports' names and
                                 * VM identities: IPFIX only. */
};

void fx_encoder_settings_init(struct fx_encoder_settings *);
bool fx_encoder_settings_equal(const struct fx_encoder_settings *,
                               const struct fx_encoder_settings *);
uint32_t fx_encoder_iface(const struct fx_encoder_settings *, uint16_t port);

/* Result of fx_encoder_class's 'add'. */
enum fx_encode_result {
    FX_ENCODE_DONE,             /* The whole record is in the message. */
    FX_ENCODE_FULL,             /* The message is full: finish it and add
                                 * the record again to a new message.  Part
                                 * of the record may have been added; the
                                 * encoder then reduced the record's counters
                                 * by what it encoded. */
    FX_ENCODE_UNSUPPORTED,      /* The protocol cannot carry this record
                                 * (e.g. IPv6 in NetFlow v5). */
};

struct fx_encoder {
    const struct fx_encoder_class *class;
    struct fx_encoder_settings settings;

    /* The owner's flow selection totals, for the sampling options record
     * (RFC 7014 selectorIDTotalFlowsObserved and
     * selectorIDTotalFlowsSelected), read when the record is written.
     * Set once by the encoder's owner, which keeps them as long as the
     * encoder exists; NULL: zeros. */
    const struct fx_selection_totals *selection;

    /* The bridge's interface table, for the interface table options
     * records, the ports' identities in records and the types of tunnels
     * (NULL if there is none).  Set by the encoder's owner. */
    struct fx_iftable *iftable;
    uint64_t options_too_big;   /* Options records that did not fit even
                                 * an empty message, and were not sent. */

    /* fx_encoder_add() or the class's 'add_options' sent a message of
     * templates alone because a record did not fit next to them, and
     * tries the record again: no new round of templates begins until it
     * is in (or left out). */
    bool retrying_without_templates;
};

struct fx_encoder_class {
    enum fx_protocol protocol;
    const char *name;           /* e.g. "NetFlow v5". */
    size_t header_len;          /* Bytes of a message header. */

    /* Returns a new encoder with 'settings'.  Never fails. */
    struct fx_encoder *(*create)(const struct fx_encoder_settings *);

    /* Returns the smallest message size (the 'mtu' setting) with which
     * every record that an encoder with 'settings' may produce fits into
     * a message, with its template, and every template and options
     * record does too.  NULL if the protocol's messages have no
     * configurable size. */
    size_t (*min_mtu)(const struct fx_encoder_settings *settings);

    /* Frees 'encoder'. */
    void (*destroy)(struct fx_encoder *encoder);

    /* Starts a new, empty message in 'msg', which is empty on entry. */
    void (*begin)(struct fx_encoder *encoder, struct ofpbuf *msg);

    /* True if 'add' can carry biflows (RFC 5103). */
    bool biflows;

    /* Appends to 'msg' 'rec' (see enum fx_encode_result) if 'reverse' is
     * NULL, otherwise a biflow record (RFC 5103) of forward direction
     * 'rec' and reverse direction 'reverse'.  'reverse' is nonnull only
     * for a class with 'biflows' and an encoder created with
     * 'bidirectional' set.  May modify 'rec' only as described for
     * FX_ENCODE_FULL, and never for a biflow: a biflow is DONE or FULL as
     * a whole, and a full message is left unchanged. */
    enum fx_encode_result (*add)(struct fx_encoder *encoder,
                                 struct ofpbuf *msg, struct fx_record *rec,
                                 const struct fx_record *reverse);

    /* Appends to 'msg' options records that are due without a flow record
     * to carry them (the interface table, after a change or after the
     * templates), beginning 'msg' first if it is empty and something is
     * due.  Stores in '*n_added' how many it added.  Returns
     * FX_ENCODE_DONE when none is due any more, FX_ENCODE_FULL when the
     * caller must finish and send 'msg' and call again.  NULL if the
     * protocol has none. */
    enum fx_encode_result (*add_options)(struct fx_encoder *encoder,
                                         struct ofpbuf *msg,
                                         size_t *n_added);

    /* Completes the message in 'msg', which holds at least one record,
     * advancing the encoder's sequence state.  'now' and 'wall_now' are
     * time_msec() and time_wall_msec() at export time.  Returns the number
     * of data records in the message. */
    size_t (*finish)(struct fx_encoder *encoder, struct ofpbuf *msg,
                     long long int now, long long int wall_now);

    /* Appends to 'msg' a complete message that carries only the encoder's
     * templates, for the start of a new connection, with the sequence
     * number of 'next' (the message that will follow it, already encoded)
     * if it is nonnull.  NULL if the protocol has no templates. */
    void (*put_templates)(struct fx_encoder *encoder, struct ofpbuf *msg,
                          const struct ofpbuf *next,
                          long long int now, long long int wall_now);
};

extern const struct fx_encoder_class fx_netflow_v5_class;
extern const struct fx_encoder_class fx_netflow_v9_class;
extern const struct fx_encoder_class fx_ipfix_class;

const struct fx_encoder_class *fx_encoder_class_find(enum fx_protocol);

enum fx_encode_result fx_encoder_add(struct fx_encoder *, struct ofpbuf *msg,
                                     struct fx_record *,
                                     const struct fx_record *reverse);

#endif /* fx-encoder.h */
