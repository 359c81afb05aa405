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

/* Flow selection: the sampling modes and the selection decision.  See
 * fx-selection.h. */

#include <config.h>
#include "fx-selection.h"

#include <string.h>
#include "fx-record.h"
#include "hash.h"
#include "jhash.h"
#include "ovs-thread.h"
#include "random.h"
#include "util.h"

static const char *const sampling_mode_names[FX_N_SAMPLING_MODES] = {
    [FX_SAMPLING_HASH] = "hash",
    [FX_SAMPLING_DETERMINISTIC] = "deterministic",
    [FX_SAMPLING_RANDOM] = "random",
};

/* IANA flowSelectorAlgorithm values (RFC 7014 section 7.1). */
static const uint16_t sampling_mode_ipfix[FX_N_SAMPLING_MODES] = {
    [FX_SAMPLING_HASH] = 6,             /* Hash-based Filtering using BOB. */
    [FX_SAMPLING_DETERMINISTIC] = 1,    /* Systematic count-based. */
    [FX_SAMPLING_RANDOM] = 4,           /* Uniform probabilistic. */
};

const char *
fx_sampling_mode_to_string(enum fx_sampling_mode mode)
{
    return mode < FX_N_SAMPLING_MODES ? sampling_mode_names[mode] : "unknown";
}

bool
fx_sampling_mode_from_string(const char *s, enum fx_sampling_mode *mode)
{
    for (size_t i = 0; i < FX_N_SAMPLING_MODES; i++) {
        if (!strcmp(s, sampling_mode_names[i])) {
            *mode = i;
            return true;
        }
    }
    return false;
}

uint16_t
fx_sampling_mode_to_ipfix(enum fx_sampling_mode mode)
{
    return mode < FX_N_SAMPLING_MODES ? sampling_mode_ipfix[mode] : 0;
}

uint32_t
fx_sampling_hash_max(uint32_t n)
{
    return n > 1 ? ((UINT64_C(1) << 32) / n) - 1 : UINT32_MAX;
}

/* The random basis of FX_SAMPLING_RANDOM, chosen once per process, so that
 * reconfiguration keeps the selection of flows already cached. */
static uint32_t
random_basis(void)
{
    static struct ovsthread_once once = OVSTHREAD_ONCE_INITIALIZER;
    static uint32_t basis;

    if (ovsthread_once_start(&once)) {
        basis = random_uint32();
        ovsthread_once_done(&once);
    }
    return basis;
}

/* Returns true if flow sampling of 1 in 'n' with 'mode' selects the flow
 * with 'key' (as the exporter sees it) and creation number 'serial'. */
bool
fx_selection_selects(uint32_t n, enum fx_sampling_mode mode,
                     const struct fx_key *key, uint32_t serial)
{
    if (n <= 1) {
        return true;
    }
    switch (mode) {
    case FX_SAMPLING_DETERMINISTIC:
        return serial % n == 0;
    case FX_SAMPLING_RANDOM:
        return hash_int(serial, random_basis()) % n == 0;
    case FX_SAMPLING_HASH:
    case FX_N_SAMPLING_MODES:
    default:
        return (jhash_bytes(key, sizeof *key, FX_SAMPLING_HASH_BASIS)
                <= fx_sampling_hash_max(n));
    }
}
