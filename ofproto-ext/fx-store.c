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

/* Slab arenas and an open-addressing hash table.  See fx-store.h for the
 * contract. */

#include <config.h>
#include "fx-store.h"

#include <string.h>
#include "util.h"

/* Arenas. */

static struct fx_store_entry *
arena_entry(const struct fx_store_arena *arena, unsigned int class,
            uint32_t index)
{
    return ALIGNED_CAST(struct fx_store_entry *,
                        arena->slabs[index >> FX_STORE_SLAB_SHIFT]
                        + (index & (FX_STORE_SLAB - 1)) * class * 8);
}

static size_t
arena_memory(const struct fx_store_arena *arena, unsigned int class)
{
    return ((size_t) arena->capacity * class * 8
            + arena->allocated_slabs * sizeof *arena->slabs);
}

static void
arena_destroy(struct fx_store_arena *arena)
{
    for (uint32_t i = 0; i < arena->n_slabs; i++) {
        free_cacheline(arena->slabs[i]);
    }
    free(arena->slabs);
    memset(arena, 0, sizeof *arena);
    arena->free_head = FX_STORE_NO_ENTRY;
}

/* Makes room in 'arena' for one more entry: a larger first slab while it
 * is not full size, otherwise one more slab.  Moving the first slab is
 * safe because entries are named by index, never by a pointer kept across
 * arena_alloc(). */
static void
arena_grow(struct fx_store_arena *arena, unsigned int class)
{
    size_t entry_size = class * 8;

    if (arena->capacity && arena->capacity < FX_STORE_SLAB) {
        uint8_t *bigger = xmalloc_cacheline(2 * arena->capacity * entry_size);

        memcpy(bigger, arena->slabs[0], arena->capacity * entry_size);
        free_cacheline(arena->slabs[0]);
        arena->slabs[0] = bigger;
        arena->capacity *= 2;
        return;
    }

    uint32_t entries = arena->n_slabs ? FX_STORE_SLAB : FX_STORE_SLAB_MIN;
    if (arena->n_slabs == arena->allocated_slabs) {
        arena->slabs = x2nrealloc(arena->slabs, &arena->allocated_slabs,
                                  sizeof *arena->slabs);
    }
    arena->slabs[arena->n_slabs++] = xmalloc_cacheline(entries * entry_size);
    arena->capacity += entries;
}

/* Returns the index of a new live entry in 'arena', the most recently freed
 * one if there is one. */
static uint32_t
arena_alloc(struct fx_store_arena *arena, unsigned int class)
{
    uint32_t index = arena->free_head;

    if (index != FX_STORE_NO_ENTRY) {
        arena->free_head = arena_entry(arena, class, index)->link;
    } else {
        index = arena->n_used++;
        /* 2**27 entries of one size in one shard: 9 GB of IPv4 flows. */
        ovs_assert(index <= FX_STORE_INDEX_MASK);
        if (index == arena->capacity) {
            arena_grow(arena, class);
        }
    }
    arena_entry(arena, class, index)->flags = FX_STORE_LIVE;
    arena->n_live++;
    return index;
}

static void
arena_free(struct fx_store_arena *arena, unsigned int class, uint32_t index)
{
    if (!--arena->n_live) {
        arena_destroy(arena);
    } else {
        struct fx_store_entry *entry = arena_entry(arena, class, index);

        entry->flags = 0;
        entry->link = arena->free_head;
        arena->free_head = index;
    }
}

/* Hash tables. */

static void
table_init(struct fx_store_table *table, uint32_t n_slots)
{
    table->slots = xcalloc(n_slots, sizeof *table->slots);
    table->mask = n_slots - 1;
    table->n = 0;
}

/* Inserts 'hash', 'ref' into 'table', which has room for it. */
static void
table_put(struct fx_store_table *table, uint32_t hash, uint32_t ref)
{
    uint32_t i = hash & table->mask;

    while (table->slots[i].ref) {
        i = (i + 1) & table->mask;
    }
    table->slots[i] = (struct fx_store_slot) { hash, ref };
    table->n++;
}

static void
table_resize(struct fx_store_table *table, uint32_t n_slots)
{
    struct fx_store_table old = *table;

    table_init(table, n_slots);
    for (uint32_t i = 0; i <= old.mask; i++) {
        if (old.slots[i].ref) {
            table_put(table, old.slots[i].hash, old.slots[i].ref);
        }
    }
    free(old.slots);
}

/* Empties slot 'i' of 'table', moving later slots of the same probe
 * sequence back so that linear probing needs no tombstones. */
static void
table_remove_at(struct fx_store_table *table, uint32_t i)
{
    for (uint32_t j = (i + 1) & table->mask; table->slots[j].ref;
         j = (j + 1) & table->mask) {
        uint32_t home = table->slots[j].hash & table->mask;

        if (((j - home) & table->mask) >= ((j - i) & table->mask)) {
            table->slots[i] = table->slots[j];
            i = j;
        }
    }
    table->slots[i] = (struct fx_store_slot) { 0, 0 };
    table->n--;
}

