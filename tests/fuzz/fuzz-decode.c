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
 * single message instead of a stream, bits 3-4 pick one of four exporter
 * addresses (template scope).
 *
 * What it checks: the sanitizers (ASan, UBSan, LSan) catch memory errors,
 * undefined behaviour and leaks; on top of that, every output line must end
 * in a newline and the counters must be consistent.
 *
 * Build and run: tests/fuzz/build.sh, or "./setup.sh fuzz [SECONDS]".  Seed
 * inputs come from tests/fuzz/make-seeds.py. */

#define FLOWEXPORT_DECODE_NO_MAIN 1
#include "flowexport-decode.c"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

/* Output callback for decode_stream(): checks and discards the lines. */
static void
check_output(struct ds *out)
{
    if (out->length && out->string[out->length - 1] != '\n') {
        ovs_abort(0, "output does not end in a newline: %s", ds_cstr(out));
    }
    ds_clear(out);
}

int
LLVMFuzzerInitialize(int *argc OVS_UNUSED, char ***argv OVS_UNUSED)
{
    set_program_name("fuzz-decode");
    vlog_set_levels(NULL, VLF_ANY_DESTINATION, VLL_OFF);
    return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
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
    st.print_headers = flags & 1;
    st.print_timestamps = flags & 2;
    in6_addr_set_mapped_ipv4(&st.source, htonl(0xc0000201 + (flags >> 3 & 3)));

    if (flags & 4) {
        decode_message(data, size, &st, &out);
        check_output(&out);
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
    check_output(&out);

    ds_destroy(&out);
    decoder_state_destroy(&st);
    return 0;
}
