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

#ifndef FUZZ_UTIL_H
#define FUZZ_UTIL_H 1

/* Helpers shared by the fuzz targets. */

#include <errno.h>
#include <stdbool.h>
#include <string.h>
#include <unistd.h>
#include "openvswitch/vlog.h"
#include "util.h"

/* Returns true the first time it is called, having named the program
 * 'name' and turned its logging off: the target's first input, before
 * which it sets up what every input uses (libFuzzer runs a target in one
 * thread). */
static inline bool
fuzz_first_input(const char *name)
{
    static bool initialized;

    if (initialized) {
        return false;
    }
    initialized = true;
    set_program_name(name);
    vlog_set_levels(NULL, VLF_ANY_DESTINATION, VLL_OFF);
    return true;
}

/* For the targets that configure transports. */

/* Returns true if 'target' names a TCP, TLS or SCTP collector.  Opening one
 * may start a connection, which sends a packet: those are only parsed. */
static inline bool
is_stream_target(const char *target)
{
    return (!strncmp(target, "tcp:", 4) || !strncmp(target, "ssl:", 4)
            || !strncmp(target, "sctp:", 5));
}

/* Returns the lowest file descriptor number not in use. */
static inline int
lowest_free_fd(void)
{
    int fd = dup(STDERR_FILENO);

    if (fd < 0) {
        ovs_fatal(errno, "dup failed");
    }
    close(fd);
    return fd;
}

#endif /* fuzz-util.h */
