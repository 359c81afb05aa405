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
#include "openvswitch/ofpbuf.h"
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
