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

#ifndef FX_IDL_CHECK_H
#define FX_IDL_CHECK_H 1

/* Included after an OVS source file that we compile against flowexport's
 * merged schema: fails the compilation if that file saw OVS's own
 * lib/vswitch-idl.h (whose rows lack our columns, so bridge.c or ovs-vsctl
 * would read rows with the wrong layout) instead of ours. */

#include "lib/vswitch-idl.h"
#include "util.h"

BUILD_ASSERT_DECL(OVSREC_NETFLOW_COL_INACTIVE_TIMEOUT
                  < OVSREC_NETFLOW_N_COLUMNS);

#endif /* fx-idl-check.h */
