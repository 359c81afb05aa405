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
 * bridge.c configures NetFlow and IPFIX on every reconfiguration of every
 * bridge, by calling ofproto_set_netflow() and ofproto_set_ipfix(), which
 * land here.  Either way we read the bridge's NetFlow and IPFIX rows,
 * including flowexport's own columns, from bridge.c's IDL, build the
 * options of every exporter the bridge should have, and hand them to the
 * bridge's datapath tap, which we turn on (through the real
 * ofproto_set_netflow(), which creates our 'struct netflow') or off.
 * Unchanged options are a no-op in the tap.
 *
 * Bridge.ipfix is served by flowexport: OVS's own IPFIX code only gets the
 * Flow_Sample_Collector_Set exporters (OpenFlow "sample" actions), never
 * the bridge exporter, so it inserts no per-packet sampling actions. */

#include <config.h>
#include "fx-plugin.h"

#include <errno.h>
#include <string.h>
#include "fx-defaults.h"
#include "fx-exporter.h"
#include "fx-ports.h"
#include "fx-status.h"
#include "fx-tap.h"
#include "fx-transport.h"
#include "lib/vswitch-idl.h"
#include "openvswitch/json.h"
#include "ovsdb-data.h"
#include "ovsdb-idl-provider.h"
#include "ofproto/netflow.h"
#include "ofproto/ofproto-dpif.h"
#include "ofproto/ofproto-provider.h"
#include "ofproto/ofproto.h"
#include "openvswitch/vlog.h"
#include "smap.h"
#include "sset.h"
#include "util.h"
#include "uuid.h"

VLOG_DEFINE_THIS_MODULE(fx_config);

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

/* Converts the track_level column into FX_KEY_OMIT_* bits. */
static uint32_t
track_level_from_string(const char *level)
{
    return (!level ? FX_TRACK_FULL
            : !strcmp(level, "ip") ? FX_TRACK_IP
            : !strcmp(level, "proto") ? FX_TRACK_PROTO
            : FX_TRACK_FULL);
}

/* The flowexport columns that the NetFlow and IPFIX tables share have the
 * same names and types in both, but the IDL gives each table its own
 * struct: these functions read a column by name from a row of any table.
 * (Only on configuration changes: a column is found by a linear search.) */
static const struct ovsdb_datum *
read_column(const struct ovsdb_idl_row *row, const char *name)
{
    const struct ovsdb_idl_table_class *class = row->table->class_;

    for (size_t i = 0; i < class->n_columns; i++) {
        if (!strcmp(class->columns[i].name, name)) {
            return ovsdb_idl_read(row, &class->columns[i]);
        }
    }
    OVS_NOT_REACHED();
}

/* The optional integer column 'name' of 'row', or 'dflt' if it is empty. */
static int64_t
column_integer(const struct ovsdb_idl_row *row, const char *name,
               int64_t dflt)
{
    const struct ovsdb_datum *datum = read_column(row, name);

    return datum->n ? datum->keys[0].integer : dflt;
}

/* The optional column 'name' of 'row', in seconds, as milliseconds; empty
 * or not positive means 'dflt' seconds. */
static long long int
column_seconds(const struct ovsdb_idl_row *row, const char *name,
               long long int dflt)
{
    int64_t seconds = column_integer(row, name, 0);

    return (seconds > 0 ? seconds : dflt) * 1000;
}

/* The optional string column 'name' of 'row', or NULL if it is empty. */
static const char *
column_string(const struct ovsdb_idl_row *row, const char *name)
{
    const struct ovsdb_datum *datum = read_column(row, name);

    return datum->n ? json_string(datum->keys[0].s) : NULL;
}

static bool
column_boolean(const struct ovsdb_idl_row *row, const char *name)
{
    const struct ovsdb_datum *datum = read_column(row, name);

    return datum->n && datum->keys[0].boolean;
}

/* Converts the key_fields column into FX_KEY_* bits.  OVSDB has already
 * checked that every string is one of these. */
