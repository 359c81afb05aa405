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

/* The interface table of a bridge: each port's identity, and the
 * identities it had before.  See fx-iftable.h.
 *
 * Every identity a port has had is an entry with the time span it was
 * valid, kept in one array sorted by port, then by start.  A bridge has
 * few ports and they rarely change, so the array is rebuilt rather than
 * maintained in place. */

#include <config.h>
#include "fx-iftable.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include "byte-order.h"
#include "openvswitch/dynamic-string.h"
#include "util.h"
#include "uuid.h"

/* One identity of a port, valid from 'since' until 'until' (exclusive;
 * LLONG_MAX while it is the port's current identity). */
struct fx_iftable_entry {
    struct fx_iface *iface;
    long long int since;
    long long int until;
};

struct fx_iftable {
    struct fx_iftable_entry *entries;   /* By port, then by 'since'. */
    size_t n_entries;
    size_t allocated_entries;

    /* The rows of the interface table options records: current ports and
     * rows for ports removed that 'entries' still remembers.  The rows of
     * removed ports are owned by 'tombstones'. */
    const struct fx_iface **rows;
    size_t n_rows;
    struct fx_iface **tombstones;
    size_t n_tombstones;

    uint16_t *changed;                  /* Ports whose identity the last */
    size_t n_changed;                   /* fx_iftable_set() ended. */
    size_t allocated_changed;

    uint64_t version;                   /* Changes with the current ports. */
    struct fx_iftable_stats stats;
};

enum fx_if_tunnel
fx_if_tunnel_from_type(const char *type)
{
    static const struct {
        const char *type;
        enum fx_if_tunnel tunnel;
    } types[] = {
        { "vxlan", FX_IF_TUNNEL_VXLAN },
        { "gre", FX_IF_TUNNEL_GRE },
        { "lisp", FX_IF_TUNNEL_LISP },
        { "stt", FX_IF_TUNNEL_STT },
        { "geneve", FX_IF_TUNNEL_GENEVE },
    };

    for (size_t i = 0; type && i < ARRAY_SIZE(types); i++) {
        if (!strcmp(type, types[i].type)) {
            return types[i].tunnel;
        }
    }
    return FX_IF_TUNNEL_NONE;
}

/* Stores the 16 bytes of the UUID in 's' into 'bytes', in the order of its
 * text form (RFC 4122), and returns true, if 's' is a UUID. */
static bool
uuid_bytes_from_string(const char *s, uint8_t bytes[16])
{
    struct uuid uuid;

    if (!s || !uuid_from_string(&uuid, s)) {
        return false;
    }
    for (size_t i = 0; i < 4; i++) {
        ovs_be32 part = htonl(uuid.parts[i]);

        memcpy(&bytes[4 * i], &part, sizeof part);
    }
    return true;
}

/* Truncates 's' to at most 'max' bytes without cutting a UTF-8 character
 * in two. */
static void
truncate_utf8(struct ds *s, size_t max)
{
    if (s->length > max) {
        size_t n = max;

        /* Back off over continuation bytes (top bits 10) to the start of the
         * character that did not fit. */
        while (n > 0 && ((uint8_t) s->string[n] & 0xc0) == 0x80) {
            n--;
        }
        ds_truncate(s, n);
    }
}

