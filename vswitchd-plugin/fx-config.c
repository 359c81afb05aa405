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

/* Configuration: from a bridge's OVSDB rows to its exporters.
 *
 * bridge.c configures NetFlow on every reconfiguration of every bridge by
 * calling ofproto_set_netflow(), which lands here.  We read the bridge's
 * NetFlow row, including flowexport's own columns, from bridge.c's IDL,
 * build the exporter options, and turn the bridge's datapath tap on (through
 * the real ofproto_set_netflow(), which creates our 'struct netflow') or
 * off. */

#include <config.h>
#include "fx-plugin.h"

#include <errno.h>
#include <string.h>
#include "fx-exporter.h"
#include "fx-tap.h"
#include "ofproto/netflow.h"
#include "ofproto/ofproto-dpif.h"
#include "ofproto/ofproto-provider.h"
#include "ofproto/ofproto.h"
#include "openvswitch/vlog.h"
#include "sset.h"
#include "util.h"
#include "lib/vswitch-idl.h"

VLOG_DEFINE_THIS_MODULE(fx_config);

/* Defaults for flowexport's NetFlow columns. */
#define FX_NETFLOW_INACTIVE_TIMEOUT 15       /* Seconds. */
#define FX_NETFLOW_MAX_FLOWS 1000000

static const struct ovsrec_bridge *
find_bridge_row(const char *name)
{
    const struct ovsrec_bridge *row;

    OVSREC_BRIDGE_FOR_EACH (row, fx_plugin_idl()) {
        if (!strcmp(row->name, name)) {
            return row;
        }
    }
    return NULL;
}

/* Converts the NetFlow 'row' of a bridge, together with the 'nf_options'
 * that bridge.c derived from it (engine id defaults come from the
 * datapath), into 'o'.
 *
 * active_timeout keeps OVS's meaning for positive values and 0 (the 600 s
 * default), but -1 really disables the active timeout, as OVS's
 * documentation has always said. */
static void
netflow_row_to_options(const struct ovsrec_netflow *row,
                       const struct netflow_options *nf_options,
                       struct fx_exporter_options *o)
{
    fx_exporter_options_init(o);
    o->name = xstrdup("netflow");
    o->protocol = FX_PROTO_NETFLOW_V5;
    sset_clone(&o->targets, &nf_options->collectors);
    o->encoder.engine_type = nf_options->engine_type;
    o->encoder.engine_id = nf_options->engine_id;
    o->encoder.add_id_to_iface = nf_options->add_id_to_iface;

    int64_t active = row->active_timeout;
    o->active_timeout = (active < 0 ? 0
                         : active == 0 ? NF_ACTIVE_TIMEOUT_DEFAULT * 1000LL
                         : active * 1000);
    o->inactive_timeout = (row->n_inactive_timeout
                           ? *row->inactive_timeout
                           : FX_NETFLOW_INACTIVE_TIMEOUT) * 1000LL;
    o->max_flows = (row->n_max_flows ? *row->max_flows
                    : FX_NETFLOW_MAX_FLOWS);
}

int
fx_plugin_ofproto_set_netflow(struct ofproto *ofproto,
                              const struct netflow_options *nf_options)
{
    const struct ovsrec_bridge *br_row = find_bridge_row(ofproto->name);
    const struct ovsrec_netflow *nf_row = br_row ? br_row->netflow : NULL;

    if (!nf_options || !nf_row || sset_is_empty(&nf_options->collectors)) {
        /* No exporter: the tap goes, exporting what it holds first. */
        struct netflow *tap = fx_plugin_find_tap(ofproto->name);
        if (tap) {
            fx_tap_configure(tap, NULL, 0);
            fx_plugin_unbind_tap(ofproto->name);
        }
        return ofproto_set_netflow(ofproto, NULL);
    }

    int error = ofproto_set_netflow(ofproto, nf_options);
    struct ofproto_dpif *ofproto_dpif
        = ofproto_dpif_lookup_by_name(ofproto->name);
    struct netflow *tap = ofproto_dpif ? ofproto_dpif->netflow : NULL;
    if (error || !tap) {
        VLOG_ERR("bridge %s: cannot enable the flow export datapath tap (%s)",
                 ofproto->name, ovs_strerror(error ? error : EOPNOTSUPP));
        return error ? error : EOPNOTSUPP;
    }

    struct fx_exporter_options options;
    netflow_row_to_options(nf_row, nf_options, &options);
    fx_plugin_bind_tap(ofproto->name, tap);
    fx_tap_configure(tap, &options, 1);
    fx_exporter_options_destroy(&options);
    return 0;
}
