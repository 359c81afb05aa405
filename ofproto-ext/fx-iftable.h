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

#ifndef FX_IFTABLE_H
#define FX_IFTABLE_H 1

/* The interface table of a bridge: who is behind each OpenFlow port.
 *
 * Records name ports by their OpenFlow port numbers.  The vswitchd plugin
 * tells each tap, whenever they may have changed, which ports its bridge
 * has, with their interface name, type and the identity that hypervisors
 * put into Interface.external_ids (iface-id, vm-id or vm-uuid,
 * attached-mac).  The table serves two readers:
 *
 *   - the interface table options records (fx_iftable_rows()): one row per
 *     current port, plus a row with no identity for each port removed
 *     recently and not replaced, so that a collector learns that the port
 *     is gone.  fx_iftable_version() changes whenever a current port is
 *     added, removed or changed, so that exporters send the table again.
 *
 *   - records that carry their ports' identity (fx_iftable_lookup()): a
 *     record is attributed to the identity its port had at the record's
 *     last packet, which may be an identity that has been replaced since
 *     (a port deleted, its number reused, its external_ids changed), so
 *     the table keeps replaced identities for a while (the retention that
 *     fx_iftable_expire() is given: as long as a flow cached before the
 *     change may still produce records).
 *
 * Not thread-safe: the tap uses it under its lock. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "openvswitch/types.h"
#include "packets.h"

struct ds;

/* What the plugin knows about one port of the bridge.  Strings may be NULL
 * (not set). */
struct fx_port_info {
    uint16_t port;              /* OpenFlow port number. */
    const char *name;           /* Interface name. */
    const char *type;           /* Interface type, as its netdev says:
                                 * "system", "internal", "vxlan", ... */
    bool ids_unknown;           /* The external_ids below are not known
                                 * (the interface's database row is gone
                                 * while the port still exists): the port
                                 * keeps its identity if its name is the
                                 * same. */
    const char *iface_id;       /* external_ids:iface-id. */
    const char *vm_id;          /* external_ids:vm-id, else vm-uuid. */
    const char *attached_mac;   /* external_ids:attached-mac. */
};

/* Tunnel types, as OVS's own IPFIX exporter numbers them in VMware's
 * tunnelType element (enterprise 6876, element 891): Interface.type
 * "vxlan", "gre", "lisp", "stt" and "geneve".  Other ports (including
 * other tunnels: ERSPAN, ip6gre, ...) are FX_IF_TUNNEL_NONE, as in OVS. */
enum fx_if_tunnel {
    FX_IF_TUNNEL_NONE = 0x00,
    FX_IF_TUNNEL_VXLAN = 0x01,
    FX_IF_TUNNEL_GRE = 0x02,
    FX_IF_TUNNEL_LISP = 0x03,
    FX_IF_TUNNEL_STT = 0x04,
    FX_IF_TUNNEL_GENEVE = 0x07,
};

/* One port's identity, with the wire forms the encoders use.  Immutable.
 * A removed port's row ('removed') has empty strings and no identity. */
#define FX_IFACE_DESC_MAX 128   /* Bytes of 'desc' at most, NUL included. */
struct fx_iface {
    uint16_t port;              /* OpenFlow port number. */
    bool removed;               /* A row saying that 'port' is gone. */
    char *name;                 /* Interface name, "" if unknown. */
    char *type;                 /* Interface type, "" if unknown. */
    char *iface_id;             /* iface-id, "" if not set. */
    char *vm_id;                /* vm-id or vm-uuid, "" if not set. */
    struct eth_addr mac;        /* attached-mac, or all zeros. */
    uint8_t iface_uuid[16];     /* iface-id as a UUID, in network order, */
    bool has_iface_uuid;        /* if it is one. */
    uint8_t vm_uuid[16];        /* vm-id or vm-uuid as a UUID, */
    bool has_vm_uuid;           /* if it is one. */
    char *desc;                 /* "NAME (TYPE) iface-id=ID vm=VM", the
                                 * parts that are set, shorter than
                                 * FX_IFACE_DESC_MAX. */
    enum fx_if_tunnel tunnel;   /* Tunnel type of 'type'. */
    bool gre_like;              /* A GRE tunnel over IPv4 or IPv6 (types
                                 * "gre" and "ip6gre"): its key is a GRE
                                 * key. */
};

struct fx_iftable_stats {
    size_t n_ports;             /* Current ports. */
    size_t n_history;           /* Identities kept, replaced ones too. */
    uint64_t n_changes;         /* Times the current ports changed. */
    uint64_t n_lookups;         /* Identities looked up for records. */
    uint64_t n_misses;          /* ...that the table did not know. */
};

struct fx_iftable *fx_iftable_create(void);
void fx_iftable_destroy(struct fx_iftable *);

bool fx_iftable_set(struct fx_iftable *, const struct fx_port_info *,
                    size_t n, long long int now);
const uint16_t *fx_iftable_changed_ports(const struct fx_iftable *,
                                         size_t *n);
void fx_iftable_expire(struct fx_iftable *, long long int now,
                       long long int retention);
uint64_t fx_iftable_version(const struct fx_iftable *);

const struct fx_iface *const *fx_iftable_rows(const struct fx_iftable *,
                                              size_t *n);
const struct fx_iface *fx_iftable_lookup(struct fx_iftable *, uint16_t port,
                                         long long int when);

void fx_iftable_get_stats(const struct fx_iftable *,
                          struct fx_iftable_stats *);
void fx_iftable_format(const struct fx_iftable *, struct ds *);

enum fx_if_tunnel fx_if_tunnel_from_type(const char *type);

#endif /* fx-iftable.h */
