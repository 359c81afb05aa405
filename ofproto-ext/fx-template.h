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

#ifndef FX_TEMPLATE_H
#define FX_TEMPLATE_H 1

/* Template-based export (NetFlow v9, RFC 3954, and IPFIX, RFC 7011): the
 * encoder that both protocols share, which puts templates and records into
 * messages.
 *
 * The templates come from fx-ie.h (the element table, field groups,
 * templates as lists of groups), which an encoder flattens once when it is
 * created, and each record's values from fx-ie-view.h.  This file owns the
 * wire: template and options template sets, data sets and their padding,
 * rounds of templates and their refresh, the options records (exporter
 * statistics, flow selection, the interface table), and fitting all of
 * them into messages of the configured MTU.
 *
 * What differs between v9 and IPFIX (message header, set ids, sequence
 * numbering, which time elements are used) is described by a
 * 'struct fx_dialect'; fx-nf9.c and fx-ipfix.c each define one, with
 * their templates.
 *
 * The fx_tmpl_encoder_*() functions below are those classes' members,
 * with fx_encoder_class's contracts and threads (see fx-encoder.h). */

#include <stddef.h>
#include <stdint.h>
#include "fx-encoder.h"
#include "fx-ie.h"
#include "openvswitch/types.h"

struct ofpbuf;

/* A template of an encoder: a shape and a tunnel kind. */
#define FX_N_RECORD_TEMPLATES (FX_N_SHAPES * FX_N_TUNNEL_KINDS)

struct fx_tmpl_encoder;

/* What distinguishes NetFlow v9 from IPFIX. */
struct fx_dialect {
    uint16_t version;           /* 9 or 10. */
    uint16_t template_set_id;   /* 0 (v9) or 2 (IPFIX). */
    size_t header_len;          /* Message header length. */
    size_t seq_offset;          /* Offset of the 32-bit sequence number. */
    const struct fx_template_def *templates; /* Indexed by fx_shape. */

    /* Options template for exporter statistics, sent with the templates
     * (its first 'n_scope' elements are scope), or NULL. */
    const struct fx_template_def *stats_template;
    size_t stats_n_scope;
    uint16_t options_template_set_id;   /* 1 (v9) or 3 (IPFIX). */

    /* Options template that signals flow sampling, by enum
     * fx_sampling_mode, sent with the templates when the exporter samples
     * (its first element is scope), or NULL. */
    const struct fx_template_def *sampling_templates;

    /* Options templates of the interface table (its first element is
     * scope), sent with the templates with 'interface_table'. */
    const struct fx_template_def *iftable_templates;
    size_t n_iftable_templates;

    /* Appends the header of options template 't' (after its set header):
     * the two protocols describe the scope differently. */
    void (*put_options_template_header)(struct ofpbuf *msg,
                                        const struct fx_template *t,
                                        size_t n_scope);

    /* Fills in the message header at the start of 'msg'.  'n_data' and
     * 'n_templates' are the data and template records in the message. */
    void (*put_header)(struct fx_tmpl_encoder *, struct ofpbuf *msg,
                       long long int now, long long int wall_now,
                       size_t n_data, size_t n_templates);
};

/* Encoder state shared by v9 and IPFIX. */
struct fx_tmpl_encoder {
    struct fx_encoder up;
    const struct fx_dialect *dialect;
    uint32_t sequence;          /* Next header sequence number. */

    /* Template refresh (RFC 7011 section 10.3.6 for UDP). */
    long long int templates_sent; /* time_msec() a round last ended. */
    unsigned int msgs_since_templates;
    bool templates_ever_sent;

    /* A round of templates (see fx-template.c) that goes on over as many
     * messages as it needs: the next item to send ('round_pos'), and the
     * next item after those in the message under construction, which
     * become sent when the message is finished. */
    bool round_active;
    size_t round_pos;
    size_t round_msg_pos;

    /* dialect->templates, by shape * FX_N_TUNNEL_KINDS + tunnel kind. */
    struct fx_template templates[FX_N_RECORD_TEMPLATES];
    bool in_use[FX_N_RECORD_TEMPLATES];  /* Which of them are in use. */
    bool announced[FX_N_RECORD_TEMPLATES]; /* Which of them go out with the
                                            * templates: the plain ones from
                                            * the start, a tunnel kind's
                                            * once a record needs it. */
    bool sent[FX_N_RECORD_TEMPLATES];   /* Which of them went out in a
                                         * finished message: until then, a
                                         * record takes its template along,
                                         * even if announced (a round may
                                         * not have reached it yet). */
    struct fx_template stats_template;   /* dialect->stats_template. */
    struct fx_template sampling_template; /* The sampling mode's, if the
                                           * exporter samples (id != 0). */

    /* The interface table, with 'interface_table': its options templates,
     * and which of its rows are still to be sent.  The whole table goes
     * out after the templates and whenever it changes. */
#define FX_MAX_IFTABLE_TEMPLATES 2
    struct fx_template iftable_templates[FX_MAX_IFTABLE_TEMPLATES];
    size_t n_iftable_templates;
    uint64_t iftable_version;   /* Version of the table last begun. */
    bool iftable_due;           /* Rows remain to be sent. */
    size_t iftable_pos;         /* Next: template * rows + row. */

    /* Totals of the stream, for the statistics options record. */
    uint64_t octets_total;
    uint64_t messages_total;
    uint64_t records_total;

    /* The message under construction. */
    size_t set_ofs;             /* Offset of the open data set, or 0. */
    uint16_t set_id;            /* Template id of the open data set, or
                                 * 0. */
    size_t n_data;              /* Flow data records in the message. */
    size_t n_options;           /* Options data records in the message. */
    size_t n_templates;         /* Template records in the message. */
    bool in_msg[FX_N_RECORD_TEMPLATES]; /* Record templates in it. */
    long long int wall_offset;  /* time_wall_msec() - time_msec(). */
};

struct fx_encoder *fx_tmpl_encoder_create(const struct fx_dialect *,
                                          const struct fx_encoder_class *,
                                          const struct fx_encoder_settings *);
void fx_tmpl_encoder_destroy(struct fx_encoder *);
size_t fx_tmpl_encoder_min_mtu(const struct fx_dialect *,
                               const struct fx_encoder_class *,
                               const struct fx_encoder_settings *);
void fx_tmpl_encoder_begin(struct fx_encoder *, struct ofpbuf *msg);
enum fx_encode_result fx_tmpl_encoder_add(struct fx_encoder *,
                                          struct ofpbuf *msg,
                                          struct fx_record *,
                                          const struct fx_record *reverse);
enum fx_encode_result fx_tmpl_encoder_add_options(struct fx_encoder *,
                                                  struct ofpbuf *msg,
                                                  size_t *n_added);
size_t fx_tmpl_encoder_finish(struct fx_encoder *, struct ofpbuf *msg,
                              long long int now, long long int wall_now);
void fx_tmpl_encoder_put_templates(struct fx_encoder *, struct ofpbuf *msg,
                                   const struct ofpbuf *next,
                                   long long int now, long long int wall_now);

struct fx_tmpl_encoder *fx_tmpl_encoder_cast(struct fx_encoder *);

void fx_template_put_u16(struct ofpbuf *, uint16_t);

#endif /* fx-template.h */
