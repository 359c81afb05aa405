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

#ifndef FX_PLUGIN_H
#define FX_PLUGIN_H 1

/* flowexport's integration into ovs-vswitchd.
 *
 * We build ovs-vswitchd from OVS's own, unmodified vswitchd sources
 * (ovs-vswitchd.c, bridge.c, system-stats.c), compiled by the wrappers in
 * this directory with a few functions renamed by the preprocessor so that
 * their calls land here.  This header is the whole integration surface:
 *
 *   in ovs-vswitchd.c:  bridge_init, bridge_run, bridge_wait, bridge_exit
 *                       -> fx_plugin_bridge_*: add flowexport's unixctl
 *                       commands, housekeeping, and the export-everything
 *                       step of a graceful exit.
 *
 *   in bridge.c:        ofproto_set_netflow -> fx_plugin_ofproto_set_netflow,
 *                       ofproto_set_ipfix -> fx_plugin_ofproto_set_ipfix:
 *                       configure the bridge's exporters from its NetFlow
 *                       and IPFIX rows and turn the datapath tap on or off;
 *                       OVS's own IPFIX keeps only the
 *                       Flow_Sample_Collector_Set exporters.
 *                       ofproto_destroy -> fx_plugin_ofproto_destroy:
 *                       a deleted bridge exports everything first.
 *                       ovsdb_idl_create -> fx_plugin_ovsdb_idl_create:
 *                       captures bridge.c's IDL, so that the plugin reads
 *                       flowexport's schema columns from the same
 *                       database connection.
 *
 *   at link time:       the linker's --wrap=xlate_actions (automake.mk):
 *                       calls of xlate_actions() from other compilation
 *                       units than ofproto-dpif-xlate.c (the upcall
 *                       handlers and revalidators in ofproto-dpif-upcall.c,
 *                       ofproto-dpif.c, ofproto-dpif-trace.c) go to
 *                       __wrap_xlate_actions() (fx-xlate.c), which calls
 *                       the real one as __real_xlate_actions().  It relies
 *                       on OVS 3.1's xlate_actions(): calling
 *                       netflow_flow_update() or adding one XC_NETFLOW
 *                       xlate cache entry only for a pass without
 *                       'frozen_state', after translation; starting from
 *                       empty 'odp_actions' (it reserves headroom in them)
 *                       and writing into the caller's 'odp_actions' if
 *                       any; OVS_ACTION_ATTR_RECIRC in the actions of a
 *                       pass whose packet comes back; the thawed pass's
 *                       bridge in frozen_state->ofproto_uuid and its
 *                       in_port in frozen_state->metadata; and OVS pushing
 *                       an XC_NETFLOW entry's statistics to
 *                       netflow_flow_update() with its 'flow' and 'iface',
 *                       and freeing its 'flow' with free().  If the
 *                       symbol goes, the link fails (__real_xlate_actions is
 *                       undefined); if it stops being reached, the
 *                       coverage counter fx_xlate_pass stays 0, which
 *                       tests/conntrack.at checks.
 *
 *                       --wrap=rule_dpif_lookup_from_table ->
 *                       __wrap_rule_dpif_lookup_from_table and
 *                       --wrap=mac_learning_lookup ->
 *                       __wrap_mac_learning_lookup (fx-trail.c): the
 *                       calls ofproto-dpif-xlate.c makes while a
 *                       translation runs, to tell which bridges its packet
 *                       went through, where it was dropped and which
 *                       bridges flooded it.  They rely on OVS 3.1's
 *                       translation looking up every OpenFlow rule it
 *                       uses, in whichever bridge, in order, through
 *                       rule_dpif_lookup_from_table() (in ofproto-dpif.c),
 *                       in the thread that translates, the rule staying
 *                       valid until that thread quiesces; on FLOOD and ALL
 *                       being output actions to OFPP_FLOOD and OFPP_ALL
 *                       in the rule's actions; and on the NORMAL action
 *                       flooding exactly when mac_learning_lookup() (in
 *                       mac-learning.c) of the packet's destination finds
 *                       no entry with a port, outside IGMP/MLD snooping.
 *                       If a symbol goes, the link fails (its __real_ is
 *                       undefined); if one stops being reached, the
 *                       coverage counter fx_trail_rule_lookup or
 *                       fx_trail_normal_flood stays 0, drops and several
 *                       outputs past a patch port are the first bridge's
 *                       and floods report 65534, which tests/conntrack.at
 *                       ("patch ports: a drop in the second bridge",
 *                       "several outputs across bridges", "flooding after
 *                       recirculation and in a later bridge") checks.
 *
 *                       --wrap=conntrack_execute ->
 *                       __wrap_conntrack_execute (fx-nat.c): dpif-netdev.c's
 *                       calls of the userspace datapath's conntrack.  It
 *                       relies on OVS 3.1's conntrack_execute() leaving
 *                       each packet of the batch translated, with CS_NEW
 *                       and CS_SRC_NAT or CS_DST_NAT in md.ct_state when it
 *                       committed a new connection with NAT, and the
 *                       connection's original tuple and zone in its
 *                       metadata (as flow_extract() reads them).  If the
 *                       symbol goes, the link fails
 *                       (__real_conntrack_execute is undefined); if it
 *                       stops being reached, the coverage counter
 *                       fx_nat_commit stays 0 and the first replies of
 *                       SNAT'd connections are keyed as they left
 *                       conntrack, which tests/conntrack.at ("a reply
 *                       before the connection's second packet") and
 *                       tests/system-userspace.at ("SNAT") check.
 *
 *                       --wrap=SSL_new -> __wrap_SSL_new (fx-tls.c): while
 *                       one of our transports opens a TLS stream to a
 *                       collector (stream_open() calls SSL_new() in the
 *                       same thread), the new SSL object must verify the
 *                       host name the collector is given by
 *                       (X509_VERIFY_PARAM_set1_host()) or its IP address
 *                       (X509_VERIFY_PARAM_set1_ip(), an IP
 *                       subjectAltName); OVS's stream-ssl.c checks only
 *                       the CA.  Tested by "hardening - a TLS collector
 *                       must present the host name it is given by" and
 *                       "... given by IPv4 (IPv6) address must present
 *                       that address".
 *
 * Each fx_plugin_* function has the signature of the function it stands in
 * for and calls it.  The wrappers are compiled with the OVS build's own
 * compiler flags (vswitchd-plugin/automake.mk; OVS relies on
 * -fno-strict-aliasing), which the test "build - OVS's sources get the OVS
 * build's compiler flags" checks in the binaries.
 *
 * Beyond these, the plugin only reads OVS's state through its headers (a
 * bridge's ofproto, its ports and their netdevs: fx-config.c, fx-ports.c)
 * and opens two database connections of its own: one that writes the
 * status columns (fx-status.c), one that reads Interface.external_ids,
 * which bridge.c's IDL leaves out (fx-ports.c). */

