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

/* Template-based export shared by NetFlow v9 and IPFIX: template sets,
 * data sets, options records and rounds of templates, from the templates
 * of fx-ie.h and the record views of fx-ie-view.h.  See fx-template.h. */

#include <config.h>
#include "fx-template.h"

#include <string.h>
#include "byte-order.h"
#include "fx-ie-view.h"
#include "fx-iftable.h"
#include "ofproto/netflow.h"
#include "openvswitch/ofpbuf.h"
#include "openvswitch/vlog.h"
#include "packets.h"
#include "timeval.h"
#include "util.h"

VLOG_DEFINE_THIS_MODULE(fx_template);

/* The enterprise bit of an IPFIX field specifier's element id. */
#define FX_IPFIX_ENTERPRISE_BIT 0x8000

/* Set header, common to v9 FlowSets and IPFIX Sets. */
struct fx_set_header {
    ovs_be16 id;
    ovs_be16 length;
};

struct fx_tmpl_encoder *
fx_tmpl_encoder_cast(struct fx_encoder *encoder)
{
    return CONTAINER_OF(encoder, struct fx_tmpl_encoder, up);
}

/* The shape of 'rec', in a biflow record if 'biflow'. */
static enum fx_shape
record_shape(const struct fx_record *rec, bool biflow)
{
    bool ip = fx_key_is_ip(&rec->key);
    bool journey = ip && rec->key.journey;
    struct fx_shape_info want = {
        .ip = ip,
        .ipv6 = ip && !fx_key_is_ipv4(&rec->key),
        .biflow = ip && biflow,
        .journey = journey,
        .nat = journey && rec->ct.flags & FX_CT_NAT,
    };

    return fx_shape_find(&want);
}

/* The index in fx_tmpl_encoder's 'templates' of 'shape' with 'tunnel'. */
static size_t
template_index(enum fx_shape shape, enum fx_tunnel_kind tunnel)
{
    return shape * FX_N_TUNNEL_KINDS + tunnel;
}

struct fx_encoder *
fx_tmpl_encoder_create(const struct fx_dialect *dialect,
                       const struct fx_encoder_class *class,
                       const struct fx_encoder_settings *settings)
{
    struct fx_tmpl_encoder *te = xzalloc(sizeof *te);

    te->up.class = class;
    te->up.settings = *settings;
    te->dialect = dialect;
    for (size_t shape = 0; shape < FX_N_SHAPES; shape++) {
        bool shape_in_use = (dialect->templates[shape].id
                             && (shape != FX_SHAPE_L2
                                 || settings->key_fields & FX_KEY_MPLS)
                             && (!fx_shapes[shape].biflow
                                 || settings->bidirectional));

        for (size_t kind = 0; kind < FX_N_TUNNEL_KINDS; kind++) {
            size_t i = template_index(shape, kind);

            te->in_use[i] = (shape_in_use
                             && fx_template_init_shape(
                                 &te->templates[i], &dialect->templates[shape],
                                 dialect->version, shape, kind,
                                 settings->key_fields,
                                 settings->port_identity));

            /* Six tunnel kinds per shape make a template set larger than
             * a message, and a bridge has few kinds of tunnels: a tunnel
             * kind's template is sent once a record needs it. */
            te->announced[i] = (te->in_use[i] && kind == FX_TUNNEL_NONE
                                && !fx_shapes[shape].journey);
        }
    }
    if (dialect->stats_template) {
        fx_template_init(&te->stats_template, dialect->stats_template);
    }
    if (dialect->sampling_templates && settings->sampling > 1) {
        const struct fx_template_def *sampling_template
            = &dialect->sampling_templates[settings->sampling_mode];

        fx_template_init(&te->sampling_template, sampling_template);
    }
    if (settings->interface_table) {
        ovs_assert(dialect->n_iftable_templates <= FX_MAX_IFTABLE_TEMPLATES);
        for (size_t i = 0; i < dialect->n_iftable_templates; i++) {
            fx_template_init(&te->iftable_templates[i],
                             &dialect->iftable_templates[i]);
        }
        te->n_iftable_templates = dialect->n_iftable_templates;
    }
    return &te->up;
}

void
fx_tmpl_encoder_destroy(struct fx_encoder *encoder)
{
    free(fx_tmpl_encoder_cast(encoder));
}

/* Closes the data set that is open in 'msg', if any, padding it to a
 * multiple of 4 bytes (RFC 3954 section 5.3, RFC 7011 section 3.3.1). */
