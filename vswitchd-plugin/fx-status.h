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

#ifndef FX_STATUS_H
#define FX_STATUS_H 1

/* The status column of NetFlow and IPFIX rows.  See fx-status.c. */

#include <stdbool.h>

struct ds;
struct ovsdb_idl;
struct smap;
struct uuid;

void fx_status_init(const char *remote);
void fx_status_omit_columns(struct ovsdb_idl *);
bool fx_status_set(const struct uuid *, bool is_ipfix, const char *bridge,
                   const struct smap *);
void fx_status_format_errors(const char *bridge, struct ds *);
void fx_status_format_counters(const char *bridge, struct ds *);
void fx_status_run(void);
void fx_status_wait(void);
void fx_status_destroy(void);

#endif /* fx-status.h */
