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

/* ovs-appctl commands: flowexport/show, flowexport/counters,
 * flowexport/dump-flows, flowexport/dump-interfaces, flowexport/flush.
 * Each takes an optional bridge name; without one it covers every bridge
 * with flow export.  ovs-flowexport(8) documents them. */

#include <config.h>
#include "fx-plugin.h"

#include "fx-status.h"
#include "fx-tap.h"
#include "fx-transport.h"
#include "openvswitch/dynamic-string.h"
#include "svec.h"
#include "unixctl.h"
#include "util.h"

typedef void fx_tap_cb(const char *bridge, struct netflow *, struct ds *);

/* Runs 'cb' on the tap of the bridge named in 'argv[1]', or on every tap,
 * and replies with what it printed. */
static void
fx_unixctl_for_taps(struct unixctl_conn *conn, int argc, const char *argv[],
                    fx_tap_cb *cb, void (*trailer)(struct ds *))
{
    struct ds reply = DS_EMPTY_INITIALIZER;

    if (argc > 1) {
        struct netflow *tap = fx_plugin_find_tap(argv[1]);

        if (!tap) {
            unixctl_command_reply_error(
                conn, "no such bridge, or no flow export on it");
            return;
        }
        cb(argv[1], tap, &reply);
    } else {
        struct svec names = SVEC_EMPTY_INITIALIZER;
        const char *name;
        size_t i;

        fx_plugin_tap_names(&names);
        SVEC_FOR_EACH (i, name, &names) {
            cb(name, fx_plugin_find_tap(name), &reply);
        }
        svec_destroy(&names);
    }
    if (trailer) {
        trailer(&reply);
    }
    unixctl_command_reply(conn, ds_cstr(&reply));
    ds_destroy(&reply);
}

static void
show_cb(const char *bridge, struct netflow *tap, struct ds *s)
{
    fx_tap_format_show(tap, s);
    fx_status_format_errors(bridge, s);
}

/* Appends what became of the queues of removed exporters' TCP and TLS
 * transports (which belong to no bridge any more) to 's', once there is
 * something to say. */
static void
show_lingering(struct ds *s)
{
    struct fx_transport_linger_stats ls;

    fx_transport_linger_get_stats(&ls);
    if (ls.n_lingering || ls.records_delivered || ls.records_lost) {
        ds_put_format(s, "removed exporters' queues: %"PRIuSIZE" collectors "
                      "still sending, records delivered %"PRIu64", records "
                      "lost %"PRIu64"\n", ls.n_lingering,
                      ls.records_delivered, ls.records_lost);
    }
}

static void
fx_unixctl_show(struct unixctl_conn *conn, int argc, const char *argv[],
                void *aux OVS_UNUSED)
{
    fx_unixctl_for_taps(conn, argc, argv, show_cb, show_lingering);
}

/* flowexport/counters: what flowexport/show counts, as "NAME VALUE" lines
 * that scripts can rely on.  For every bridge, each bridge's lines follow a
 * "bridge NAME" line; for one bridge, there is no such line. */
static void
counters_cb(const char *bridge, struct netflow *tap, struct ds *s)
{
    fx_tap_format_counters(tap, s);
    fx_status_format_counters(bridge, s);
}

static void
counters_all_cb(const char *bridge, struct netflow *tap, struct ds *s)
{
    ds_put_format(s, "bridge %s\n", bridge);
    counters_cb(bridge, tap, s);
}

static void
fx_unixctl_counters(struct unixctl_conn *conn, int argc, const char *argv[],
                    void *aux OVS_UNUSED)
{
    fx_unixctl_for_taps(conn, argc, argv,
                        argc > 1 ? counters_cb : counters_all_cb, NULL);
}

static void
dump_flows_cb(const char *bridge OVS_UNUSED, struct netflow *tap,
              struct ds *s)
{
    fx_tap_dump_flows(tap, s);
}

static void
fx_unixctl_dump_flows(struct unixctl_conn *conn, int argc, const char *argv[],
                      void *aux OVS_UNUSED)
{
    fx_unixctl_for_taps(conn, argc, argv, dump_flows_cb, NULL);
}

static void
dump_interfaces_cb(const char *bridge OVS_UNUSED, struct netflow *tap,
                   struct ds *s)
{
    fx_tap_dump_interfaces(tap, s);
}

static void
fx_unixctl_dump_interfaces(struct unixctl_conn *conn, int argc,
                           const char *argv[], void *aux OVS_UNUSED)
{
    fx_unixctl_for_taps(conn, argc, argv, dump_interfaces_cb, NULL);
}

static void
flush_cb(const char *bridge OVS_UNUSED, struct netflow *tap,
         struct ds *s OVS_UNUSED)
{
    fx_tap_flush(tap, FX_END_FLUSH);
}

static void
fx_unixctl_flush(struct unixctl_conn *conn, int argc, const char *argv[],
                 void *aux OVS_UNUSED)
{
    fx_unixctl_for_taps(conn, argc, argv, flush_cb, NULL);
}

void
fx_unixctl_register(void)
{
    unixctl_command_register("flowexport/show", "[BRIDGE]", 0, 1,
                             fx_unixctl_show, NULL);
    unixctl_command_register("flowexport/counters", "[BRIDGE]", 0, 1,
                             fx_unixctl_counters, NULL);
    unixctl_command_register("flowexport/dump-flows", "[BRIDGE]", 0, 1,
                             fx_unixctl_dump_flows, NULL);
    unixctl_command_register("flowexport/dump-interfaces", "[BRIDGE]", 0, 1,
                             fx_unixctl_dump_interfaces, NULL);
    unixctl_command_register("flowexport/flush", "[BRIDGE]", 0, 1,
                             fx_unixctl_flush, NULL);
}