static struct fx_iface *
fx_iface_create(const struct fx_port_info *info)
{
    struct fx_iface *iface = xzalloc(sizeof *iface);

    iface->port = info->port;
    iface->name = xstrdup(info->name ? info->name : "");
    iface->type = xstrdup(info->type ? info->type : "");
    iface->iface_id = xstrdup(info->iface_id ? info->iface_id : "");
    iface->vm_id = xstrdup(info->vm_id ? info->vm_id : "");
    if (!info->attached_mac
        || !eth_addr_from_string(info->attached_mac, &iface->mac)) {
        iface->mac = eth_addr_zero;
    }
    iface->has_iface_uuid = uuid_bytes_from_string(info->iface_id,
                                                   iface->iface_uuid);
    iface->has_vm_uuid = uuid_bytes_from_string(info->vm_id, iface->vm_uuid);
    iface->tunnel = fx_if_tunnel_from_type(info->type);
    iface->gre_like = (info->type && (!strcmp(info->type, "gre")
                                      || !strcmp(info->type, "ip6gre")));

    struct ds desc = DS_EMPTY_INITIALIZER;
    ds_put_cstr(&desc, iface->name);
    if (iface->type[0]) {
        ds_put_format(&desc, " (%s)", iface->type);
    }
    if (iface->iface_id[0]) {
        ds_put_format(&desc, " iface-id=%s", iface->iface_id);
    }
    if (iface->vm_id[0]) {
        ds_put_format(&desc, " vm=%s", iface->vm_id);
    }
    truncate_utf8(&desc, FX_IFACE_DESC_MAX - 1);
    iface->desc = ds_steal_cstr(&desc);
    return iface;
}

/* A row that says that 'port' has no interface any more. */
static struct fx_iface *
fx_iface_create_removed(uint16_t port)
{
    struct fx_port_info info = { .port = port };
    struct fx_iface *iface = fx_iface_create(&info);

    iface->removed = true;
    return iface;
}

static void
fx_iface_destroy(struct fx_iface *iface)
{
    if (iface) {
        free(iface->name);
        free(iface->type);
        free(iface->iface_id);
        free(iface->vm_id);
        free(iface->desc);
        free(iface);
    }
}

/* Does 'iface' say what 'info' says?  (Everything else derives from
 * these.) */
static bool
fx_iface_matches(const struct fx_iface *iface,
                 const struct fx_port_info *info)
{
    struct eth_addr mac = eth_addr_zero;

    if (info->attached_mac) {
        eth_addr_from_string(info->attached_mac, &mac);
    }
    return (iface->port == info->port
            && !strcmp(iface->name, info->name ? info->name : "")
            && !strcmp(iface->type, info->type ? info->type : "")
            && !strcmp(iface->iface_id, info->iface_id ? info->iface_id : "")
            && !strcmp(iface->vm_id, info->vm_id ? info->vm_id : "")
            && eth_addr_equals(iface->mac, mac));
}

struct fx_iftable *
fx_iftable_create(void)
{
    return xzalloc(sizeof(struct fx_iftable));
}

static void
free_tombstones(struct fx_iftable *t)
{
    for (size_t i = 0; i < t->n_tombstones; i++) {
        fx_iface_destroy(t->tombstones[i]);
    }
    free(t->tombstones);
    t->tombstones = NULL;
    t->n_tombstones = 0;
}

void
fx_iftable_destroy(struct fx_iftable *t)
{
    if (t) {
        for (size_t i = 0; i < t->n_entries; i++) {
            fx_iface_destroy(t->entries[i].iface);
        }
        free(t->entries);
        free(t->rows);
        free(t->changed);
        free_tombstones(t);
        free(t);
    }
}

static int
compare_entries(const void *a_, const void *b_)
{
    const struct fx_iftable_entry *a = a_;
    const struct fx_iftable_entry *b = b_;

    if (a->iface->port != b->iface->port) {
        return a->iface->port < b->iface->port ? -1 : 1;
    }
    return a->since < b->since ? -1 : a->since > b->since;
}

static int
compare_infos(const void *a_, const void *b_)
{
    const struct fx_port_info *a = a_;
    const struct fx_port_info *b = b_;

    return a->port < b->port ? -1 : a->port > b->port;
}

/* Ends entry 'e', the current identity of its port, at 'now'. */
static void
end_entry(struct fx_iftable *t, struct fx_iftable_entry *e, long long int now)
{
    e->until = now;
    if (t->n_changed >= t->allocated_changed) {
        t->changed = x2nrealloc(t->changed, &t->allocated_changed,
                                sizeof *t->changed);
    }
    t->changed[t->n_changed++] = e->iface->port;
}