static void
close_set(struct fx_tmpl_encoder *te, struct ofpbuf *msg)
{
    if (te->set_ofs) {
        ofpbuf_put_zeros(msg, PAD_SIZE(msg->size - te->set_ofs, 4));

        struct fx_set_header *h = ofpbuf_at_assert(msg, te->set_ofs,
                                                   sizeof *h);
        h->length = htons(msg->size - te->set_ofs);
        te->set_ofs = 0;
        te->set_id = 0;
    }
}

/* Returns the padding that closing the data set open in 'msg' adds (0 if
 * none is open): a record that opens a new set must find room for it too. */
static size_t
open_set_padding(const struct fx_tmpl_encoder *te, const struct ofpbuf *msg)
{
    return te->set_ofs ? PAD_SIZE(msg->size - te->set_ofs, 4) : 0;
}

/* Closes the data set open in 'msg', if any, and opens one for records of
 * template 't'. */
static void
open_set(struct fx_tmpl_encoder *te, struct ofpbuf *msg,
         const struct fx_template *t)
{
    close_set(te, msg);
    te->set_ofs = msg->size;
    te->set_id = t->id;

    struct fx_set_header *h = ofpbuf_put_zeros(msg, sizeof *h);
    h->id = htons(t->id);
}

/* Returns the bytes that a record of template 't' with the values in
 * 'view' takes: more than t->record_len if it has variable-length
 * elements (RFC 7011 section 7: one length byte, or 255 and two more). */
static size_t
view_record_len(const struct fx_template *t, const struct fx_ie_view *view)
{
    size_t len = t->record_len;

    if (t->varlen) {
        for (size_t i = 0; i < t->n_ies; i++) {
            if (t->lengths[i] == FX_IE_VARLEN) {
                const struct fx_ie_bytes *b = (const void *)
                    ((const uint8_t *) view + fx_ies[t->ies[i]].offset);
                size_t n = MIN(b->len, UINT16_MAX);

                len += n + (n >= 255 ? 2 : 0);
            }
        }
    }
    return len;
}

/* Puts the string of 'n' bytes at 'data' at 'p' as a field of 'length'
 * bytes (a fixed length given to a variable-length element): shorter
 * strings are padded with NULs, longer ones cut between two UTF-8
 * characters, always leaving a NUL at the end (for collectors that read
 * the field as a C string). */
static uint8_t *
put_fixed_bytes(uint8_t *p, const uint8_t *data, size_t n, uint16_t length)
{
    if (n >= length) {
        n = length - 1;
        while (n > 0 && (data[n] & 0xc0) == 0x80) {
            n--;
        }
    }
    if (n) {
        memcpy(p, data, n);
    }
    memset(p + n, 0, length - n);
    return p + length;
}

/* Appends one data record of template 't' with the values in 'view'.
 * Fixed-size copies for the usual lengths let the compiler inline them
 * (a third of the encoding time went to memcpy calls). */
static void
put_view(struct ofpbuf *msg, const struct fx_template *t,
         const struct fx_ie_view *view)
{
    uint8_t *p = ofpbuf_put_uninit(msg, view_record_len(t, view));

    for (size_t i = 0; i < t->n_ies; i++) {
        const struct fx_ie_info *ie = &fx_ies[t->ies[i]];
        const uint8_t *value = (const uint8_t *) view + ie->offset;

        if (ie->length == FX_IE_VARLEN) {
            const struct fx_ie_bytes *b = (const void *) value;
            size_t n = MIN(b->len, UINT16_MAX);

            if (t->lengths[i] != FX_IE_VARLEN) {
                p = put_fixed_bytes(p, b->data, n, t->lengths[i]);
                continue;
            }
            if (n < 255) {
                *p++ = n;
            } else {
                *p++ = 255;
                *p++ = n >> 8;
                *p++ = n;
            }
            if (n) {
                memcpy(p, b->data, n);
            }
            p += n;
            continue;
        }

        switch (ie->length) {
        case 1: memcpy(p, value, 1); break;
        case 2: memcpy(p, value, 2); break;
        case 4: memcpy(p, value, 4); break;
        case 8: memcpy(p, value, 8); break;
        case 16: memcpy(p, value, 16); break;
        default: memcpy(p, value, ie->length); break;
        }
        p += ie->length;
    }
}

void
fx_template_put_u16(struct ofpbuf *msg, uint16_t value)
{
    ovs_be16 x = htons(value);

    ofpbuf_put(msg, &x, sizeof x);
}
#define put_u16 fx_template_put_u16