static uint32_t
column_key_fields(const struct ovsdb_idl_row *row)
{
    const struct ovsdb_datum *datum = read_column(row, "key_fields");
    uint32_t fields = 0;

    for (size_t i = 0; i < datum->n; i++) {
        const char *name = json_string(datum->keys[i].s);

        fields |= (!strcmp(name, "mac") ? FX_KEY_MAC
                   : !strcmp(name, "vlan") ? FX_KEY_VLAN
                   : !strcmp(name, "mpls") ? FX_KEY_MPLS
                   : !strcmp(name, "tunnel") ? FX_KEY_TUNNEL : 0);
    }
    return fields;
}

/* Converts the columns that the NetFlow and IPFIX tables share, of 'row'
 * of either, into 'o'. */
static void
shared_columns_to_options(const struct ovsdb_idl_row *row,
                          struct fx_exporter_options *o)
{
    struct fx_encoder_settings *s = &o->encoder;
    const char *collector_mode = column_string(row, "collector_mode");
    const char *sampling_mode = column_string(row, "sampling_mode");

    o->inactive_timeout = column_seconds(row, "inactive_timeout",
                                         FX_DEFAULT_INACTIVE_TIMEOUT_S);
    o->tcp_fin_timeout = column_seconds(row, "tcp_fin_timeout", 0);
    o->tcp_rst_timeout = column_seconds(row, "tcp_rst_timeout", 0);
    o->max_life = column_seconds(row, "max_life", 0);
    s->template_refresh_ms = column_seconds(
        row, "template_interval", FX_DEFAULT_TEMPLATE_REFRESH_MS / 1000);
    s->template_refresh_msgs = column_integer(row, "template_messages",
                                              s->template_refresh_msgs);
    s->mtu = column_integer(row, "mtu", s->mtu);
    o->dscp = column_integer(row, "export_dscp", 0);
    o->ttl = column_integer(row, "export_ttl", 0);
    o->source = nullable_xstrdup(column_string(row, "export_source"));
    o->interface = nullable_xstrdup(column_string(row, "export_interface"));
    o->balance = collector_mode && !strcmp(collector_mode, "balance");
    s->key_fields = (column_key_fields(row)
                     | track_level_from_string(column_string(row,
                                                             "track_level")));
    o->sampling_mode_set = sampling_mode != NULL;
    if (sampling_mode) {
        fx_sampling_mode_from_string(sampling_mode, &s->sampling_mode);
    }
    s->sampling = column_integer(row, "sampling", 1);
    s->bidirectional = column_boolean(row, "bidirectional");
    s->interface_table = column_boolean(row, "interface_table");
    s->port_identity = column_boolean(row, "port_identity");
}

/* Converts the NetFlow 'row' of the bridge of 'ofproto' into 'o'.
 *
 * Engine type and id default to the datapath's, as in OVS.  active_timeout
 * keeps OVS's meaning for positive values and 0 (the 600 s default), but -1
 * really disables the active timeout, as OVS's documentation has always
 * said. */
static void
netflow_row_to_options(const struct ofproto *ofproto,
                       const struct ovsrec_netflow *row,
                       struct fx_exporter_options *o)
{
    struct fx_encoder_settings *s = &o->encoder;

    fx_exporter_options_init(o);
    o->name = xstrdup("netflow");
    o->protocol = row->n_protocol ? *row->protocol : FX_PROTO_NETFLOW_V5;
    sset_add_array(&o->targets, row->targets, row->n_targets);

    ofproto_get_netflow_ids(ofproto, &s->engine_type, &s->engine_id);
    if (row->engine_type) {
        s->engine_type = *row->engine_type;
    }
    if (row->engine_id) {
        s->engine_id = *row->engine_id;
    }
    s->add_id_to_iface = row->add_id_to_interface;
    s->obs_domain_id = (s->engine_type << 8) | s->engine_id;

    /* OVS's schema does not bound active_timeout: anything above the
     * maximum becomes just above it, without overflowing, for validation
     * to refuse. */
    o->active_timeout = (row->active_timeout < 0 ? 0
                         : row->active_timeout == 0
                         ? FX_DEFAULT_NETFLOW_ACTIVE_TIMEOUT_S * 1000LL
                         : row->active_timeout <= FX_MAX_ACTIVE_TIMEOUT / 1000
                         ? row->active_timeout * 1000
                         : FX_MAX_ACTIVE_TIMEOUT + 1);
    o->max_flows = row->n_max_flows ? *row->max_flows : FX_DEFAULT_MAX_FLOWS;
    shared_columns_to_options(&row->header_, o);
}