/* Returns the slot of 'table' that holds 'ref', whose hash is 'hash'. */
static uint32_t
table_find_ref(const struct fx_store_table *table, uint32_t hash,
               uint32_t ref)
{
    uint32_t i = hash & table->mask;

    while (table->slots[i].ref != ref) {
        ovs_assert(table->slots[i].ref);
        i = (i + 1) & table->mask;
    }
    return i;
}

/* Stores. */

/* Initializes 'store' empty. */
void
fx_store_init(struct fx_store *store)
{
    table_init(&store->table, FX_STORE_TABLE_MIN);
    for (unsigned int c = 0; c < FX_STORE_N_CLASSES; c++) {
        memset(&store->arenas[c], 0, sizeof store->arenas[c]);
        arena_destroy(&store->arenas[c]);
    }
}

/* Frees everything 'store' holds.  It must be initialized again before any
 * other use. */
void
fx_store_destroy(struct fx_store *store)
{
    for (unsigned int c = 0; c < FX_STORE_N_CLASSES; c++) {
        arena_destroy(&store->arenas[c]);
    }
    free(store->table.slots);
    store->table.slots = NULL;
}

/* Removes every entry of 'store' and gives back its memory, down to
 * FX_STORE_EMPTY_MEMORY.  Every reference and pointer becomes invalid. */
void
fx_store_clear(struct fx_store *store)
{
    fx_store_destroy(store);
    table_init(&store->table, FX_STORE_TABLE_MIN);
}

/* Adds a live entry of size class 'class' (in [1, FX_STORE_N_CLASSES)) with
 * 'hash' to 'store' and returns its reference.  The entry's 'flags' is
 * FX_STORE_LIVE; its other bytes are unspecified (a freed entry's old
 * contents, or garbage). */
uint32_t
fx_store_insert(struct fx_store *store, unsigned int class, uint32_t hash)
{
    struct fx_store_table *table = &store->table;
    uint32_t ref;

    ovs_assert(class && class < FX_STORE_N_CLASSES);
    ref = (class << FX_STORE_INDEX_BITS)
          | arena_alloc(&store->arenas[class], class);

    /* At most 3/4 full. */
    if (table->n >= (table->mask + 1) / 4 * 3) {
        table_resize(table, (table->mask + 1) * 2);
    }
    table_put(table, hash, ref);
    return ref;
}

/* Removes the live entry of 'store' that 'ref' names, inserted with
 * 'hash'. */
void
fx_store_remove(struct fx_store *store, uint32_t ref, uint32_t hash)
{
    unsigned int class = fx_store_ref_class(ref);

    table_remove_at(&store->table, table_find_ref(&store->table, hash, ref));
    arena_free(&store->arenas[class], class, ref & FX_STORE_INDEX_MASK);
}

/* Gives back table memory if many entries went: if the table is less than
 * 1/8 full, shrinks it to the smallest size at which it would be at most
 * 3/8 full. */
void
fx_store_shrink(struct fx_store *store)
{
    struct fx_store_table *table = &store->table;

    if (table->mask + 1 > FX_STORE_TABLE_MIN
        && table->n < (table->mask + 1) / 8) {
        uint32_t n_slots = FX_STORE_TABLE_MIN;

        while (n_slots / 4 * 3 <= table->n * 2) {
            n_slots *= 2;
        }
        table_resize(table, n_slots);
    }
}

/* Returns the bytes that 'store' holds. */
size_t
fx_store_memory(const struct fx_store *store)
{
    size_t memory = (store->table.mask + 1) * sizeof *store->table.slots;

    for (unsigned int c = 0; c < FX_STORE_N_CLASSES; c++) {
        memory += arena_memory(&store->arenas[c], c);
    }
    return memory;
}

/* Returns the reference of the first live entry of 'store' whose reference
 * is 'ref' or after it, in memory order, or 0 if there is none. */
uint32_t
fx_store_next_ref(const struct fx_store *store, uint32_t ref)
{
    uint32_t index = ref & FX_STORE_INDEX_MASK;

    for (unsigned int class = fx_store_ref_class(ref);
         class < FX_STORE_N_CLASSES; class++, index = 0) {
        const struct fx_store_arena *arena = &store->arenas[class];

        for (; index < arena->n_used; index++) {
            if (arena_entry(arena, class, index)->flags & FX_STORE_LIVE) {
                return (class << FX_STORE_INDEX_BITS) | index;
            }
        }
    }
    return 0;
}

/* Returns the reference in the first used table slot of 'store' at or after
 * slot '*hand' (taken modulo the table's size), and sets '*hand' to the
 * slot after it: successive calls go round the table, e.g. to sample
 * entries for eviction.  'store' must not be empty. */
uint32_t
fx_store_next_slot(const struct fx_store *store, uint32_t *hand)
{
    const struct fx_store_table *table = &store->table;
    uint32_t i = *hand & table->mask;

    ovs_assert(table->n);
    while (!table->slots[i].ref) {
        i = (i + 1) & table->mask;
    }
    *hand = (i + 1) & table->mask;
    return table->slots[i].ref;
}