/* Appends the field specifiers of 't' to 'msg'.  An enterprise-specific
 * element has the enterprise bit set in its id and is followed by its
 * enterprise number (RFC 7011 section 3.2); only IPFIX templates have
 * them (v9 defines none of them, see fx_ie_group_in_version()). */
static void
put_fields(struct ofpbuf *msg, const struct fx_template *t)
{
    for (size_t i = 0; i < t->n_ies; i++) {
        const struct fx_ie_info *ie = &fx_ies[t->ies[i]];

        put_u16(msg, ie->id | (ie->pen ? FX_IPFIX_ENTERPRISE_BIT : 0));
        put_u16(msg, t->lengths[i]);
        if (ie->pen) {
            ovs_be32 pen = htonl(ie->pen);

            ofpbuf_put(msg, &pen, sizeof pen);
        }
    }
}

/* Appends an options template set (IPFIX: RFC 7011 section 3.4.2.2, v9:
 * RFC 3954 section 6.1) with options template 't', whose first 'n_scope'
 * elements are scope. */
static void
put_options_template_set(struct fx_tmpl_encoder *te, struct ofpbuf *msg,
                         const struct fx_template *t, size_t n_scope)
{
    size_t set_ofs = msg->size;

    ofpbuf_put_zeros(msg, sizeof(struct fx_set_header));
    te->dialect->put_options_template_header(msg, t, n_scope);
    put_fields(msg, t);
    ofpbuf_put_zeros(msg, PAD_SIZE(msg->size - set_ofs, 4));
    te->n_templates++;

    struct fx_set_header *h = ofpbuf_at_assert(msg, set_ofs, sizeof *h);
    h->id = htons(te->dialect->options_template_set_id);
    h->length = htons(msg->size - set_ofs);
}

/* Appends a data set with one options record of template 't' with the
 * values in 'view'. */
static void
put_options_record(struct fx_tmpl_encoder *te, struct ofpbuf *msg,
                   const struct fx_template *t, const struct fx_ie_view *view)
{
    size_t set_ofs = msg->size;

    ofpbuf_put_zeros(msg, sizeof(struct fx_set_header));
    put_view(msg, t, view);
    ofpbuf_put_zeros(msg, PAD_SIZE(msg->size - set_ofs, 4));
    te->n_options++;

    struct fx_set_header *h = ofpbuf_at_assert(msg, set_ofs, sizeof *h);
    h->id = htons(t->id);
    h->length = htons(msg->size - set_ofs);
}

/* Appends the exporter statistics record: the totals of the stream up to
 * this message. */
static void
put_stats_record(struct fx_tmpl_encoder *te, struct ofpbuf *msg,
                 long long int wall_now)
{
    struct fx_ie_view view;

    memset(&view, 0, sizeof view);
    view.octets_total = htonll(te->octets_total);
    view.messages_total = htonll(te->messages_total);
    view.records_total = htonll(te->records_total);
    view.now_ms = htonll(wall_now);
    view.process_id = htonl(te->up.settings.obs_domain_id);
    put_options_record(te, msg, &te->stats_template, &view);
}

/* Appends the flow selection record: the sampling mode, its parameters and
 * the flows observed and selected so far. */
static void
put_sampling_record(struct fx_tmpl_encoder *te, struct ofpbuf *msg)
{
    const struct fx_encoder_settings *s = &te->up.settings;
    uint32_t n = s->sampling;
    union {
        double d;
        uint64_t u;
    } probability = { .d = 1.0 / n };
    struct fx_ie_view view;

    memset(&view, 0, sizeof view);
    view.process_id = htonl(s->obs_domain_id);
    view.selector_id = htonll(1);
    view.selector_algorithm = htons(fx_sampling_mode_to_ipfix(
                                        s->sampling_mode));
    view.flow_interval = htonll(1);
    view.flow_spacing = htonll(n - 1);
    view.probability = htonll(probability.u);
    view.hash_output_min = htonll(0);
    view.hash_output_max = htonll(UINT32_MAX);
    view.hash_selected_min = htonll(0);
    view.hash_selected_max = htonll(fx_sampling_hash_max(n));
    view.hash_init = htonll(FX_SAMPLING_HASH_BASIS);
    if (te->up.selection) {
        view.flows_observed = htonll(te->up.selection->flows_observed);
        view.flows_selected = htonll(te->up.selection->flows_selected);
    }
    view.sampling_interval = htonl(n);
    view.sampling_algorithm = (s->sampling_mode == FX_SAMPLING_DETERMINISTIC
                               ? 1 : 2);
    put_options_record(te, msg, &te->sampling_template, &view);
}

