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

/* fuzz-options: libFuzzer target for exporter configuration.
 *
 * What it covers: what vswitchd-plugin/fx-config.c does with a NetFlow or
 * IPFIX row once OVSDB has checked its column types, that is,
 * fx_exporter_options_validate(), _clone(), _equal() and _destroy() of
 * ofproto-ext/fx-exporter.c on every combination of options, then, for
 * options it accepts, fx_exporter_create(), fx_exporter_format() and
 * fx_exporter_destroy(): the encoders and transports of the whole
 * configuration.
 *
 * Input: a fixed header of numeric options (see parse_options()), each
 * brought into the range its OVSDB column allows (OVSDB refuses anything
 * else before we see it), then strings separated by NUL bytes: the
 * export_source, the export_interface (an empty string is an unset column)
 * and any number of targets.
 *
 * What it checks, besides the sanitizers:
 *
 *   - a rejection names the column at fault ("COLUMN: why");
 *   - a clone equals its original, and differs once a target is added;
 *   - accepted options make an exporter (never NULL), which leaks no file
 *     descriptor once destroyed.
 *
 * Nothing is ever sent: exporters are created and destroyed without
 * fx_exporter_export() or fx_exporter_run(), exporters with tcp:, ssl: or
 * sctp: targets are only validated (opening one would connect), and host
 * names never resolve (LLVMFuzzerInitialize() points OVS_RESOLV_CONF at a
 * file that does not exist, as fuzz-target.c does).
 *
 * Build and run: tests/fuzz/build.sh, or "./setup.sh fuzz [SECONDS]". */

#include <config.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "fx-exporter.h"
#include "fx-record.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/vlog.h"
#include "util.h"
#include "fuzz-util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

int
LLVMFuzzerInitialize(int *argc OVS_UNUSED, char ***argv OVS_UNUSED)
{
    set_program_name("fuzz-options");
    vlog_set_levels(NULL, VLF_ANY_DESTINATION, VLL_OFF);
    if (setenv("OVS_RESOLV_CONF", "/nonexistent/fuzz-options/resolv.conf",
               1)) {
        ovs_fatal(errno, "setenv failed");
    }
    return 0;
}

/* Reads integers from the front of the input. */
struct reader {
    const uint8_t *p;
    size_t left;
};

static uint32_t
read_u32(struct reader *r)
{
    uint32_t x = 0;

    for (int i = 0; i < 4 && r->left; i++, r->left--) {
        x = (x << 8) | *r->p++;
    }
    return x;
}

/* Returns a value in [min, max], from the input. */
static long long int
read_range(struct reader *r, long long int min, long long int max)
{
    return min + read_u32(r) % (max - min + 1);
}

/* Fills 'o' with numeric options from 'r', each within its OVSDB column's
 * range (ovsdb-schema/flowexport.ovsschema), as fx-config.c would. */
static void
parse_options(struct reader *r, struct fx_exporter_options *o)
{
    static const enum fx_protocol protocols[] = {
        FX_PROTO_NETFLOW_V5, FX_PROTO_NETFLOW_V9, FX_PROTO_IPFIX
    };
    static const uint32_t track_levels[] = {
        FX_TRACK_FULL, FX_TRACK_PROTO, FX_TRACK_IP
    };
    struct fx_encoder_settings *s = &o->encoder;
    uint32_t flags = read_u32(r);

    o->name = xstrdup(flags & 1 ? "ipfix" : "netflow");
    o->protocol = protocols[read_range(r, 0, ARRAY_SIZE(protocols) - 1)];
    o->balance = flags & 2;
    o->sampling_mode_set = flags & 4;
    s->add_id_to_iface = flags & 8;
    s->bidirectional = flags & 16;
    s->interface_table = flags & 32;
    s->port_identity = flags & 64;
    o->key_fields = (read_u32(r) & (FX_KEY_MAC | FX_KEY_VLAN | FX_KEY_MPLS
                                    | FX_KEY_TUNNEL))
                     | track_levels[read_range(r, 0, 2)];
    s->key_fields = o->key_fields;
    s->engine_type = read_u32(r);
    s->engine_id = read_u32(r);
    s->obs_domain_id = read_u32(r);
    s->mtu = read_range(r, 512, 65000);
    s->template_refresh_ms = read_range(r, 1, 86400) * 1000;
    s->template_refresh_msgs = read_range(r, 1, 65535);
    s->sampling = read_range(r, 1, UINT32_MAX);
    s->sampling_mode = read_range(r, 0, FX_N_SAMPLING_MODES - 1);
    o->active_timeout = read_range(r, 0, 86400) * 1000;
    o->inactive_timeout = read_range(r, 1, 86400) * 1000;
    o->tcp_fin_timeout = read_range(r, 0, 86400) * 1000;
    o->tcp_rst_timeout = read_range(r, 0, 86400) * 1000;
    o->max_life = read_range(r, 0, 31536000) * 1000;
    o->max_flows = read_range(r, 1, 16777216);
    o->dscp = read_range(r, 0, 63);
    o->ttl = read_range(r, 0, 255);
}

/* Returns the next NUL-terminated string of 'r' (the rest of the input if
 * there is no NUL), or NULL at its end. */
static char *
read_string(struct reader *r)
{
    if (!r->left) {
        return NULL;
    }
    const uint8_t *nul = memchr(r->p, '\0', r->left);
    size_t len = nul ? nul - r->p : r->left;
    char *s = xmemdup0((const char *) r->p, len);

    r->p += len + (nul != NULL);
    r->left -= len + (nul != NULL);
    return s;
}

static char *
nonempty_or_null(char *s)
{
    if (s && !s[0]) {
        free(s);
        return NULL;
    }
    return s;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct reader r = { data, size };
    struct fx_exporter_options o, copy;
    bool opens_streams = false;
    char *target;
    int fd = lowest_free_fd();

    fx_exporter_options_init(&o);
    parse_options(&r, &o);
    o.source = nonempty_or_null(read_string(&r));
    o.interface = nonempty_or_null(read_string(&r));
    while ((target = read_string(&r)) != NULL) {
        opens_streams |= is_stream_target(target);
        sset_add_and_free(&o.targets, target);
    }

    fx_exporter_options_clone(&copy, &o);
    if (!fx_exporter_options_equal(&o, &copy)) {
        ovs_abort(0, "options differ from their clone");
    }
    sset_add(&copy.targets, "192.0.2.1:1");
    if (!sset_contains(&o.targets, "192.0.2.1:1")
        && fx_exporter_options_equal(&o, &copy)) {
        ovs_abort(0, "options equal despite another target");
    }
    fx_exporter_options_destroy(&copy);

    char *error = fx_exporter_options_validate(&o);
    if (error) {
        if (!strstr(error, ": ") || strchr(error, '\n')) {
            ovs_abort(0, "rejection does not name its column: \"%s\"",
                      error);
        }
        free(error);
    } else if (!opens_streams) {
        struct ds s = DS_EMPTY_INITIALIZER;
        struct fx_exporter *e = fx_exporter_create(&o);

        if (!e) {
            ovs_abort(0, "valid options make no exporter");
        }
        fx_exporter_format(e, &s);
        fx_exporter_destroy(e);
        ds_destroy(&s);
    }
    fx_exporter_options_destroy(&o);

    if (lowest_free_fd() != fd) {
        ovs_abort(0, "file descriptor leaked");
    }
    return 0;
}
