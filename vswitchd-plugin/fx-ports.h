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

#ifndef FX_PORTS_H
#define FX_PORTS_H 1

/* The ports of bridges with flow export, for their interface tables.  See
 * fx-ports.c. */

void fx_ports_init(const char *remote);
void fx_ports_refresh(const char *bridge_name);
void fx_ports_refresh_patches(void);
void fx_ports_run(void);
void fx_ports_wait(void);
void fx_ports_destroy(void);

#endif /* fx-ports.h */