#include <stdbool.h>
#include <stddef.h>

struct netflow;
struct netflow_options;
struct ofproto;
struct ofproto_ipfix_bridge_exporter_options;
struct ofproto_ipfix_flow_exporter_options;
struct ovsdb_idl;
struct ovsdb_idl_class;
struct svec;

/* ovs-vswitchd.c */
void fx_plugin_bridge_init(const char *remote);
void fx_plugin_bridge_run(void);
void fx_plugin_bridge_wait(void);
void fx_plugin_bridge_exit(bool delete_datapath);

/* bridge.c */
int fx_plugin_ofproto_set_netflow(struct ofproto *,
                                  const struct netflow_options *);
int fx_plugin_ofproto_set_ipfix(
    struct ofproto *, const struct ofproto_ipfix_bridge_exporter_options *,
    const struct ofproto_ipfix_flow_exporter_options *, size_t);
void fx_plugin_ofproto_destroy(struct ofproto *, bool del);
struct ovsdb_idl *fx_plugin_ovsdb_idl_create(
    const char *remote, const struct ovsdb_idl_class *,
    bool monitor_everything_by_default, bool retry);

/* Within the plugin. */
struct ovsdb_idl *fx_plugin_idl(void);
struct netflow *fx_plugin_find_tap(const char *bridge_name);
void fx_plugin_bind_tap(const char *bridge_name, struct netflow *);
void fx_plugin_unbind_tap(const char *bridge_name);
void fx_plugin_export_bridge(const char *bridge_name);
void fx_unixctl_register(void);

/* Iteration over bound taps: replaces the contents of 'names' (which the
 * caller initialized and destroys) by the names of the bridges with a
 * bound tap, sorted. */
void fx_plugin_tap_names(struct svec *names);

#endif /* fx-plugin.h */
