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

#ifndef FX_SELECTION_H
#define FX_SELECTION_H 1

/* Flow selection (flow sampling, RFC 7014): which flows an exporter
 * exports, and the totals it signals in the sampling options record.
 *
 * The exporter owns the policy: it decides for each record with
 * fx_selection_selects() and keeps the totals, which its encoders read
 * (see struct fx_encoder's 'selection').  Everything here is stateless
 * (apart from the process-wide random basis, set once) and may be called
 * from any thread. */

#include <stdbool.h>
#include <stdint.h>

struct fx_key;

/* How flow sampling (RFC 7014 flow selection) picks 1 flow in N.  Every
 * record of a flow is selected, or none: the decision depends only on what
 * all of them share. */
enum fx_sampling_mode {
    FX_SAMPLING_HASH,           /* A hash of the flow key falls in the
                                 * lowest 1/N of its range: "Hash-based
                                 * Filtering using BOB" (Bob Jenkins'
                                 * lookup3, OVS's jhash). */
    FX_SAMPLING_DETERMINISTIC,  /* Every Nth flow the cache creates:
                                 * "Systematic count-based Sampling". */
    FX_SAMPLING_RANDOM,         /* Each flow with probability 1/N, from a
                                 * hash of its creation number with a random
                                 * basis chosen at startup: "Uniform
                                 * probabilistic Sampling". */
    FX_N_SAMPLING_MODES
};

const char *fx_sampling_mode_to_string(enum fx_sampling_mode);
bool fx_sampling_mode_from_string(const char *, enum fx_sampling_mode *);
uint16_t fx_sampling_mode_to_ipfix(enum fx_sampling_mode);

/* Hash-based selection: the hash basis, and the largest selected hash
 * value for 1 in 'n' (the selected range is 0 to that value, out of 0 to
 * UINT32_MAX). */
#define FX_SAMPLING_HASH_BASIS 0x5eed
uint32_t fx_sampling_hash_max(uint32_t n);

/* Flows a selector saw (their first records) and those it selected. */
struct fx_selection_totals {
    uint64_t flows_observed;    /* Flows seen (their first records). */
    uint64_t flows_selected;    /* Those that flow sampling selected. */
};

bool fx_selection_selects(uint32_t n, enum fx_sampling_mode,
                          const struct fx_key *, uint32_t serial);

#endif /* fx-selection.h */
