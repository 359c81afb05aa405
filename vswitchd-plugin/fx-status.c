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

/* The "status" column of NetFlow and IPFIX rows: how flowexport applied each
 * row ("state" = "ok" or "error", with "error" saying why).
 *
 * bridge.c owns its IDL's transactions (it keeps some open across main loop
 * iterations), so status is written over a second, small database
 * connection that monitors nothing but the status columns.  Callers say
 * what each row's status should be; fx_status_run() writes whatever
 * differs, retrying until the database has it. */

#include <config.h>
#include "fx-status.h"

#include "fx-plugin.h"
#include "hash.h"
#include "lib/vswitch-idl.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/hmap.h"
#include "openvswitch/vlog.h"
#include "ovsdb-idl.h"
#include "smap.h"
#include "util.h"
#include "uuid.h"

VLOG_DEFINE_THIS_MODULE(fx_status);

struct fx_status {
    struct hmap_node node;      /* In 'statuses', by hash of 'uuid'. */
    struct uuid uuid;           /* Row. */
    bool is_ipfix;              /* Row is in IPFIX (else NetFlow). */
    char *bridge;               /* Bridge that uses the row. */
    struct smap status;         /* What the status column should say. */
};

static struct hmap statuses = HMAP_INITIALIZER(&statuses);
static struct ovsdb_idl *status_idl;
static struct ovsdb_idl_txn *status_txn;
static bool status_dirty;
static unsigned int status_idl_seqno;

void
fx_status_init(const char *remote)
{
    status_idl = ovsdb_idl_create(remote, &ovsrec_idl_class, false, true);
    ovsdb_idl_add_table(status_idl, &ovsrec_table_netflow);
    ovsdb_idl_add_column(status_idl, &ovsrec_netflow_col_status);
    ovsdb_idl_add_table(status_idl, &ovsrec_table_ipfix);
    ovsdb_idl_add_column(status_idl, &ovsrec_ipfix_col_status);
}

/* Keeps bridge.c's IDL from monitoring the status columns it never reads
 * (our own writes would otherwise wake up its reconfiguration). */
void
fx_status_omit_columns(struct ovsdb_idl *idl)
{
    ovsdb_idl_omit(idl, &ovsrec_netflow_col_status);
    ovsdb_idl_omit(idl, &ovsrec_ipfix_col_status);
}

static struct fx_status *
fx_status_find(const struct uuid *uuid)
{
    struct fx_status *st;

    HMAP_FOR_EACH_WITH_HASH (st, node, uuid_hash(uuid), &statuses) {
        if (uuid_equals(&st->uuid, uuid)) {
            return st;
        }
    }
    return NULL;
}

/* Sets what the status column of row 'uuid' (in IPFIX if 'is_ipfix', else
 * in NetFlow), used by 'bridge', should say.  Returns true if that
 * changed. */
bool
fx_status_set(const struct uuid *uuid, bool is_ipfix, const char *bridge,
              const struct smap *status)
{
    struct fx_status *st = fx_status_find(uuid);

    if (st && smap_equal(&st->status, status)
        && !strcmp(st->bridge, bridge)) {
        return false;
    }
    if (!st) {
        st = xzalloc(sizeof *st);
        st->uuid = *uuid;
        st->is_ipfix = is_ipfix;
        smap_init(&st->status);
        hmap_insert(&statuses, &st->node, uuid_hash(uuid));
    } else {
        free(st->bridge);
        smap_destroy(&st->status);
    }
    st->bridge = xstrdup(bridge);
    smap_clone(&st->status, status);
    status_dirty = true;
    return true;
}

/* Appends a line for each row of 'bridge' whose status is an error. */
void
fx_status_format_errors(const char *bridge, struct ds *s)
{
    const struct fx_status *st;

    HMAP_FOR_EACH (st, node, &statuses) {
        const char *error = smap_get(&st->status, "error");

        if (error && !strcmp(st->bridge, bridge)) {
            ds_put_format(s, "  configuration error: %s "UUID_FMT": %s\n",
                          st->is_ipfix ? "IPFIX" : "NetFlow",
                          UUID_ARGS(&st->uuid), error);
        }
    }
}