/* Converts the IPFIX 'row' into 'o'.  Unlike OVS's IPFIX, which samples
 * packets (1 in 400 by default), every flow is accounted exactly from
 * datapath counters; 'sampling' N > 1 selects 1 in N flows (so does our
 * 'sampling' column of the NetFlow table). */
static void
ipfix_row_to_options(const struct ovsrec_ipfix *row,
                     struct fx_exporter_options *o)
{
    fx_exporter_options_init(o);
    o->name = xstrdup("ipfix");
    o->protocol = FX_PROTO_IPFIX;
    sset_add_array(&o->targets, row->targets, row->n_targets);
    o->encoder.obs_domain_id = (row->n_obs_domain_id
                                ? *row->obs_domain_id : 0);
    o->active_timeout = column_seconds(&row->header_, "cache_active_timeout",
                                       FX_DEFAULT_IPFIX_ACTIVE_TIMEOUT_S);
    o->max_flows = (row->n_cache_max_flows && *row->cache_max_flows
                    ? *row->cache_max_flows : FX_DEFAULT_MAX_FLOWS);
    shared_columns_to_options(&row->header_, o);
}

/* Checks 'candidate', the options built from a row of 'bridge' (the
 * "netflow" or "ipfix" exporter, 'row_uuid'), and records the outcome in
 * the row's status column.  Returns true if 'candidate' should be used.  If
 * it is invalid, logs why (once per distinct error) and replaces
 * 'candidate' by the exporter's previous options from 'tap', if it has
 * any, so that the last good configuration keeps running; returns false
 * if there are none. */
/* Returns an error if 'o' has a TLS target while the SSL table (read by
 * bridge.c, which configures OVS's streams from it) lacks what OVS needs to
 * connect: a private key, its certificate and a CA certificate (or a CA
 * to bootstrap).  Without them OVS refuses every connection, and messages
 * would queue and be lost under status "ok". */
static char *
fx_config_check_ssl(const struct fx_exporter_options *o)
{
    const struct ovsrec_open_vswitch *ovs
        = fx_plugin_idl() ? ovsrec_open_vswitch_first(fx_plugin_idl()) : NULL;
    const struct ovsrec_ssl *ssl = ovs ? ovs->ssl : NULL;
    const char *target;

    SSET_FOR_EACH (target, &o->targets) {
        if (strncmp(target, "ssl:", 4)) {
            continue;
        }
        const char *missing = (!ssl ? "no SSL configuration"
                               : !ssl->private_key[0] ? "no private key"
                               : !ssl->certificate[0] ? "no certificate"
                               : !ssl->ca_cert[0] ? "no CA certificate"
                               : NULL);
        if (missing) {
            char *what = xasprintf("targets: %%s: %s (ovs-vsctl set-ssl "
                                   "PRIVKEY CERT CACERT): Open vSwitch does "
                                   "not make TLS connections without a "
                                   "key, a certificate and a CA "
                                   "certificate", missing);
            char *error = fx_quoted_error(what, target);

            free(what);
            return error;
        }
    }
    return NULL;
}

static bool
fx_config_check(const char *bridge, struct netflow *tap,
                const struct uuid *row_uuid,
                struct fx_exporter_options *candidate)
{
    bool is_ipfix = !strcmp(candidate->name, "ipfix");
    const char *table = is_ipfix ? "IPFIX" : "NetFlow";
    char *error = fx_exporter_options_validate(candidate);
    if (!error) {
        error = fx_config_check_ssl(candidate);
    }
    struct smap status = SMAP_INITIALIZER(&status);
    bool use = true;

    if (!error) {
        smap_add(&status, "state", "ok");
        smap_add(&status, "protocol",
                 fx_protocol_to_string(candidate->protocol));
    } else {
        /* The candidate's options go; the exporter's previous ones, if it
         * has any, take their place.  (Not by copying a struct: an sset's
         * hmap may point into itself.) */
        fx_exporter_options_destroy(candidate);
        bool kept = (tap && fx_tap_get_exporter_options(
                         tap, is_ipfix ? "ipfix" : "netflow", candidate));
        if (!kept) {
            use = false;
        }
        smap_add(&status, "state", "error");
        smap_add(&status, "error", error);
        smap_add(&status, "running", (kept ? "previous configuration"
                                      : "nothing"));
    }

