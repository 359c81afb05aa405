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

/* What all encoders share: the registry of encoder classes and helpers for
 * their settings.  See fx-encoder.h. */

#include <config.h>
#include "fx-encoder.h"

#include <string.h>
#include "fx-defaults.h"
#include "hash.h"
#include "jhash.h"
#include "openvswitch/ofpbuf.h"
#include "ovs-thread.h"
#include "random.h"
#include "util.h"

const char *
fx_protocol_to_string(enum fx_protocol protocol)
{
    switch (protocol) {
    case FX_PROTO_NETFLOW_V5:
        return "NetFlow v5";
    case FX_PROTO_NETFLOW_V9:
        return "NetFlow v9";
    case FX_PROTO_IPFIX:
        return "IPFIX";
    }
    return "unknown";
}

const struct fx_encoder_class *
fx_encoder_class_find(enum fx_protocol protocol)
{
    static const struct fx_encoder_class *const classes[] = {
        &fx_netflow_v5_class,
        &fx_netflow_v9_class,
        &fx_ipfix_class,
    };

    for (size_t i = 0; i < ARRAY_SIZE(classes); i++) {
        if (classes[i]->protocol == protocol) {
            return classes[i];
        }
    }
    return NULL;
}

/* Adds 'rec' to the message being built in 'msg' (an empty 'msg' is first
 * begun), with 'reverse' for a biflow (RFC 5103) or NULL, with the encoder
 * class's 'add' contract, except that a biflow is FX_ENCODE_UNSUPPORTED
 * (and 'msg' is left as it is) if the class has none, and that a record
 * that does not fit even an empty message is FX_ENCODE_UNSUPPORTED (and
 * 'msg' is left empty) rather than FULL forever.  A record that does not
 * fit a fresh message next to what 'begin' put in (templates) is FULL:
 * that message goes out without it, and the encoder starts no new round
 * of templates until the record is in (see 'retrying_without_templates'),
 * so that each retry either carries the rest of a round or nothing but
 * the header: then the record is refused.  On FX_ENCODE_FULL, the caller
 * finishes and sends 'msg', clears it, and calls again. */
enum fx_encode_result
fx_encoder_add(struct fx_encoder *encoder, struct ofpbuf *msg,
               struct fx_record *rec, const struct fx_record *reverse)
{
    bool fresh = !msg->size;

    if (reverse && !encoder->class->biflows) {
        return FX_ENCODE_UNSUPPORTED;
    }
    if (fresh) {
        encoder->class->begin(encoder, msg);
    }

    size_t before = msg->size;
    enum fx_encode_result result = encoder->class->add(encoder, msg, rec,
                                                       reverse);
    if (result == FX_ENCODE_FULL && fresh && msg->size == before) {
        if (before > encoder->class->header_len) {
            encoder->retrying_without_templates = true;
        } else {
            ofpbuf_clear(msg);
            result = FX_ENCODE_UNSUPPORTED;
        }
    }
    if (result != FX_ENCODE_FULL) {
        encoder->retrying_without_templates = false;
    }
    return result;
}

void
fx_encoder_settings_init(struct fx_encoder_settings *s)
{
    memset(s, 0, sizeof *s);
    s->mtu = FX_DEFAULT_MTU;
    s->template_refresh_ms = FX_DEFAULT_TEMPLATE_REFRESH_MS;
    s->template_refresh_msgs = FX_DEFAULT_TEMPLATE_REFRESH_MSGS;
    s->sampling = 1;
}

bool
fx_encoder_settings_equal(const struct fx_encoder_settings *a,
                          const struct fx_encoder_settings *b)
{
    return (a->engine_type == b->engine_type
            && a->engine_id == b->engine_id
            && a->add_id_to_iface == b->add_id_to_iface
            && a->obs_domain_id == b->obs_domain_id
            && a->mtu == b->mtu
            && a->template_refresh_ms == b->template_refresh_ms
            && a->template_refresh_msgs == b->template_refresh_msgs
            && a->key_fields == b->key_fields
            && a->sampling == b->sampling
            && a->sampling_mode == b->sampling_mode
            && a->bidirectional == b->bidirectional
            && a->interface_table == b->interface_table
            && a->port_identity == b->port_identity);
}

static const char *const sampling_mode_names[FX_N_SAMPLING_MODES] = {
    [FX_SAMPLING_HASH] = "hash",
    [FX_SAMPLING_DETERMINISTIC] = "deterministic",
    [FX_SAMPLING_RANDOM] = "random",
};

/* IANA flowSelectorAlgorithm values (RFC 7014 section 7.1). */
static const uint16_t sampling_mode_ipfix[FX_N_SAMPLING_MODES] = {
    [FX_SAMPLING_HASH] = 6,             /* Hash-based Filtering using BOB. */
    [FX_SAMPLING_DETERMINISTIC] = 1,    /* Systematic count-based. */
    [FX_SAMPLING_RANDOM] = 4,           /* Uniform probabilistic. */
};

const char *
fx_sampling_mode_to_string(enum fx_sampling_mode mode)
{
    return mode < FX_N_SAMPLING_MODES ? sampling_mode_names[mode] : "unknown";
}

bool
fx_sampling_mode_from_string(const char *s, enum fx_sampling_mode *mode)
{
    for (size_t i = 0; i < FX_N_SAMPLING_MODES; i++) {
        if (!strcmp(s, sampling_mode_names[i])) {
            *mode = i;
            return true;
        }
    }
    return false;
}

uint16_t
fx_sampling_mode_to_ipfix(enum fx_sampling_mode mode)
{
    return mode < FX_N_SAMPLING_MODES ? sampling_mode_ipfix[mode] : 0;
}

uint32_t
fx_sampling_hash_max(uint32_t n)
{
    return n > 1 ? ((UINT64_C(1) << 32) / n) - 1 : UINT32_MAX;
}

/* The random basis of FX_SAMPLING_RANDOM, chosen once per process, so that
 * reconfiguration keeps the selection of flows already cached. */
static uint32_t
random_basis(void)
{
    static struct ovsthread_once once = OVSTHREAD_ONCE_INITIALIZER;
    static uint32_t basis;

    if (ovsthread_once_start(&once)) {
        basis = random_uint32();
        ovsthread_once_done(&once);
    }
    return basis;
}

/* Returns true if flow sampling with 's' selects the flow with 'key' (as
 * the exporter sees it) and creation number 'serial'. */
bool
fx_sampling_selects(const struct fx_encoder_settings *s,
                    const struct fx_key *key, uint32_t serial)
{
    uint32_t n = s->sampling;

    if (n <= 1) {
        return true;
    }
    switch (s->sampling_mode) {
    case FX_SAMPLING_DETERMINISTIC:
        return serial % n == 0;
    case FX_SAMPLING_RANDOM:
        return hash_int(serial, random_basis()) % n == 0;
    case FX_SAMPLING_HASH:
    case FX_N_SAMPLING_MODES:
    default:
        return (jhash_bytes(key, sizeof *key, FX_SAMPLING_HASH_BASIS)
                <= fx_sampling_hash_max(n));
    }
}

/* Returns the interface number to export for OpenFlow port 'port': the
 * port number itself, or, with 'add_id_to_iface', OVS NetFlow's mangling of
 * the engine id into the upper bits so that several bridges sharing one
 * collector can be told apart. */
uint32_t
fx_encoder_iface(const struct fx_encoder_settings *s, uint16_t port)
{
    if (s->add_id_to_iface) {
        return ((s->engine_id & 0x7f) << 9) | (port & 0x1ff);
    }
    return port;
}
