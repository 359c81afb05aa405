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

/* OVS's vswitchd/ovs-vswitchd.c, unmodified, with its calls into bridge.c
 * redirected to the flowexport plugin (see fx-plugin.h). */

#define bridge_init fx_plugin_bridge_init
#define bridge_run fx_plugin_bridge_run
#define bridge_wait fx_plugin_bridge_wait
#define bridge_exit fx_plugin_bridge_exit

#include "vswitchd/ovs-vswitchd.c"
#include "fx-idl-check.h"
