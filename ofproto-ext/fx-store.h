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

#ifndef FX_STORE_H
#define FX_STORE_H 1

/* The flow cache's store: where one shard of fx-cache.c keeps its entries,
 * and nothing about what they mean (fx-cache.c is the policy: accounting,
 * timeouts, eviction, records).
 *
 * Entries.  An entry is a fixed-size block of '8 * class' bytes, 'class'
 * (its size class) in [1, FX_STORE_N_CLASSES).  Every entry starts with a
 * 'struct fx_store_entry' header (the user's entry type must start with
 * fields of the same types at the same offsets, see fx-cache.c's struct
 * fx_flow): a live entry is all the user's, 'link' too, except that the
 * FX_STORE_LIVE bit of 'flags' must stay set (fx_store_insert() sets it; a
 * user that clears the new entry sets it again); a free entry is all the
 * store's, and its FX_STORE_LIVE bit is clear.
 *
 * References.  A live entry is named by a 32-bit reference, its size class
 * in the top bits and its index in the arena of that class in the others;
 * a reference is never 0.  A reference stays valid, naming the same entry,
 * from fx_store_insert() until fx_store_remove() of that entry or
 * fx_store_clear(), whatever is inserted or removed meanwhile (the table's
 * resizes move slots, not entries).  A removed entry's reference may be
 * handed out again by a later insert: fx_store_is_live() only says that a
 * reference names a live entry, not the same one (the user keeps its own
 * generation number in the entry to tell, e.g. a serial).  A pointer from
 * fx_store_entry() is valid only until the next insert into the same store
 * (an arena's first slab moves while it grows), the removal of that entry,
 * or fx_store_clear().
 *
 * Lookup.  Each entry is in the store's hash table with a 32-bit hash that
 * the user computes and must give again to remove it; the store never reads
 * keys.  FX_STORE_FOR_EACH_MATCH visits the references whose hash and class
 * match, in probe order; the user compares the keys.  Entries with equal
 * hashes (and equal keys) may coexist: the store does not refuse
 * duplicates.  The table is open addressing with linear probing, at most
 * 3/4 full, no tombstones; its slot for a hash is picked by the hash's low
 * bits, which therefore must vary.
 *
 * Iteration.  FX_STORE_FOR_EACH visits every live entry exactly once, in
 * memory order (class, then index), which is not insertion order.  Its body
 * may remove the current entry, or any other (one removed before the
 * iteration reaches it is not visited); it must not insert (an entry
 * inserted meanwhile may or may not be visited, and pointers move).
 *
 * Memory.  fx_store_memory() is the bytes the store holds: the table's
 * slots and the arenas' slabs and slab arrays.  Freed entries are reused
 * first (the most recently freed one first); an arena's slabs go back to
 * malloc as soon as its last entry is removed; the table shrinks only in
 * fx_store_shrink().  An empty store (after fx_store_init() or
 * fx_store_clear(), or once every entry was removed and fx_store_shrink()
 * called) holds FX_STORE_EMPTY_MEMORY bytes.
 *
 * Thread safety.  None of its own: a store is one shard's, and the caller
 * serializes every call (fx-cache.c holds its 'apply_mutex'). */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "util.h"

/* Size classes: entries of 8 to 8 * (FX_STORE_N_CLASSES - 1) bytes. */
#define FX_STORE_N_CLASSES 32

/* A reference: the size class above FX_STORE_INDEX_BITS, the index
 * below. */
#define FX_STORE_INDEX_BITS 27
#define FX_STORE_INDEX_MASK ((1u << FX_STORE_INDEX_BITS) - 1)
BUILD_ASSERT_DECL(FX_STORE_N_CLASSES <= 1 << (32 - FX_STORE_INDEX_BITS));

/* The header of every entry. */
struct fx_store_entry {
    uint32_t link;              /* Free: the next free entry's index, or
                                 * FX_STORE_NO_ENTRY.  Live: the user's. */
    uint8_t flags;              /* FX_STORE_LIVE, and the user's bits. */
};
#define FX_STORE_LIVE 0x01
#define FX_STORE_NO_ENTRY UINT32_MAX

/* An arena: the entries of one size class, in slabs of FX_STORE_SLAB
 * entries.  The first slab starts with room for FX_STORE_SLAB_MIN entries
 * and doubles, moving, until it is full size, so that a small cache, whose
 * flows are spread over many shards and size classes, does not pay for a
 * whole slab per arena. */
#define FX_STORE_SLAB_SHIFT 7
#define FX_STORE_SLAB (1u << FX_STORE_SLAB_SHIFT)
#define FX_STORE_SLAB_MIN 4
BUILD_ASSERT_DECL(IS_POW2(FX_STORE_SLAB_MIN)
                  && FX_STORE_SLAB_MIN <= FX_STORE_SLAB);
struct fx_store_arena {
    uint8_t **slabs;
    uint32_t n_slabs;
    uint32_t capacity;          /* Entries the slabs have room for. */
    size_t allocated_slabs;     /* Room in 'slabs'. */
    uint32_t n_used;            /* Entries [0, n_used) were handed out. */
    uint32_t free_head;         /* A free entry below 'n_used', or
                                 * FX_STORE_NO_ENTRY. */
    uint32_t n_live;            /* Live entries. */
};

/* A hash table slot: an empty slot has 'ref' 0. */
struct fx_store_slot {
    uint32_t hash;
    uint32_t ref;
};

#define FX_STORE_TABLE_MIN 16   /* Fewest slots. */