/* Appends template record 't' (not an options template). */
static void
put_template_record(struct fx_tmpl_encoder *te, struct ofpbuf *msg,
                    const struct fx_template *t)
{
    put_u16(msg, t->id);
    put_u16(msg, t->n_ies);
    put_fields(msg, t);
    te->n_templates++;
}

/* The bytes that put_template_record() appends for 't'. */
static size_t
template_record_len(const struct fx_template *t)
{
    size_t len = 4;

    for (size_t i = 0; i < t->n_ies; i++) {
        len += fx_ies[t->ies[i]].pen ? 8 : 4;
    }
    return len;
}

/* Appends a template set with only template 'index', which a record needs
 * but which has not gone out yet, and counts it as announced: from now on
 * it goes out with the others. */
static void
put_one_template_set(struct fx_tmpl_encoder *te, struct ofpbuf *msg,
                     size_t index)
{
    size_t set_ofs = msg->size;

    ofpbuf_put_zeros(msg, sizeof(struct fx_set_header));
    put_template_record(te, msg, &te->templates[index]);

    struct fx_set_header *h = ofpbuf_at_assert(msg, set_ofs, sizeof *h);
    h->id = htons(te->dialect->template_set_id);
    h->length = htons(msg->size - set_ofs);
    te->announced[index] = true;
    te->in_msg[index] = true;
}

/* A round of templates is a sequence of items, in this order: the record
 * templates that are announced (sharing template sets), the options
 * templates, then the options records that describe the stream (exporter
 * statistics, flow selection).  A round that does not fit one message
 * goes on in the next ones: RFC 7011 section 8 only asks that a template
 * reach the collector before the records that use it (which holds: a
 * record whose template has not gone out takes it along), and so does RFC
 * 3954 section 5.  Positions past the end of the items mean "done". */
enum round_item_type {
    ROUND_RECORD_TEMPLATE,      /* templates[sub], if announced. */
    ROUND_STATS_TEMPLATE,
    ROUND_SAMPLING_TEMPLATE,
    ROUND_IFTABLE_TEMPLATE,     /* iftable_templates[sub]. */
    ROUND_STATS_RECORD,
    ROUND_SAMPLING_RECORD,
    ROUND_END,
};

/* Returns the type of item 'pos' of a round, with its index among the
 * items of that type in '*sub'. */
static enum round_item_type
round_item(const struct fx_tmpl_encoder *te, size_t pos, size_t *sub)
{
    *sub = pos;
    if (*sub < FX_N_RECORD_TEMPLATES) {
        return ROUND_RECORD_TEMPLATE;
    }
    *sub -= FX_N_RECORD_TEMPLATES;
    if (*sub < 1) {
        return ROUND_STATS_TEMPLATE;
    }
    *sub -= 1;
    if (*sub < 1) {
        return ROUND_SAMPLING_TEMPLATE;
    }
    *sub -= 1;
    if (*sub < te->n_iftable_templates) {
        return ROUND_IFTABLE_TEMPLATE;
    }
    *sub -= te->n_iftable_templates;
    if (*sub < 1) {
        return ROUND_STATS_RECORD;
    }
    *sub -= 1;
    return *sub < 1 ? ROUND_SAMPLING_RECORD : ROUND_END;
}

/* Position of the first item of 'type' in a round. */
static size_t
round_item_pos(const struct fx_tmpl_encoder *te, enum round_item_type type)
{
    size_t pos = 0, sub;

    while (round_item(te, pos, &sub) < type) {
        pos++;
    }
    return pos;
}

/* Closes the template set open in 'msg' at '*tset_ofs', if any. */
static void
close_template_set(struct fx_tmpl_encoder *te, struct ofpbuf *msg,
                   size_t *tset_ofs)
{
    if (*tset_ofs) {
        struct fx_set_header *h = ofpbuf_at_assert(msg, *tset_ofs, sizeof *h);
        h->id = htons(te->dialect->template_set_id);
        h->length = htons(msg->size - *tset_ofs);
        *tset_ofs = 0;
    }
}

/* Appends item 'pos' of a round to 'msg', if there is such an item for
 * this encoder.  Record templates go into the template set open at
 * '*tset_ofs' (0: none), which is opened as needed; any other item closes
 * it first. */