static void
add_entry(struct fx_iftable *t, struct fx_iface *iface, long long int now)
{
    if (t->n_entries >= t->allocated_entries) {
        t->entries = x2nrealloc(t->entries, &t->allocated_entries,
                                sizeof *t->entries);
    }
    t->entries[t->n_entries++] = (struct fx_iftable_entry) {
        .iface = iface,
        .since = now,
        .until = LLONG_MAX,
    };
}

/* Rebuilds the rows of the options records from 'entries': for each port,
 * its current identity, or a row saying that it is gone if it has none
 * (its last identity ended). */
static void
rebuild_rows(struct fx_iftable *t)
{
    free_tombstones(t);
    free(t->rows);
    t->rows = xmalloc(MAX(t->n_entries, 1) * sizeof *t->rows);
    t->tombstones = xmalloc(MAX(t->n_entries, 1) * sizeof *t->tombstones);
    t->n_rows = 0;
    t->stats.n_ports = 0;

    for (size_t i = 0; i < t->n_entries; i++) {
        const struct fx_iftable_entry *e = &t->entries[i];
        bool last_of_port = (i + 1 == t->n_entries
                             || t->entries[i + 1].iface->port
                                != e->iface->port);

        if (!last_of_port) {
            continue;
        }
        if (e->until == LLONG_MAX) {
            t->rows[t->n_rows++] = e->iface;
            t->stats.n_ports++;
        } else {
            struct fx_iface *gone = fx_iface_create_removed(e->iface->port);

            t->tombstones[t->n_tombstones++] = gone;
            t->rows[t->n_rows++] = gone;
        }
    }
    t->stats.n_history = t->n_entries;
}

/* Makes the 'n' ports in 'infos' the current ports of 't', as of 'now'.
 * A port whose identity changed (or that disappeared) keeps its old
 * identity for records of traffic before 'now'.  Returns true if anything
 * changed. */
bool
fx_iftable_set(struct fx_iftable *t, const struct fx_port_info *infos_,
               size_t n, long long int now)
{
    struct fx_port_info *infos = xmemdup(infos_, MAX(n, 1) * sizeof *infos);
    size_t n_entries = t->n_entries;
    bool changed = false;
    size_t j = 0;

    t->n_changed = 0;
    qsort(infos, n, sizeof *infos, compare_infos);

    /* A port number names one interface: ignore duplicates. */
    size_t n_unique = 0;
    for (size_t i = 0; i < n; i++) {
        if (!n_unique || infos[i].port != infos[n_unique - 1].port) {
            infos[n_unique++] = infos[i];
        }
    }
    n = n_unique;

    /* Both are sorted by port: walk them together.  The current identity
     * of a port is its last entry, if it has not ended. */
    for (size_t i = 0; i < n_entries; i++) {
        struct fx_iftable_entry *e = &t->entries[i];
        uint16_t port = e->iface->port;

        if (e->until != LLONG_MAX) {
            continue;
        }

        /* New ports before this one. */
        for (; j < n && infos[j].port < port; j++) {
            add_entry(t, fx_iface_create(&infos[j]), now);
            changed = true;
            e = &t->entries[i];
        }
        if (j < n && infos[j].port == port) {
            if (infos[j].ids_unknown
                && !strcmp(e->iface->name, infos[j].name ? infos[j].name
                                                         : "")) {
                /* The same interface, whose identity we cannot read right
                 * now: it keeps the one it has. */
                j++;
                continue;
            }
            if (!fx_iface_matches(e->iface, &infos[j])) {
                end_entry(t, e, now);
                add_entry(t, fx_iface_create(&infos[j]), now);
                changed = true;
            }
            j++;
        } else {
            end_entry(t, e, now);       /* The port is gone. */
            changed = true;
        }
    }
    for (; j < n; j++) {
        add_entry(t, fx_iface_create(&infos[j]), now);
        changed = true;
    }
    free(infos);

    if (changed) {
        qsort(t->entries, t->n_entries, sizeof *t->entries, compare_entries);
        t->version++;
        t->stats.n_changes++;
        rebuild_rows(t);
    }
    return changed;
}

