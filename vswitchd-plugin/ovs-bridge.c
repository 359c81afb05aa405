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

/* OVS's vswitchd/bridge.c, unmodified, with its NetFlow and IPFIX
 * configuration and IDL creation redirected to the flowexport plugin (see
 * fx-plugin.h).  It is compiled against flowexport's merged-schema IDL,
 * which comes first on the include path. */

#define ofproto_set_netflow fx_plugin_ofproto_set_netflow
#define ofproto_set_ipfix fx_plugin_ofproto_set_ipfix
#define ofproto_destroy fx_plugin_ofproto_destroy
#define ovsdb_idl_create fx_plugin_ovsdb_idl_create

#include "vswitchd/bridge.c"
#include "fx-idl-check.h"
