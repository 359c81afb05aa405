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

/* fuzz-target: libFuzzer target for collector target strings.
 *
 * What it covers: fx_transport_check_target(), fx_transport_create(target,
 * -1, 0, NULL, NULL) and fx_transport_destroy() of
 * ofproto-ext/fx-transport.c, that is, the parsing of a configured
 * NetFlow/IPFIX target ("192.0.2.1:2055", "udp:[2001:db8::1]:4739",
 * "tcp:name:port", garbage) through OVS's socket and stream utilities, and
 * opening (socket, DSCP, connect) the UDP socket of a valid one.
 * fx_transport_format() and fx_transport_run() are run on the result too.
 *
 * Input: the target string (NUL bytes end it early, as they would in a C
 * string from the database).
 *
 * What it checks: no crash, no memory error, no leak (LSan), no file
 * descriptor left open after fx_transport_destroy().
 *
 * Nothing is ever sent: connect() on a UDP socket sends no packet, tcp: and
 * ssl: and sctp: targets are only parsed (fx_transport_check_target()), never
 * opened, and host names are never resolved, because fuzz_init()
 * points OVS_RESOLV_CONF at a file that does not exist, so that OVS's
 * dns-resolve.c gives up before creating a libunbound context (a name then
 * fails to open, as if it did not resolve).
 *
 * Build and run: tests/fuzz/build.sh, or "./setup.sh fuzz [SECONDS]". */

#include <config.h>
#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "fx-transport.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/vlog.h"
#include "util.h"
#include "fuzz-util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Sets up what every input uses, on the first input. */
static void
fuzz_init(void)
{
    if (!fuzz_first_input("fuzz-target")) {
        return;
    }
    if (setenv("OVS_RESOLV_CONF", "/nonexistent/fuzz-target/resolv.conf",
               1)) {
        ovs_fatal(errno, "setenv failed");
    }
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_init();

    struct ds s = DS_EMPTY_INITIALIZER;
    struct fx_transport *t;
    char *target;
    int fd;

    target = xmemdup0((const char *) data, size);
    fd = lowest_free_fd();

    static const struct fx_transport_settings settings;
    free(fx_transport_check_target(target, &settings));
    if (!is_stream_target(target)) {

        t = fx_transport_create(target, -1, &settings, NULL, NULL);
        if (strcmp(fx_transport_target(t), target)) {
            ovs_abort(0, "target \"%s\" stored as \"%s\"",
                      target, fx_transport_target(t));
        }
        fx_transport_run(t);
        fx_transport_format(t, &s);
        fx_transport_destroy(t);
    }

    if (lowest_free_fd() != fd) {
        ovs_abort(0, "\"%s\": file descriptor leaked", target);
    }
    ds_destroy(&s);
    free(target);
    return 0;
}