static void
put_round_item(struct fx_tmpl_encoder *te, struct ofpbuf *msg, size_t pos,
               size_t *tset_ofs, long long int wall_now)
{
    size_t sub;
    enum round_item_type type = round_item(te, pos, &sub);

    if (type == ROUND_RECORD_TEMPLATE) {
        if (te->announced[sub]) {
            if (!*tset_ofs) {
                *tset_ofs = msg->size;
                ofpbuf_put_zeros(msg, sizeof(struct fx_set_header));
            }
            put_template_record(te, msg, &te->templates[sub]);
        }
        return;
    }

    close_template_set(te, msg, tset_ofs);
    switch (type) {
    case ROUND_STATS_TEMPLATE:
        if (te->dialect->stats_template) {
            put_options_template_set(te, msg, &te->stats_template,
                                     te->dialect->stats_n_scope);
        }
        break;
    case ROUND_SAMPLING_TEMPLATE:
        if (te->sampling_template.id) {
            put_options_template_set(te, msg, &te->sampling_template, 1);
        }
        break;
    case ROUND_IFTABLE_TEMPLATE:
        put_options_template_set(te, msg, &te->iftable_templates[sub], 1);
        break;
    case ROUND_STATS_RECORD:
        if (te->dialect->stats_template) {
            put_stats_record(te, msg, wall_now);
        }
        break;
    case ROUND_SAMPLING_RECORD:
        if (te->sampling_template.id) {
            put_sampling_record(te, msg);
        }
        break;
    case ROUND_RECORD_TEMPLATE:
    case ROUND_END:
    default:
        break;
    }
}

/* Appends the items of a round from position 'pos' up to (not including)
 * 'end' to 'msg', as long as the message stays within 'limit' bytes, and
 * returns the position of the first item left out ('end' if none).  An
 * item that does not fit even right after the message header is left out
 * and counted in 'options_too_big' (validation rules that out, see
 * fx_tmpl_encoder_min_mtu()). */
static size_t
put_round_items(struct fx_tmpl_encoder *te, struct ofpbuf *msg, size_t pos,
                size_t end, size_t limit, long long int wall_now)
{
    size_t tset_ofs = 0;

    for (; pos < end; pos++) {
        size_t size = msg->size;
        size_t n_templates = te->n_templates;
        size_t n_options = te->n_options;
        size_t saved_tset_ofs = tset_ofs;

        put_round_item(te, msg, pos, &tset_ofs, wall_now);
        if (msg->size <= limit) {
            continue;
        }

        /* Take it back. */
        msg->size = size;
        te->n_templates = n_templates;
        te->n_options = n_options;
        tset_ofs = saved_tset_ofs;
        if (size > te->dialect->header_len) {
            break;
        }

        static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(1, 5);
        VLOG_WARN_RL(&rl, "template or options item %"PRIuSIZE" does not "
                     "fit into a message of %"PRIuSIZE" bytes", pos, limit);
        te->up.options_too_big++;
    }
    close_template_set(te, msg, &tset_ofs);
    return pos;
}

/* The interface table follows the templates, unless it is being sent
 * already (then the rest of it follows). */
static void
iftable_follows_templates(struct fx_tmpl_encoder *te)
{
    if (te->n_iftable_templates && !te->iftable_due) {
        te->iftable_due = true;
        te->iftable_pos = 0;
    }
}

/* Starts a message.  A round of templates begins when one is due: never
 * sent yet, or older than the refresh interval, or not in the last
 * refresh-count messages, so that a collector that (re)starts gets them
 * soon; a round in progress goes on.  No round begins in a message that
 * follows one sent for a record that did not fit next to the templates
 * (see fx_encoder_add()), so that the record finds room. */
void
fx_tmpl_encoder_begin(struct fx_encoder *encoder, struct ofpbuf *msg)
{
    struct fx_tmpl_encoder *te = fx_tmpl_encoder_cast(encoder);
    const struct fx_encoder_settings *s = &encoder->settings;
    long long int now = time_msec();

    te->set_ofs = 0;
    te->set_id = 0;
    te->n_data = 0;
    te->n_options = 0;
    te->n_templates = 0;
    memset(te->in_msg, 0, sizeof te->in_msg);
    te->wall_offset = time_wall_msec() - now;

    ofpbuf_put_zeros(msg, te->dialect->header_len);
    if (!te->round_active && !encoder->retrying_without_templates
        && (!te->templates_ever_sent
            || now - te->templates_sent >= s->template_refresh_ms
            || te->msgs_since_templates + 1 >= s->template_refresh_msgs)) {
        te->round_active = true;
        te->round_pos = 0;
    }
    te->round_msg_pos = te->round_pos;
    if (te->round_active) {
        size_t end = round_item_pos(te, ROUND_END);

        te->round_msg_pos = put_round_items(te, msg, te->round_pos, end,
                                            s->mtu, now + te->wall_offset);
        if (te->round_msg_pos >= end) {
            iftable_follows_templates(te);
        }

        /* Record templates are a round's first items, at their index. */
        size_t last = MIN(te->round_msg_pos, FX_N_RECORD_TEMPLATES);
        for (size_t pos = te->round_pos; pos < last; pos++) {
            te->in_msg[pos] = te->announced[pos];
        }
    }
}

