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

#ifndef FX_IDL_PACE_H
#define FX_IDL_PACE_H 1

/* Pacing of the plugin's own database connections (fx-ports.c,
 * fx-status.c), which fx-plugin.c runs together.
 *
 * ovsdb_idl_run() reads its socket, a recv() system call, whether or not
 * anything arrived, and ovs-vswitchd's main loop runs whenever any of its
 * file descriptors or timers wakes it: with the userspace datapath polling
 * its ports from the main thread, hundreds of times a second under
 * traffic.  Our connections carry only configuration and status, so while
 * the main loop is busy they run at most once every FX_IDL_PACE_MS; after
 * a quiet moment at once.  While deferred they wake the main loop when
 * their turn comes, not when their sockets are readable (that would spin
 * the loop): at most one extra wake-up per FX_IDL_PACE_MS, and none when
 * something else wakes the loop first.
 *
 * The pace follows the host's monotonic clock, not OVS's time_msec():
 * under "ovs-appctl time/stop" that stands still, and connections paced
 * by it would never run again.
 *
 * Main thread only. */

#include <stdbool.h>
#include <time.h>
#include "openvswitch/poll-loop.h"
#include "timeval.h"

#define FX_IDL_PACE_MS 50

struct fx_idl_pace {
    long long int last_run;     /* Host monotonic ms of the last run; 0 at
                                 * first (zero-initialized). */
    bool deferred;              /* A run was skipped since 'last_run'. */
};

static inline long long int
fx_idl_pace_now(void)
{
    struct timespec ts;

    xclock_gettime(CLOCK_MONOTONIC, &ts);
    return timespec_to_msec(&ts);
}

/* Returns true if the connections should run now, false if they ran less
 * than FX_IDL_PACE_MS ago (then fx_idl_pace_wait() arranges their turn). */
static inline bool
fx_idl_pace_run(struct fx_idl_pace *pace)
{
    long long int now = fx_idl_pace_now();

    if (now >= pace->last_run && now - pace->last_run < FX_IDL_PACE_MS) {
        pace->deferred = true;
        return false;
    }
    pace->last_run = now;
    pace->deferred = false;
    return true;
}

/* Returns true if the caller should wait for its connections as usual
 * (ovsdb_idl_wait()); otherwise their run is deferred and this wakes the
 * main loop when it is due. */
static inline bool
fx_idl_pace_wait(const struct fx_idl_pace *pace)
{
    if (pace->deferred) {
        long long int left = pace->last_run + FX_IDL_PACE_MS
                             - fx_idl_pace_now();

        poll_timer_wait(left > 0 ? left : 0);
        return false;
    }
    return true;
}

#endif /* fx-idl-pace.h */