/* Appends to 's' the number of rows of 'bridge' that have a configuration
 * error, as a flowexport/counters line. */
void
fx_status_format_counters(const char *bridge, struct ds *s)
{
    const struct fx_status *st;
    uint64_t n = 0;

    HMAP_FOR_EACH (st, node, &statuses) {
        if (smap_get(&st->status, "error") && !strcmp(st->bridge, bridge)) {
            n++;
        }
    }
    ds_put_format(s, "config_errors %"PRIu64"\n", n);
}

static void
fx_status_destroy__(struct fx_status *st)
{
    hmap_remove(&statuses, &st->node);
    free(st->bridge);
    smap_destroy(&st->status);
    free(st);
}

/* Forgets rows that are gone from bridge.c's view of the database. */
static void
fx_status_prune(void)
{
    struct ovsdb_idl *idl = fx_plugin_idl();
    struct fx_status *st;

    HMAP_FOR_EACH_SAFE (st, node, &statuses) {
        bool exists = (st->is_ipfix
                       ? ovsrec_ipfix_get_for_uuid(idl, &st->uuid) != NULL
                       : ovsrec_netflow_get_for_uuid(idl, &st->uuid) != NULL);
        if (!exists) {
            fx_status_destroy__(st);
        }
    }
}

void
fx_status_run(void)
{
    if (!status_idl) {
        return;
    }
    ovsdb_idl_run(status_idl);
    if (fx_plugin_idl()) {
        fx_status_prune();
    }

    /* Whenever the database changes (e.g. after ovsdb-server restarted and
     * forgot the ephemeral status columns), check every row again. */
    unsigned int seqno = ovsdb_idl_get_seqno(status_idl);
    if (seqno != status_idl_seqno) {
        status_idl_seqno = seqno;
        status_dirty = true;
    }

    if (status_txn) {
        enum ovsdb_idl_txn_status result = ovsdb_idl_txn_commit(status_txn);
        if (result == TXN_INCOMPLETE) {
            return;
        }
        if (result != TXN_SUCCESS && result != TXN_UNCHANGED) {
            status_dirty = true;
        }
        ovsdb_idl_txn_destroy(status_txn);
        status_txn = NULL;
    }

    if (!status_dirty || !ovsdb_idl_has_ever_connected(status_idl)) {
        return;
    }
    status_dirty = false;
    status_txn = ovsdb_idl_txn_create(status_idl);

    const struct fx_status *st;
    HMAP_FOR_EACH (st, node, &statuses) {
        if (st->is_ipfix) {
            const struct ovsrec_ipfix *row
                = ovsrec_ipfix_get_for_uuid(status_idl, &st->uuid);
            if (!row) {
                status_dirty = true;    /* Not seen yet: try again. */
            } else if (!smap_equal(&row->status, &st->status)) {
                ovsrec_ipfix_set_status(row, &st->status);
            }
        } else {
            const struct ovsrec_netflow *row
                = ovsrec_netflow_get_for_uuid(status_idl, &st->uuid);
            if (!row) {
                status_dirty = true;
            } else if (!smap_equal(&row->status, &st->status)) {
                ovsrec_netflow_set_status(row, &st->status);
            }
        }
    }
    ovsdb_idl_txn_commit(status_txn);
}

void
fx_status_wait(void)
{
    if (status_idl) {
        ovsdb_idl_wait(status_idl);
        if (status_txn) {
            ovsdb_idl_txn_wait(status_txn);
        }
    }
}

void
fx_status_destroy(void)
{
    struct fx_status *st;

    HMAP_FOR_EACH_SAFE (st, node, &statuses) {
        fx_status_destroy__(st);
    }
    /* Unlike most OVS destructors, ovsdb_idl_txn_destroy() does not accept
     * NULL, and there is no transaction between two updates. */
    if (status_txn) {
        ovsdb_idl_txn_destroy(status_txn);
        status_txn = NULL;
    }
    ovsdb_idl_destroy(status_idl);
    status_idl = NULL;
}
