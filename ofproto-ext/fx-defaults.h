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

#ifndef FX_DEFAULTS_H
#define FX_DEFAULTS_H 1

/* Defaults of flowexport's settings, in one place: what an empty column of
 * the NetFlow or IPFIX table means (fx-config.c), what a flow cache uses
 * before an exporter configures it (fx-cache.c, fx-tap.c) and what an
 * encoder starts with (fx-encoder.c).  ovsdb-schema/flowexport.xml
 * documents the same values. */

/* Active timeout of NetFlow rows (OVS's NF_ACTIVE_TIMEOUT_DEFAULT, which
 * fx-tap.c checks) and of IPFIX rows (OVS's IPFIX default). */
#define FX_DEFAULT_NETFLOW_ACTIVE_TIMEOUT_S 600
#define FX_DEFAULT_IPFIX_ACTIVE_TIMEOUT_S 60

/* Inactive timeout (softflowd's and ipt-netflow's default). */
#define FX_DEFAULT_INACTIVE_TIMEOUT_S 15

/* Flows a cache holds before it evicts. */
#define FX_DEFAULT_MAX_FLOWS 1000000

/* Encoders: message size, and how often templates are sent again. */
#define FX_DEFAULT_MTU 1400
#define FX_DEFAULT_TEMPLATE_REFRESH_MS 10000
#define FX_DEFAULT_TEMPLATE_REFRESH_MSGS 20

#endif /* fx-defaults.h */