/* Shortens the longest text element of 'v' (the names and identities of
 * the ports) by 'excess' bytes, or to nothing, without cutting a UTF-8
 * character.  Returns false if all of them are empty already. */
static bool
shorten_longest_text(struct fx_ie_view *v, size_t excess)
{
    struct fx_ie_bytes *texts[] = {
        &v->in_name, &v->in_vsi_name, &v->out_name, &v->out_vsi_name,
    };
    struct fx_ie_bytes *longest = texts[0];

    for (size_t i = 1; i < ARRAY_SIZE(texts); i++) {
        if (texts[i]->len > longest->len) {
            longest = texts[i];
        }
    }
    if (!longest->len) {
        return false;
    }

    const uint8_t *data = longest->data;
    size_t n = longest->len > excess ? longest->len - excess : 0;
    while (n > 0 && (data[n] & 0xc0) == 0x80) {
        n--;
    }
    longest->len = n;
    return true;
}

/* Adds a record, or with 'reverse' a biflow record (IPFIX only: a non-IP
 * pair has no biflow template and is refused).  See fx_encoder_class's
 * 'add'. */
enum fx_encode_result
fx_tmpl_encoder_add(struct fx_encoder *encoder, struct ofpbuf *msg,
                    struct fx_record *rec, const struct fx_record *reverse)
{
    struct fx_tmpl_encoder *te = fx_tmpl_encoder_cast(encoder);
    const struct fx_encoder_settings *s = &encoder->settings;
    enum fx_shape shape = record_shape(rec, reverse != NULL);
    long long int when = MAX(rec->first_used, rec->last_used);

    /* Who is behind the ports, as of the record's last packet, if the
     * record says it or its tunnel's type depends on it.  The egress
     * "ports" NF_OUT_FLOOD, _MULTI (which is also OFPP_LOCAL's number) and
     * _DROP have no identity. */
    const struct fx_iface *in_iface = NULL, *out_iface = NULL;
    if (encoder->iftable && (s->port_identity || rec->key.tun_family)) {
        in_iface = fx_iftable_lookup(encoder->iftable, rec->key.in_port,
                                     when);
    }
    if (encoder->iftable && s->port_identity
        && rec->out_port < ofp_to_u16(NF_OUT_DROP)) {
        out_iface = fx_iftable_lookup(encoder->iftable, rec->out_port, when);
    }

    enum fx_tunnel_kind kind = fx_tunnel_kind(&rec->key, in_iface);
    int index = template_index(shape, kind);
    if (!te->in_use[index]) {
        /* The shape's plain template, if the tunnel kind has none. */
        kind = FX_TUNNEL_NONE;
        index = template_index(shape, kind);
        if (!te->in_use[index]) {
            return FX_ENCODE_UNSUPPORTED;
        }
    }

    const struct fx_template *t = &te->templates[index];
    struct fx_ie_view view;
    fx_ie_view_init(&view, rec, reverse, s, te->wall_offset);
    if (kind != FX_TUNNEL_NONE) {
        fx_ie_view_set_tunnel(&view, &rec->key, kind, in_iface);
    }
    if (s->port_identity) {
        fx_ie_view_set_ports(&view, in_iface, out_iface);
    }
    bool announce = !te->sent[index] && !te->in_msg[index];
    bool new_set = announce || te->set_id != t->id;