/* Returns the ports whose identity the last fx_iftable_set() ended: ports
 * removed, or whose interface or identity changed. */
const uint16_t *
fx_iftable_changed_ports(const struct fx_iftable *t, size_t *n)
{
    *n = t->n_changed;
    return t->changed;
}

/* Forgets identities that ended more than 'retention' ms before 'now':
 * no record can need them any more.  The rows saying that a port is gone
 * go with them. */
void
fx_iftable_expire(struct fx_iftable *t, long long int now,
                  long long int retention)
{
    size_t n = 0;

    for (size_t i = 0; i < t->n_entries; i++) {
        struct fx_iftable_entry *e = &t->entries[i];

        if (e->until != LLONG_MAX && now - e->until > retention) {
            fx_iface_destroy(e->iface);
        } else {
            t->entries[n++] = *e;
        }
    }
    if (n != t->n_entries) {
        t->n_entries = n;
        rebuild_rows(t);
    }
}

/* A number that changes whenever the current ports change. */
uint64_t
fx_iftable_version(const struct fx_iftable *t)
{
    return t->version;
}

/* Returns the rows of the interface table options records, by port: the
 * current ports, and for each port removed recently (and not replaced) a
 * row with 'removed' set.  Valid until the next fx_iftable_set() or
 * fx_iftable_expire(). */
const struct fx_iface *const *
fx_iftable_rows(const struct fx_iftable *t, size_t *n)
{
    *n = t->n_rows;
    return t->rows;
}

/* Returns the identity that 'port' had at 'when' (a record's last packet),
 * or NULL if the table never knew the port.  If 'when' falls before the
 * port's first identity or between two of them, the next one is taken:
 * the table learns of a port only after the datapath may have used it.
 * After its last identity ended (the port was deleted), the last one.
 * Valid until the next fx_iftable_set() or fx_iftable_expire(). */
const struct fx_iface *
fx_iftable_lookup(struct fx_iftable *t, uint16_t port, long long int when)
{
    size_t lo = 0, hi = t->n_entries;

    t->stats.n_lookups++;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;

        if (t->entries[mid].iface->port < port) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }

    const struct fx_iftable_entry *found = NULL;
    for (size_t i = lo; i < t->n_entries; i++) {
        const struct fx_iftable_entry *e = &t->entries[i];

        if (e->iface->port != port) {
            break;
        }
        found = e;
        if (when < e->until) {
            break;
        }
    }
    if (!found) {
        t->stats.n_misses++;
        return NULL;
    }
    return found->iface;
}

void
fx_iftable_get_stats(const struct fx_iftable *t,
                     struct fx_iftable_stats *stats)
{
    *stats = t->stats;
}

/* Appends one line per row of the interface table to 's', indented. */
void
fx_iftable_format(const struct fx_iftable *t, struct ds *s)
{
    for (size_t i = 0; i < t->n_rows; i++) {
        const struct fx_iface *iface = t->rows[i];

        ds_put_format(s, "    port %"PRIu16": ", iface->port);
        if (iface->removed) {
            ds_put_cstr(s, "removed\n");
            continue;
        }
        ds_put_format(s, "name=%s type=%s", iface->name, iface->type);
        if (iface->iface_id[0]) {
            ds_put_format(s, " iface-id=%s", iface->iface_id);
        }
        if (iface->vm_id[0]) {
            ds_put_format(s, " vm=%s", iface->vm_id);
        }
        if (!eth_addr_is_zero(iface->mac)) {
            ds_put_format(s, " attached-mac="ETH_ADDR_FMT,
                          ETH_ADDR_ARGS(iface->mac));
        }
        ds_put_char(s, '\n');
    }
}
