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

/* The plugin's main-loop hooks and its registry of datapath taps, one per
 * bridge with flow export.  See fx-plugin.h. */

#include <config.h>
#include "fx-plugin.h"

#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include "fatal-signal.h"
#include "fx-idl-pace.h"
#include "fx-ports.h"
#include "fx-nat.h"
#include "fx-status.h"
#include "fx-tap.h"
#include "fx-transport.h"
#include "hash.h"
#include "latch.h"
#include "ofproto/netflow.h"
#include "ofproto/ofproto-dpif.h"
#include "ofproto/ofproto-dpif-upcall.h"
#include "ofproto/ofproto-provider.h"
#include "ofproto/ofproto.h"
#include "openvswitch/hmap.h"
#include "openvswitch/shash.h"
#include "openvswitch/vlog.h"
#include "ovsdb-idl.h"
#include "svec.h"
#include "util.h"
#include "vswitchd/bridge.h"

VLOG_DEFINE_THIS_MODULE(fx_plugin);

/* bridge.c's connection to the database. */
static struct ovsdb_idl *idl;

/* The pace of our own connections (fx-ports.c, fx-status.c). */
static struct fx_idl_pace idl_pace;

/* A bridge whose datapath tap is on. */
struct fx_bridge {
    struct hmap_node node;      /* In 'fx_bridges', by hash of 'name'. */
    char *name;                 /* Bridge name. */
    struct netflow *tap;        /* Our reference to the bridge's tap. */
};

static struct hmap fx_bridges = HMAP_INITIALIZER(&fx_bridges);

/* SIGTERM and SIGINT: caught first by us, so that the main loop exports
 * everything before OVS's own handling terminates the process. */
static struct latch term_latch;
static volatile sig_atomic_t term_signal;

struct ovsdb_idl *
fx_plugin_ovsdb_idl_create(const char *remote,
                           const struct ovsdb_idl_class *class,
                           bool monitor_everything_by_default, bool retry)
{
    ovs_assert(!idl);
    idl = ovsdb_idl_create(remote, class, monitor_everything_by_default,
                           retry);
    fx_status_omit_columns(idl);
    return idl;
}

struct ovsdb_idl *
fx_plugin_idl(void)
{
    return idl;
}

static struct fx_bridge *
fx_bridge_find(const char *name)
{
    struct fx_bridge *br;

    HMAP_FOR_EACH_WITH_HASH (br, node, hash_string(name, 0), &fx_bridges) {
        if (!strcmp(br->name, name)) {
            return br;
        }
    }
    return NULL;
}

struct netflow *
fx_plugin_find_tap(const char *bridge_name)
{
    struct fx_bridge *br = fx_bridge_find(bridge_name);

    return br ? br->tap : NULL;
}

/* Records that 'tap' is the datapath tap of bridge 'name'. */
void
fx_plugin_bind_tap(const char *name, struct netflow *tap)
{
    struct fx_bridge *br = fx_bridge_find(name);

    if (br && br->tap == tap) {
        return;
    }
    if (br) {
        netflow_unref(br->tap);
    } else {
        br = xzalloc(sizeof *br);
        br->name = xstrdup(name);
        hmap_insert(&fx_bridges, &br->node, hash_string(name, 0));
    }
    br->tap = netflow_ref(tap);
    fx_tap_set_name(tap, name);
}

/* Forgets the tap of bridge 'name'.  The tap itself lives on while the
 * datapath still has references to it, and exports what it holds when the
 * last one goes. */
void
fx_plugin_unbind_tap(const char *name)
{
    struct fx_bridge *br = fx_bridge_find(name);

    if (br) {
        hmap_remove(&fx_bridges, &br->node);
        netflow_unref(br->tap);
        free(br->name);
        free(br);
    }
}

void
fx_plugin_tap_names(struct svec *names)
{
    struct fx_bridge *br;

    svec_clear(names);
    HMAP_FOR_EACH (br, node, &fx_bridges) {
        svec_add(names, br->name);
    }
    svec_sort(names);
}

static void
fx_plugin_term_handler(int sig_nr)
{
    term_signal = sig_nr;
    latch_set(&term_latch);
}

void
fx_plugin_bridge_init(const char *remote)
{
    bridge_init(remote);
    fx_status_init(remote);
    fx_ports_init(remote);
    fx_unixctl_register();
    fx_tap_set_nat_lookup(fx_nat_complete_record);

    latch_init(&term_latch);
    signal(SIGTERM, fx_plugin_term_handler);
    signal(SIGINT, fx_plugin_term_handler);
}