struct fx_store_table {
    struct fx_store_slot *slots;
    uint32_t mask;              /* Slots - 1. */
    uint32_t n;                 /* Slots in use: live entries. */
};

struct fx_store {
    struct fx_store_table table;
    struct fx_store_arena arenas[FX_STORE_N_CLASSES];
};

/* What an empty store holds: the smallest table. */
#define FX_STORE_EMPTY_MEMORY \
    (FX_STORE_TABLE_MIN * sizeof(struct fx_store_slot))

void fx_store_init(struct fx_store *);
void fx_store_destroy(struct fx_store *);
void fx_store_clear(struct fx_store *);

uint32_t fx_store_insert(struct fx_store *, unsigned int class,
                         uint32_t hash);
void fx_store_remove(struct fx_store *, uint32_t ref, uint32_t hash);
void fx_store_shrink(struct fx_store *);

size_t fx_store_memory(const struct fx_store *);
uint32_t fx_store_next_ref(const struct fx_store *, uint32_t ref);
uint32_t fx_store_next_slot(const struct fx_store *, uint32_t *hand);

/* Returns the size class of the entry that 'ref' names. */
static inline unsigned int
fx_store_ref_class(uint32_t ref)
{
    return ref >> FX_STORE_INDEX_BITS;
}

/* Returns the entry of 'store' that 'ref' names: see the header comment
 * for how long the pointer stays valid. */
static inline void *
fx_store_entry(const struct fx_store *store, uint32_t ref)
{
    unsigned int class = fx_store_ref_class(ref);
    uint32_t index = ref & FX_STORE_INDEX_MASK;
    const struct fx_store_arena *arena = &store->arenas[class];

    return (arena->slabs[index >> FX_STORE_SLAB_SHIFT]
            + (index & (FX_STORE_SLAB - 1)) * class * 8);
}

/* Returns true if 'ref' (any reference, even a stale one) names a live
 * entry of 'store'. */
static inline bool
fx_store_is_live(const struct fx_store *store, uint32_t ref)
{
    const struct fx_store_arena *arena = &store->arenas[ref >>
                                                        FX_STORE_INDEX_BITS];
    const struct fx_store_entry *entry;

    if ((ref & FX_STORE_INDEX_MASK) >= arena->n_used) {
        return false;
    }
    entry = fx_store_entry(store, ref);
    return entry->flags & FX_STORE_LIVE;
}

/* Returns the entry that the next fx_store_insert() of size 'class' into
 * 'store' will hand out, or NULL if that insert needs a new slab: for
 * prefetching. */
static inline const void *
fx_store_next_insert(const struct fx_store *store, unsigned int class)
{
    const struct fx_store_arena *arena = &store->arenas[class];
    uint32_t index = (arena->free_head != FX_STORE_NO_ENTRY
                      ? arena->free_head : arena->n_used);

    return (index < arena->capacity
            ? fx_store_entry(store, (class << FX_STORE_INDEX_BITS) | index)
            : NULL);
}

/* Returns the number of live entries in 'store'. */
static inline uint32_t
fx_store_count(const struct fx_store *store)
{
    return store->table.n;
}

/* Returns the slot where a lookup of 'hash' starts, for prefetching. */
static inline const struct fx_store_slot *
fx_store_home_slot(const struct fx_store *store, uint32_t hash)
{
    return &store->table.slots[hash & store->table.mask];
}

/* Returns the reference in the first slot at or after '*pos', in probe order,
 * that has 'hash' and size class 'class', and sets '*pos' to the slot after
 * it; returns 0 when the probe sequence ends. */
static inline uint32_t
fx_store_probe_(const struct fx_store *store, uint32_t hash,
                unsigned int class, uint32_t *pos)
{
    const struct fx_store_table *table = &store->table;

    for (uint32_t i = *pos; table->slots[i].ref; i = (i + 1) & table->mask) {
        const struct fx_store_slot *slot = &table->slots[i];

        if (slot->hash == hash && fx_store_ref_class(slot->ref) == class) {
            *pos = (i + 1) & table->mask;
            return slot->ref;
        }
    }
    return 0;
}

/* Iterates over the references of 'STORE''s entries of size class 'CLASS'
 * whose hash is 'HASH': 'REF' (a uint32_t) is each one.  The body must not
 * change 'STORE'. */
#define FX_STORE_FOR_EACH_MATCH(REF, HASH, CLASS, STORE)                \
    for (uint32_t I_ = (HASH) & (STORE)->table.mask;                    \
         ((REF) = fx_store_probe_(STORE, HASH, CLASS, &I_)) != 0; )

/* Returns the reference of the first entry of 'store', in probe order,
 * with 'hash' and size class 'class' (the first FX_STORE_FOR_EACH_MATCH
 * visits), or 0 if there is none. */
static inline uint32_t
fx_store_first_match(const struct fx_store *store, uint32_t hash,
                     unsigned int class)
{
    uint32_t pos = hash & store->table.mask;

    return fx_store_probe_(store, hash, class, &pos);
}

/* Iterates over the live entries of 'STORE' in memory order: 'ENTRY' (a
 * pointer to the user's entry type) is each one, 'REF' (declared here) its
 * reference.  The body may remove any entry, the current one too, but must
 * not insert. */
#define FX_STORE_FOR_EACH(ENTRY, REF, STORE)                            \
    for (uint32_t REF = fx_store_next_ref(STORE, 0);                    \
         REF ? ((ENTRY) = fx_store_entry(STORE, REF), true) : false;    \
         REF = fx_store_next_ref(STORE, REF + 1))

#endif /* fx-store.h */