    /* Room for the template if it has not gone out yet, the padding of
     * the set it closes and a set header if needed, the record, and
     * padding.  Ports with names or identities so
     * long that the record would not fit even a message of its own have
     * them shortened, as far as needed (validation makes sure that it
     * fits with none, see fx_tmpl_encoder_min_mtu()). */
    size_t overhead = ((announce ? sizeof(struct fx_set_header)
                        + template_record_len(t) : 0)
                       + (new_set ? sizeof(struct fx_set_header) : 0) + 3);
    size_t len = view_record_len(t, &view);
    while (te->dialect->header_len + overhead + len > s->mtu
           && shorten_longest_text(&view, (te->dialect->header_len
                                           + overhead + len - s->mtu))) {
        len = view_record_len(t, &view);
    }
    size_t closing = new_set ? open_set_padding(te, msg) : 0;
    if (msg->size + closing + overhead + len > s->mtu) {
        return FX_ENCODE_FULL;
    }

    if (announce) {
        close_set(te, msg);
        put_one_template_set(te, msg, index);
    }
    if (new_set) {
        open_set(te, msg, t);
    }

    put_view(msg, t, &view);
    te->n_data++;
    return FX_ENCODE_DONE;
}

/* Fills in 'view' for row 'iface' of the interface table. */
static void
iftable_row_view(struct fx_ie_view *view, const struct fx_iface *iface,
                 const struct fx_encoder_settings *s)
{
    memset(view, 0, sizeof *view);
    view->in_if = htonl(fx_encoder_iface(s, iface->port));
    view->process_id = htonl(s->obs_domain_id);
    view->src_mac = iface->mac;
    fx_ie_view_set_ports(view, iface, NULL);
}

/* Appends the interface table's rows that are due, as options records of
 * each interface table template in turn, in as few sets as the messages
 * allow.  See fx_encoder_class's 'add_options'. */
enum fx_encode_result
fx_tmpl_encoder_add_options(struct fx_encoder *encoder, struct ofpbuf *msg,
                            size_t *n_added)
{
    struct fx_tmpl_encoder *te = fx_tmpl_encoder_cast(encoder);
    const struct fx_encoder_settings *s = &encoder->settings;

    *n_added = 0;
    if (!te->n_iftable_templates || !encoder->iftable) {
        return FX_ENCODE_DONE;
    }

    /* A changed table goes out whole again. */
    uint64_t version = fx_iftable_version(encoder->iftable);
    if (version != te->iftable_version) {
        te->iftable_version = version;
        te->iftable_due = true;
        te->iftable_pos = 0;
    }

    while (te->iftable_due) {
        size_t n_rows;
        const struct fx_iface *const *rows = fx_iftable_rows(encoder->iftable,
                                                             &n_rows);
        if (te->iftable_pos >= te->n_iftable_templates * n_rows) {
            te->iftable_due = false;
            break;
        }
        if (!msg->size) {
            /* Starting a message may put the templates in, which makes the
             * table due from the start if it was not due: it was. */
            fx_tmpl_encoder_begin(encoder, msg);
        }

        const struct fx_template *t
            = &te->iftable_templates[te->iftable_pos / n_rows];
        const struct fx_iface *iface = rows[te->iftable_pos % n_rows];
        struct fx_ie_view view;
        iftable_row_view(&view, iface, s);

        size_t len = view_record_len(t, &view);
        bool new_set = te->set_id != t->id;
        size_t need = (new_set ? (open_set_padding(te, msg)
                                  + sizeof(struct fx_set_header)) : 0)
                       + len + 3;
        if (msg->size + need > s->mtu) {
            if (*n_added || te->n_data) {
                return FX_ENCODE_FULL;
            } else if (msg->size > te->dialect->header_len) {
                /* What begin() put in (a round of templates) leaves no
                 * room: send it, and try again.  As for data records (see
                 * fx_encoder_add()), no new round begins meanwhile, so
                 * each retry carries the rest of the round or nothing but
                 * the header. */
                encoder->retrying_without_templates = true;
                return FX_ENCODE_FULL;
            }

            /* Too big for any message: leave it out, and say so. */
            static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(1, 5);
            VLOG_WARN_RL(&rl, "interface table row of port %"PRIu16" "
                         "(%"PRIuSIZE" bytes) does not fit into a message "
                         "of %"PRIuSIZE" bytes", iface->port, len, s->mtu);
            encoder->options_too_big++;
            te->iftable_pos++;
            encoder->retrying_without_templates = false;
            continue;
        }
        if (new_set) {
            open_set(te, msg, t);
        }
        put_view(msg, t, &view);
        te->n_options++;
        te->iftable_pos++;
        encoder->retrying_without_templates = false;
        (*n_added)++;
    }
    return FX_ENCODE_DONE;
}

/* The bytes a record of template 't' takes at least: its text elements
 * may be shortened to nothing (see shorten_longest_text()), its other
 * variable-length elements (UUIDs, tunnel keys) take at most
 * FX_IE_VARLEN_BINARY_MAX bytes each. */
