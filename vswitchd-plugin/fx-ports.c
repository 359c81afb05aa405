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

/* The ports of each bridge with flow export, for its interface table (see
 * ofproto-ext/fx-iftable.h): which OpenFlow port is which interface, of
 * which type, and who is behind it.
 *
 * The port numbers and types come from the bridge's ofproto, which is
 * what the datapath and our records use (the Interface table's "ofport"
 * column is written only afterwards).  The identities come from
 * Interface.external_ids, which bridge.c's IDL leaves out (it would
 * reconfigure every bridge on each change), so we read them over a
 * connection of our own that monitors nothing but Interface's name and
 * external_ids.  A tap's ports are refreshed when its bridge is
 * (re)configured (ports added or removed) and when that connection sees a
 * change; the tap ignores refreshes that change nothing. */

#include <config.h>
#include "fx-ports.h"

#include <string.h>
#include "fx-iftable.h"
#include "fx-plugin.h"
#include "fx-tap.h"
#include "lib/vswitch-idl.h"
#include "netdev.h"
#include "netdev-vport.h"
#include "ofproto/ofproto-dpif.h"
#include "ofproto/ofproto-provider.h"
#include "openvswitch/hmap.h"
#include "openvswitch/shash.h"
#include "openvswitch/vlog.h"
#include "ovsdb-idl.h"
#include "smap.h"
#include "sset.h"
#include "svec.h"
#include "util.h"

VLOG_DEFINE_THIS_MODULE(fx_ports);

static struct ovsdb_idl *ports_idl;
static unsigned int ports_idl_seqno;

/* Does bridge.c's view of the database have an interface called 'name'?
 * '*names' caches the names of its interfaces, from the first call. */
static bool
interface_in_bridge_idl(const char *name, struct sset *names)
{
    if (sset_is_empty(names)) {
        const struct ovsrec_interface *row;

        OVSREC_INTERFACE_FOR_EACH (row, fx_plugin_idl()) {
            sset_add(names, row->name);
        }
    }
    return sset_contains(names, name);
}

void
fx_ports_init(const char *remote)
{
    ports_idl = ovsdb_idl_create(remote, &ovsrec_idl_class, false, true);
    ovsdb_idl_add_table(ports_idl, &ovsrec_table_interface);
    ovsdb_idl_add_column(ports_idl, &ovsrec_interface_col_name);
    ovsdb_idl_add_column(ports_idl, &ovsrec_interface_col_external_ids);
}

/* Tells the tap of bridge 'name', if it has one, which ports the bridge
 * has now. */
void
fx_ports_refresh(const char *name)
{
    struct netflow *tap = fx_plugin_find_tap(name);
    struct ofproto_dpif *ofproto_dpif = ofproto_dpif_lookup_by_name(name);

    if (!tap || !ofproto_dpif || !ports_idl) {
        return;
    }

    /* Interface rows by name: names are unique in the database. */
    struct shash ifaces = SHASH_INITIALIZER(&ifaces);
    const struct ovsrec_interface *row;
    OVSREC_INTERFACE_FOR_EACH (row, ports_idl) {
        shash_add_once(&ifaces, row->name, row);
    }

    const struct ofproto *ofproto = &ofproto_dpif->up;
    struct fx_port_info *infos = xcalloc(MAX(hmap_count(&ofproto->ports), 1),
                                         sizeof *infos);
    struct sset bridge_names = SSET_INITIALIZER(&bridge_names);
    const struct ofport *ofport;
    size_t n = 0;
    HMAP_FOR_EACH (ofport, hmap_node, &ofproto->ports) {
        struct fx_port_info *info = &infos[n++];
        const char *iface_name = netdev_get_name(ofport->netdev);

        info->port = ofp_to_u16(ofport->ofp_port);
        info->name = iface_name;
        info->type = netdev_get_type(ofport->netdev);

        row = shash_find_data(&ifaces, iface_name);
        if (row) {
            const struct smap *ids = &row->external_ids;

            info->iface_id = smap_get(ids, "iface-id");
            info->vm_id = smap_get(ids, "vm-id");
            if (!info->vm_id) {
                info->vm_id = smap_get(ids, "vm-uuid");
            }
            info->attached_mac = smap_get(ids, "attached-mac");
        } else if (interface_in_bridge_idl(iface_name, &bridge_names)) {
            /* Our connection has not seen the row that bridge.c's has: it
             * is behind, and will refresh the ports when it catches up.
             * Better no table now than one with a port's identity
             * missing. */
            n = SIZE_MAX;
            break;
        } else {
            /* The row is gone, the port will follow. */
            info->ids_unknown = true;
        }
    }
    if (n != SIZE_MAX) {
        fx_tap_set_ports(tap, infos, n);
    }
    free(infos);
    sset_destroy(&bridge_names);
    shash_destroy(&ifaces);
}