    if (fx_status_set(row_uuid, is_ipfix, bridge, &status) && error) {
        VLOG_ERR("bridge %s: %s "UUID_FMT": column %s; %s", bridge, table,
                 UUID_ARGS(row_uuid), error,
                 use ? "the previous configuration keeps running"
                 : "not exporting");
    }
    smap_destroy(&status);
    free(error);
    return use;
}

/* Configures every exporter of the bridge of 'ofproto' from its OVSDB rows
 * and turns its datapath tap on or off accordingly. */
static int
fx_config_bridge(struct ofproto *ofproto)
{
    const struct ovsrec_bridge *br_row = find_bridge_row(ofproto->name);
    struct netflow *old_tap = fx_plugin_find_tap(ofproto->name);
    struct fx_exporter_options options[2];
    size_t n = 0;

    if (br_row && br_row->netflow) {
        netflow_row_to_options(ofproto, br_row->netflow, &options[n]);
        n += fx_config_check(ofproto->name, old_tap,
                             &br_row->netflow->header_.uuid, &options[n]);
    }
    if (br_row && br_row->ipfix && br_row->ipfix->n_targets) {
        ipfix_row_to_options(br_row->ipfix, &options[n]);
        n += fx_config_check(ofproto->name, old_tap,
                             &br_row->ipfix->header_.uuid, &options[n]);
    }

    int error = 0;
    if (!n) {
        /* No exporter: the tap goes, exporting everything first.  It keeps
         * its exporters until its last reference goes. */
        if (old_tap) {
            fx_plugin_export_bridge(ofproto->name);
            fx_plugin_unbind_tap(ofproto->name);
        }
        error = ofproto_set_netflow(ofproto, NULL);
    } else {
        /* OVS only creates a 'struct netflow' for options with at least one
         * collector; ours come from 'options', not from these. */
        struct netflow_options tap_options = { .active_timeout = -1 };
        sset_init(&tap_options.collectors);
        sset_add(&tap_options.collectors, "flowexport");
        error = ofproto_set_netflow(ofproto, &tap_options);
        sset_destroy(&tap_options.collectors);

        struct ofproto_dpif *ofproto_dpif
            = ofproto_dpif_lookup_by_name(ofproto->name);
        struct netflow *tap = ofproto_dpif ? ofproto_dpif->netflow : NULL;
        if (!error && tap) {
            fx_plugin_bind_tap(ofproto->name, tap);
            fx_tap_set_uuid(tap, &ofproto_dpif->uuid);
            if (fx_tap_refine_key(tap, options, n)) {
                /* The datapath's flows may lump together what the cache
                 * will tell apart: export what they counted so far with
                 * the current key, and have them made again. */
                fx_plugin_export_bridge(ofproto->name);
            }
            fx_tap_configure(tap, options, n);
            fx_ports_refresh(ofproto->name);
            fx_ports_refresh_patches();
        } else {
            error = error ? error : EOPNOTSUPP;
            VLOG_ERR("bridge %s: cannot enable the flow export datapath "
                     "tap (%s)", ofproto->name, ovs_strerror(error));
        }
    }

    for (size_t i = 0; i < n; i++) {
        fx_exporter_options_destroy(&options[i]);
    }
    return error;
}

int
fx_plugin_ofproto_set_netflow(struct ofproto *ofproto,
                              const struct netflow_options *nf_options
                              OVS_UNUSED)
{
    return fx_config_bridge(ofproto);
}

int
fx_plugin_ofproto_set_ipfix(
    struct ofproto *ofproto,
    const struct ofproto_ipfix_bridge_exporter_options *bridge_options
    OVS_UNUSED,
    const struct ofproto_ipfix_flow_exporter_options *flow_options,
    size_t n_flow_options)
{
    int error = ofproto_set_ipfix(ofproto, NULL, flow_options,
                                  n_flow_options);
    int error2 = fx_config_bridge(ofproto);
    return error ? error : error2;
}