#define FX_IE_VARLEN_BINARY_MAX 16
static size_t
record_min_len(const struct fx_template *t)
{
    size_t len = t->record_len;

    for (size_t i = 0; i < t->n_ies; i++) {
        if (t->lengths[i] == FX_IE_VARLEN) {
            len += FX_IE_VARLEN_BINARY_MAX;
        }
    }
    return len;
}

size_t
fx_tmpl_encoder_min_mtu(const struct fx_dialect *dialect,
                        const struct fx_encoder_class *class,
                        const struct fx_encoder_settings *settings)
{
    struct fx_tmpl_encoder *te = fx_tmpl_encoder_cast(
        fx_tmpl_encoder_create(dialect, class, settings));
    size_t need = 0;

    /* A record with its template, each in its set, and padding. */
    for (size_t i = 0; i < FX_N_RECORD_TEMPLATES; i++) {
        if (te->in_use[i]) {
            const struct fx_template *t = &te->templates[i];

            need = MAX(need, (2 * sizeof(struct fx_set_header)
                              + template_record_len(t) + record_min_len(t)
                              + 3));
        }
    }

    /* Each item of a round of templates, alone. */
    struct ofpbuf buf;
    size_t end = round_item_pos(te, ROUND_END);
    ofpbuf_init(&buf, 256);
    for (size_t pos = 0; pos < end; pos++) {
        size_t tset_ofs = 0;

        ofpbuf_clear(&buf);
        put_round_item(te, &buf, pos, &tset_ofs, 0);
        close_template_set(te, &buf, &tset_ofs);
        need = MAX(need, buf.size);
    }
    ofpbuf_uninit(&buf);

    fx_tmpl_encoder_destroy(&te->up);
    return dialect->header_len + need;
}

/* Appends a message with only the templates to 'msg' (which may already
 * hold other messages: a stream carries them back to back).  It takes the
 * sequence number of 'next', the message that will follow it, if any, so
 * that the sequence the collector sees has no gap or step back; it does
 * not advance the encoder's sequence. */
void
fx_tmpl_encoder_put_templates(struct fx_encoder *encoder, struct ofpbuf *msg,
                              const struct ofpbuf *next,
                              long long int now, long long int wall_now)
{
    struct fx_tmpl_encoder *te = fx_tmpl_encoder_cast(encoder);
    const struct fx_dialect *d = te->dialect;
    uint32_t sequence = te->sequence;
    struct ofpbuf tmp;

    ofpbuf_init(&tmp, 256);
    ofpbuf_put_zeros(&tmp, d->header_len);
    te->n_templates = 0;
    put_round_items(te, &tmp, 0, round_item_pos(te, ROUND_STATS_RECORD),
                    SIZE_MAX, wall_now);
    iftable_follows_templates(te);
    d->put_header(te, &tmp, now, wall_now, 0, te->n_templates);
    te->sequence = sequence;
    if (next && next->size >= d->header_len) {
        memcpy((uint8_t *) tmp.data + d->seq_offset,
               (const uint8_t *) next->data + d->seq_offset,
               sizeof(ovs_be32));
    }
    ofpbuf_put(msg, tmp.data, tmp.size);
    ofpbuf_uninit(&tmp);
}

size_t
fx_tmpl_encoder_finish(struct fx_encoder *encoder, struct ofpbuf *msg,
                       long long int now, long long int wall_now)
{
    struct fx_tmpl_encoder *te = fx_tmpl_encoder_cast(encoder);
    size_t n_data = te->n_data;

    /* The items of a round count as sent only with a message that goes
     * out: a message that its owner dropped unfinished did not carry them
     * anywhere, and the next one starts from the same item. */
    te->round_pos = te->round_msg_pos;
    for (size_t i = 0; i < FX_N_RECORD_TEMPLATES; i++) {
        te->sent[i] |= te->in_msg[i];
    }
    if (te->round_active
        && te->round_pos >= round_item_pos(te, ROUND_END)) {
        te->round_active = false;
        te->templates_ever_sent = true;
        te->templates_sent = now;
        te->msgs_since_templates = 0;
    } else {
        te->msgs_since_templates++;
    }
    close_set(te, msg);
    te->dialect->put_header(te, msg, now, wall_now, n_data + te->n_options,
                            te->n_templates);
    te->messages_total++;
    te->octets_total += msg->size;
    te->records_total += n_data;
    return n_data;
}
