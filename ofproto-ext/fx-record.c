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

/* Flow records: end reasons, forwarding status, formatting.  See
 * fx-record.h. */

#include <config.h>
#include "fx-record.h"

#include <string.h>
#include "flow.h"
#include "openvswitch/dynamic-string.h"
#include "packets.h"
#include "ofproto/netflow.h"
#include "util.h"

static const char *const end_reason_names[] = {
#define FX_END_REASON(ENUM, NAME, IPFIX) NAME,
    FX_END_REASONS
#undef FX_END_REASON
};

static const uint8_t end_reason_ipfix[] = {
#define FX_END_REASON(ENUM, NAME, IPFIX) IPFIX,
    FX_END_REASONS
#undef FX_END_REASON
};

const char *
fx_end_reason_to_string(enum fx_end_reason reason)
{
    return reason < FX_N_END_REASONS ? end_reason_names[reason] : "unknown";
}

uint8_t
fx_end_reason_to_ipfix(enum fx_end_reason reason)
{
    return reason < FX_N_END_REASONS ? end_reason_ipfix[reason] : 4;
}

static void
format_port(uint16_t port, struct ds *s)
{
    if (port == ofp_to_u16(NF_OUT_FLOOD)) {
        ds_put_cstr(s, "flood");
    } else if (port == ofp_to_u16(NF_OUT_MULTI)) {
        ds_put_cstr(s, "multi");
    } else if (port == ofp_to_u16(NF_OUT_DROP)) {
        ds_put_cstr(s, "drop");
    } else {
        ds_put_format(s, "%"PRIu16, port);
    }
}


/* Appends 'rec' to 's' on one line, for logs and flowexport/dump-flows. */
void
fx_record_format(const struct fx_record *rec, struct ds *s)
{
    fx_key_format(&rec->key, s);
    ds_put_cstr(s, " out_port=");
    format_port(rec->out_port, s);
    ds_put_format(s, " packets=%"PRIu64" bytes=%"PRIu64" tcp_flags=0x%02"
                  PRIx8, rec->packets, rec->bytes, rec->tcp_flags);
    if (rec->key.journey) {
        fx_ct_info_format(&rec->key, &rec->ct, s);
    }
}

/* Appends to 's' what a journey flow with 'key' and 'ct' adds: the
 * forwarding status, the translated addresses and ports, and conntrack's
 * state, zone, mark and label. */
void
fx_ct_info_format(const struct fx_key *key, const struct fx_ct_info *ct,
                  struct ds *s)
{
    ds_put_format(s, " recirculated%s", (key->journey & FX_JOURNEY_TRACKED
                                         ? "(conntrack)" : ""));
    if (ct->flags & FX_CT_NAT) {
        ds_put_cstr(s, " nat(src=");
        ipv6_format_mapped(&ct->nat_src, s);
        ds_put_cstr(s, ",dst=");
        ipv6_format_mapped(&ct->nat_dst, s);
        ds_put_format(s, ",tp_src=%"PRIu16",tp_dst=%"PRIu16")",
                      ntohs(ct->nat_tp_src), ntohs(ct->nat_tp_dst));
    }
    if (key->journey & FX_JOURNEY_TRACKED) {
        ds_put_cstr(s, " ct_state=");
        format_flags(s, ct_state_to_string, ct->ct_state, '|');
        ds_put_format(s, " ct_zone=%"PRIu16" ct_mark=0x%"PRIx32
                      " ct_label=0x", ct->ct_zone, ct->ct_mark);
        ovs_be128 label = hton128(ct->ct_label);
        ds_put_hex(s, &label, sizeof label);
    }
}

/* Do 'a' and 'b' contradict each other about NAT: both translated, to
 * different addresses or ports?  One that knows no translation does not
 * contradict the other: a connection's first packet, which the deciding
 * pass committed with nat(...), reaches it untranslated, its next ones
 * translated, the same way. */
bool
fx_ct_info_nat_differs(const struct fx_ct_info *a,
                       const struct fx_ct_info *b)
{
    return (a->flags & b->flags & FX_CT_NAT
            && (!ipv6_addr_equals(&a->nat_src, &b->nat_src)
                || !ipv6_addr_equals(&a->nat_dst, &b->nat_dst)
                || a->nat_tp_src != b->nat_tp_src
                || a->nat_tp_dst != b->nat_tp_dst));
}

/* Whether a journey whose FX_JOURNEY_* bits are 'journey' and whose
 * conntrack view is 'ct' ran through conntrack in the original direction
 * and shows no translation: one whose own pass may have committed it with
 * nat(...), for an fx_nat_lookup_func to complete. */
bool
fx_ct_info_lacks_nat(uint8_t journey, const struct fx_ct_info *ct)
{
    return (journey & FX_JOURNEY_TRACKED
            && !(ct->flags & FX_CT_NAT)
            && !(ct->ct_state & CS_REPLY_DIR));
}

/* Returns the RFC 7270 forwardingStatus of 'rec': forwarded if it went
 * anywhere, else dropped, by an ACL (the firewall) if the deciding pass
 * ran after conntrack: what a conntrack pipeline drops after the lookup
 * its rules have denied, whether an explicit drop, a ct_state=+inv rule or
 * no rule at all. */
uint8_t
fx_record_forwarding_status(const struct fx_record *rec)
{
    if (rec->out_port != ofp_to_u16(NF_OUT_DROP)) {
        return FX_FWD_FORWARDED;
    }
    return (rec->key.journey & FX_JOURNEY_TRACKED ? FX_FWD_DROPPED_ACL_DENY
            : FX_FWD_DROPPED);
}

/* Frees every record in 'records' and leaves the list empty. */
void
fx_record_list_free(struct ovs_list *records)
{
    struct fx_record *rec;

    LIST_FOR_EACH_POP (rec, list_node, records) {
        free(rec);
    }
}