/* Refreshes every tap's ports when the interfaces' external_ids may have
 * changed. */
/* A patch port, while the links are found. */
struct patch_port {
    struct uuid bridge;         /* Its bridge's ofproto. */
    uint16_t port;              /* Its OpenFlow port number. */
    const char *name;           /* Its interface name. */
    char *peer;                 /* Its peer's interface name. */
};

/* Tells the taps how bridges are linked by patch ports (see fx-tap.h):
 * every pair of patch ports of any bridges that name each other as
 * peers. */
void
fx_ports_refresh_patches(void)
{
    struct sset types = SSET_INITIALIZER(&types);
    struct patch_port *ports = NULL;
    size_t n_ports = 0, allocated = 0;
    const char *type;

    ofproto_enumerate_types(&types);
    SSET_FOR_EACH (type, &types) {
        struct sset names = SSET_INITIALIZER(&names);
        const char *name;

        ofproto_enumerate_names(type, &names);
        SSET_FOR_EACH (name, &names) {
            struct ofproto_dpif *ofproto = ofproto_dpif_lookup_by_name(name);
            const struct ofport *ofport;

            if (!ofproto) {
                continue;
            }
            HMAP_FOR_EACH (ofport, hmap_node, &ofproto->up.ports) {
                char *peer = netdev_vport_patch_peer(ofport->netdev);

                if (peer) {
                    if (n_ports >= allocated) {
                        ports = x2nrealloc(ports, &allocated, sizeof *ports);
                    }
                    ports[n_ports++] = (struct patch_port) {
                        .bridge = ofproto->uuid,
                        .port = ofp_to_u16(ofport->ofp_port),
                        .name = netdev_get_name(ofport->netdev),
                        .peer = peer,
                    };
                }
            }
        }
        sset_destroy(&names);
    }
    sset_destroy(&types);

    struct fx_patch_link *links = xcalloc(MAX(n_ports, 1), sizeof *links);
    size_t n_links = 0;
    for (size_t i = 0; i < n_ports; i++) {
        for (size_t j = i + 1; j < n_ports; j++) {
            if (!strcmp(ports[i].peer, ports[j].name)
                && !strcmp(ports[j].peer, ports[i].name)) {
                links[n_links++] = (struct fx_patch_link) {
                    .from = ports[i].bridge, .from_port = ports[i].port,
                    .to = ports[j].bridge, .to_port = ports[j].port,
                };
            }
        }
    }
    if (fx_tap_set_patch_links(links, n_links)) {
        VLOG_DBG("%"PRIuSIZE" patch links between bridges", n_links);
    }
    free(links);
    for (size_t i = 0; i < n_ports; i++) {
        free(ports[i].peer);
    }
    free(ports);
}

void
fx_ports_run(void)
{
    if (!ports_idl) {
        return;
    }
    ovsdb_idl_run(ports_idl);

    unsigned int seqno = ovsdb_idl_get_seqno(ports_idl);
    if (seqno != ports_idl_seqno) {
        struct svec names = SVEC_EMPTY_INITIALIZER;
        const char *name;
        size_t i;

        ports_idl_seqno = seqno;
        fx_plugin_tap_names(&names);
        SVEC_FOR_EACH (i, name, &names) {
            fx_ports_refresh(name);
        }
        svec_destroy(&names);
    }
}

void
fx_ports_wait(void)
{
    if (ports_idl) {
        ovsdb_idl_wait(ports_idl);
    }
}

void
fx_ports_destroy(void)
{
    ovsdb_idl_destroy(ports_idl);
    ports_idl = NULL;
}
