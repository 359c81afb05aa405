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

#ifndef BENCH_UTIL_H
#define BENCH_UTIL_H 1

/* Helpers shared by the benchmark programs: a monotonic nanosecond clock
 * and a small, fast, seedable pseudo-random generator. */

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <time.h>
#include "timeval.h"
#include "util.h"

static inline long long int
now_ns(void)
{
    struct timespec ts;

    xclock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* SplitMix64: each call advances '*state' and returns the next value. */
static inline uint64_t
splitmix64(uint64_t *state)
{
    uint64_t z = (*state += UINT64_C(0x9e3779b97f4a7c15));

    z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
    return z ^ (z >> 31);
}

/* Parses the value 's' of option --'name' as a number from 'min' to 'max',
 * or exits with a message. */
static inline unsigned long long int
parse_number(const char *name, const char *s, unsigned long long int min,
             unsigned long long int max)
{
    char *end;
    unsigned long long int x;

    errno = 0;
    x = strtoull(s, &end, 10);
    if (errno || end == s || *end || x < min || x > max) {
        ovs_fatal(0, "--%s: expected a number from %llu to %llu", name,
                  min, max);
    }
    return x;
}

/* Parses the value of --seconds, or exits with a message. */
static inline double
parse_seconds(const char *s)
{
    double seconds = atof(s);

    if (!(seconds > 0 && seconds <= 3600)) {
        ovs_fatal(0, "--seconds: expected 0 < S <= 3600");
    }
    return seconds;
}

#endif /* bench-util.h */