/* Exports everything the tap of bridge 'name' holds or will be given: the
 * revalidators first push the final statistics of the datapath flows of
 * the bridge's datapath into the taps, by deleting them (all of that
 * datapath's flows: OVS purges per datapath, not per bridge), while the
 * xlate caches that lead to the tap still exist.  Otherwise statistics not
 * yet pushed when the bridge or its export goes away would be credited to
 * the new configuration, not to the tap.  Does nothing for a bridge without
 * a tap. */
void
fx_plugin_export_bridge(const char *name)
{
    struct fx_bridge *br = fx_bridge_find(name);
    struct ofproto_dpif *ofproto = ofproto_dpif_lookup_by_name(name);

    if (br) {
        if (ofproto && ofproto->backer) {
            udpif_flush(ofproto->backer->udpif);
        }
        fx_tap_flush(br->tap, FX_END_RECONFIGURE);
    }
}

void
fx_plugin_ofproto_destroy(struct ofproto *ofproto, bool del)
{
    fx_plugin_export_bridge(ofproto->name);
    ofproto_destroy(ofproto, del);
}

/* Exports every cached flow of every bridge: the revalidators push the
 * final statistics of every datapath flow into the taps (by deleting the
 * datapath flows), then every tap exports its whole cache. */
static void
fx_plugin_export_all(void)
{
    struct shash_node *node;
    struct fx_bridge *br;

    SHASH_FOR_EACH (node, &all_dpif_backers) {
        struct dpif_backer *backer = node->data;

        udpif_flush(backer->udpif);
    }
    HMAP_FOR_EACH (br, node, &fx_bridges) {
        fx_tap_flush(br->tap, FX_END_SHUTDOWN);
    }
}

/* How long exit and SIGTERM wait for TCP and TLS collectors to take what
 * is queued for them (the main loop no longer runs meanwhile). */
#define FX_EXIT_LINGER_MS 2000

/* Before exiting: removes every exporter, so that what their transports
 * still have queued gets up to FX_EXIT_LINGER_MS to go out; what does not
 * is counted and logged as lost. */
static void
fx_plugin_deliver_queues(void)
{
    struct fx_bridge *br;

    HMAP_FOR_EACH (br, node, &fx_bridges) {
        fx_tap_remove_exporters(br->tap);
    }
    fx_transport_linger_finish(FX_EXIT_LINGER_MS);
}

/* Drops taps of bridges that were deleted: their ofproto no longer holds
 * them. */
static void
fx_plugin_prune_taps(void)
{
    struct fx_bridge *br;

    HMAP_FOR_EACH_SAFE (br, node, &fx_bridges) {
        struct ofproto_dpif *ofproto = ofproto_dpif_lookup_by_name(br->name);

        if (!ofproto || ofproto->netflow != br->tap) {
            fx_plugin_unbind_tap(br->name);
        }
    }
}

void
fx_plugin_bridge_run(void)
{
    if (latch_poll(&term_latch) && term_signal) {
        int sig_nr = term_signal;

        /* OVS logs asynchronously once it runs, and the termination that
         * follows does not wait for the log writer: what we log from here
         * on (what went out, what was lost) must reach the log file. */
        vlog_disable_async();
        VLOG_INFO("received signal %d: exporting every cached flow before "
                  "terminating", sig_nr);
        fx_plugin_export_all();
        fx_plugin_deliver_queues();
        fatal_signal_handler(sig_nr);   /* OVS terminates as usual. */
        return;
    }

    /* Our own database connections run together, paced (fx-idl-pace.h). */
    bool idl_turn = fx_idl_pace_run(&idl_pace);

    /* A change of ports' identities reaches the taps before bridge_run()
     * runs their exporters, which send the table again. */
    if (idl_turn) {
        fx_ports_run();
    }
    bridge_run();
    fx_plugin_prune_taps();
    fx_tap_reap();
    fx_transport_linger_run();
    if (idl_turn) {
        fx_status_run();
    }
}

void
fx_plugin_bridge_wait(void)
{
    bridge_wait();
    fx_tap_reap_wait();
    fx_transport_linger_wait();
    if (fx_idl_pace_wait(&idl_pace)) {
        fx_status_wait();
        fx_ports_wait();
    }
    latch_wait(&term_latch);
}

/* A graceful exit exports everything first. */
void
fx_plugin_bridge_exit(bool delete_datapath)
{
    struct fx_bridge *br;

    fx_plugin_export_all();
    fx_plugin_deliver_queues();

    fx_status_destroy();
    fx_ports_destroy();
    bridge_exit(delete_datapath);
    idl = NULL;

    HMAP_FOR_EACH_SAFE (br, node, &fx_bridges) {
        fx_plugin_unbind_tap(br->name);
    }
    hmap_destroy(&fx_bridges);
    fx_tap_reap();
    fx_transport_linger_finish(FX_EXIT_LINGER_MS);
    latch_destroy(&term_latch);
}
