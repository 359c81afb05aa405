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

/* fuzz-decode: libFuzzer target for flowexport-decode's message parser.
 *
 * What it covers: decode_stream() and decode_message() of
 * utilities/flowexport-decode.c (NetFlow v5, NetFlow v9 and IPFIX headers,
 * template and options template sets, template withdrawal, data sets with
 * fixed and variable-length fields, padding), which is #included here with
 * FLOWEXPORT_DECODE_NO_MAIN so that its static functions are visible.
 *
 * Input: one flags byte, then a stream in flowexport-decode's --read format
 * (each message preceded by its length as a 4-byte big-endian integer), so
 * that one input can carry templates in one message and data in the next.
 * Flags: bit 0 --headers, bit 1 --timestamps, bit 2 decode the rest as one
 * single message received over UDP (withdrawals ignored) instead of a
 * stream, bits 3-4 pick one of four exporter
 * addresses (template scope), bits 5-6 the template lifetime (never, or 1,
 * 2.5 or 10 s, with each message of a stream 1 s after the one before, so
 * that templates expire), bit 7 small template memory limits (so that
 * templates are refused).
 *
 * What it checks: the sanitizers (ASan, UBSan, LSan) catch memory errors,
 * undefined behaviour and leaks; on top of that, every output line must end
 * in a newline, the counters must be consistent, and the memory the
 * templates take must be what the decoder counts, within its limits.
 *
 * Build and run: tests/fuzz/build.sh, or "./setup.sh fuzz [SECONDS]".  Seed
 * inputs come from tests/fuzz/make-seeds.py. */

#define FLOWEXPORT_DECODE_NO_MAIN 1
#include "flowexport-decode.c"

#include "fuzz-util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Checks that the templates in 'st' take the memory it counts, per exporter
 * and in all, within its limits, and that they are in order of the time
 * they were received and, if 'expired' (just after a message), that none of
 * them has outlived its lifetime. */
static void
check_templates(const struct decoder_state *st, bool expired)
{
    size_t total = hmap_count(&st->exporters) * sizeof(struct exporter);
    const struct exporter *e;
    const struct template *t;
    long long int last = LLONG_MIN;

    HMAP_FOR_EACH (e, node, &st->exporters) {
        size_t bytes = 0, n = 0;

        HMAP_FOR_EACH (t, node, &st->templates) {
            if (t->exporter == e) {
                bytes += template_cost(t);
                n++;
            }
        }
        if (!n || n != e->n_templates || bytes != e->template_bytes
            || bytes > st->max_exporter_template_bytes) {
            ovs_abort(0, "exporter with %"PRIuSIZE" templates of %"PRIuSIZE
                      " bytes counted as %"PRIuSIZE" of %"PRIuSIZE,
                      n, bytes, e->n_templates, e->template_bytes);
        }
        total += bytes;
    }
    if (total != st->template_bytes || total > st->max_template_bytes
        || hmap_count(&st->templates) > MAX_TEMPLATES
        || ovs_list_size(&st->template_lru) != hmap_count(&st->templates)) {
        ovs_abort(0, "templates take %"PRIuSIZE" bytes, counted as "
                  "%"PRIuSIZE, total, st->template_bytes);
    }
    LIST_FOR_EACH (t, lru_node, &st->template_lru) {
        if (t->refreshed < last
            || (expired && st->template_lifetime
                && st->now - t->refreshed >= st->template_lifetime)) {
            ovs_abort(0, "template list out of order or not expired");
        }
        last = t->refreshed;
    }
}

/* Messages decoded when check_output() last ran. */
static uint64_t checked_messages;

/* Output callback for decode_stream(): checks and discards the lines and
 * the templates, and lets a second pass before the next message.
 * (decode_stream() also calls it once after the last message.) */
static void
check_output(struct decoder_state *st, struct ds *out)
{
    bool new_message = st->n_messages != checked_messages;

    if (out->length && out->string[out->length - 1] != '\n') {
        ovs_abort(0, "output does not end in a newline: %s", ds_cstr(out));
    }
    ds_clear(out);
    check_templates(st, new_message);
    if (new_message) {
        checked_messages = st->n_messages;
        st->now += 1000;
    }
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_first_input("fuzz-decode");

    struct ds out = DS_EMPTY_INITIALIZER;
    struct decoder_state st;
    uint8_t flags;

    if (!size) {
        return 0;
    }
    flags = data[0];
    data++;
    size--;

    decoder_state_init(&st);
    checked_messages = 0;
    st.print_headers = flags & 1;
    st.print_timestamps = flags & 2;
    in6_addr_set_mapped_ipv4(&st.source, htonl(0xc0000201 + (flags >> 3 & 3)));
    st.source_port = 4739;
    st.udp = flags & 4;
    st.template_lifetime = (long long int[]) { 0, 1000, 2500, 10000 }
                           [flags >> 5 & 3];
    if (flags & 0x80) {
        /* A few templates of a few dozen fields. */
        st.max_exporter_template_bytes = 1024;
        st.max_template_bytes = 1536;
    }

    if (flags & 4) {
        decode_message(data, size, &st, &out);
        check_output(&st, &out);
        if (st.n_messages != 1) {
            ovs_abort(0, "one message decoded as %"PRIu64, st.n_messages);
        }
    } else {
        decode_stream(data, size, &st, &out, check_output);
    }
    if (st.n_malformed > st.n_messages + 1) {
        ovs_abort(0, "%"PRIu64" malformed out of %"PRIu64" messages",
                  st.n_malformed, st.n_messages);
    }

    format_summary(&st, &out);
    check_output(&st, &out);

    ds_destroy(&out);
    decoder_state_destroy(&st);
    return 0;
}
