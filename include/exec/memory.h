/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Memory core: regions, address spaces, flat views and listeners.
 *
 * The semantics are QEMU's (system/memory.c); the objects are our own.
 *
 * Objects and ownership
 * ---------------------
 * MemoryTopology  owns the transaction state, the global dirty-log switch
 *                 and the list of address spaces.  There is no process-wide
 *                 topology: create one per machine (or per test).
 * MemoryRegion    a node of the region tree, refcounted.  Every region
 *                 belongs to one topology, given when it is created.
 * AddressSpace    a root region plus the FlatView currently rendered from
 *                 it, and the listeners registered on it.
 * FlatView        the root flattened into sorted, non-overlapping ranges;
 *                 immutable and refcounted.
 * MemoryListener  caller-owned callbacks registered on ONE address space.
 *
 * Region constructors return a new reference.  A container takes its own
 * reference on each subregion, an alias on its target, an address space on
 * its root and a flat view on every region it shows, so the usual pattern is
 * new + add_subregion + unref.
 *
 * Sizes and the 2^64 question
 * ---------------------------
 * Region sizes are uint64_t, as in QEMU, and UINT64_MAX means 2^64 bytes
 * (the whole space), as memory_region_init(..., UINT64_MAX) does in QEMU;
 * a region of exactly 2^64 - 1 bytes cannot be made.  A size of 0 is a valid
 * empty region that renders nothing.  Everything derived from the tree
 * (flat ranges, sections) is a start plus an inclusive last, so nothing
 * derived ever holds 2^64; a subregion that would reach past 2^64 - 1 is
 * clipped there.
 *
 * Transactions
 * ------------
 * Every mutation is a transaction of its own unless it happens between
 * memory_region_transaction_begin() and _commit() on the region's topology;
 * those nest, and only the outermost commit renders the flat views and
 * notifies listeners, once.  Until then address spaces keep showing the
 * view of the last commit.
 *
 * Threading: none.  All calls happen on one thread (the main loop).
 * Listener callbacks must not register or unregister listeners nor create
 * or free address spaces; a callback that changes the region tree gets its
 * change rendered in a further round of the same outermost commit.
 *
 * Where we differ from QEMU, on purpose
 * -------------------------------------
 * - Transactions belong to a MemoryTopology, not to the process.
 * - region_nop is sent only for sections whose dirty logging flipped, not
 *   for every unchanged section, so a commit costs callbacks in proportion
 *   to what changed (bench/memory-commit shows it).
 * - log_start/log_stop always bracket a logged section's region_add and
 *   region_del, not only in registration replays.
 * - MMIO callbacks and guest accesses report failure (bool + GError);
 *   writes to read-only sections fail with EACCES instead of vanishing.
 *
 * Errors are in the MEMORY_ERROR domain; codes are errno values.
 * Code: system/memory.c (topology, transactions, global dirty log),
 * memory-region.c, flatview.c (render, lookup, diff), memory-listener.c,
 * address-space.c (address spaces, read/write).
 */
#ifndef EXEC_MEMORY_H
#define EXEC_MEMORY_H

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

#define MEMORY_ERROR memory_error_quark()
GQuark memory_error_quark(void);

typedef struct AddressSpace AddressSpace;
typedef struct FlatView FlatView;
typedef struct MemoryListener MemoryListener;
typedef struct MemoryRegion MemoryRegion;
typedef struct MemoryRegionOps MemoryRegionOps;
typedef struct MemoryRegionSection MemoryRegionSection;
typedef struct MemoryTopology MemoryTopology;

/**
 * struct MemoryRegionOps - the access callbacks of an MMIO region
 * @read: read @size bytes at offset @addr of the region into *@data
 *        (little-endian value); return false and set @errp on failure.
 *        NULL: reads fail.
 * @write: write the low @size bytes of @data (little-endian value) at
 *         offset @addr; return false and set @errp on failure.
 *         NULL: writes fail.
 * @max_access_size: largest access the device takes: 1, 2, 4 or 8
 *                   (0 means 8).  Accesses are split into naturally
 *                   aligned pieces of at most this size.
 *
 * @size is always 1, 2, 4 or 8 and @addr is a multiple of @size.
 */
struct MemoryRegionOps {
    bool (*read)(void *opaque, uint64_t addr, uint64_t *data, unsigned size,
                 GError **errp);
    bool (*write)(void *opaque, uint64_t addr, uint64_t data, unsigned size,
                  GError **errp);
    unsigned max_access_size;
};

/**
 * struct MemoryRegionSection - a piece of a terminal region shown in a view
 * @mr: the terminal region (RAM, ram_device or MMIO; never an alias or a
 *      pure container).  Borrowed: valid during the callback; take a
 *      reference with memory_region_ref() to keep it.
 * @offset_within_region: offset in @mr of the first byte
 * @offset_within_address_space: address of the first byte
 * @last_within_address_space: address of the last byte, inclusive
 * @readonly: writes are refused (the region or an ancestor is read-only)
 * @is_ram: @mr is host memory (plain RAM or ram_device)
 * @is_ram_device: @mr is a ram_device (a device BAR mmap)
 * @log_dirty: dirty logging is on for this section (the region's own log,
 *             or global dirty logging on plain RAM)
 *
 * The length is last - offset + 1, which is 2^64 for a section covering
 * the whole space: compute it with care, or keep to start + last.
 */
struct MemoryRegionSection {
    MemoryRegion *mr;
    uint64_t offset_within_region;
    uint64_t offset_within_address_space;
    uint64_t last_within_address_space;
    bool readonly;
    bool is_ram;
    bool is_ram_device;
    bool log_dirty;
};

/**
 * struct MemoryListener - callbacks following one address space's view
 * @begin: a batch of changes starts (every outermost commit, replays too)
 * @commit: the batch ends; the new view is in place after it returns
 * @region_add: @section appeared
 * @region_del: @section disappeared
 * @region_nop: @section stays in place but its dirty logging flipped; it
 *              is followed by @log_start or @log_stop.  Unlike QEMU, this
 *              is not sent for every unchanged section, so the callbacks
 *              of a commit are proportional to what changed.
 * @log_start: dirty logging started on @section
 * @log_stop: dirty logging stopped on @section
 * @log_sync: fetch the dirty bits of @section (from
 *            memory_global_dirty_log_sync(), for each logged section)
 * @log_global_start: global dirty logging starts; may fail, in which case
 *                    the start is rolled back (see
 *                    memory_global_dirty_log_start())
 * @log_global_stop: global dirty logging stops
 * @name: for messages; may be NULL
 * @priority: order among the listeners of the address space: additions,
 *            begin, commit, log_start and log_global_start go in
 *            ascending priority; deletions, log_stop and log_global_stop in
 *            descending priority.  Equal priorities: registration order.
 * @address_space: private; the address space while registered
 *
 * Every callback may be NULL.  Within one commit every region_del comes
 * before every region_add.  log_start and log_stop bracket the logged life
 * of each section: a logged section gets log_start right after its
 * region_add and log_stop right before its region_del (QEMU sends them only
 * in registration replays; we always do, so a listener can count on them).
 * section->log_dirty tells the state in every callback.
 *
 * The struct is owned by the caller and usually embedded in a bigger
 * object (recover it with container_of).
 */
struct MemoryListener {
    void (*begin)(MemoryListener *listener);
    void (*commit)(MemoryListener *listener);
    void (*region_add)(MemoryListener *listener, MemoryRegionSection *section);
    void (*region_del)(MemoryListener *listener, MemoryRegionSection *section);
    void (*region_nop)(MemoryListener *listener, MemoryRegionSection *section);
    void (*log_start)(MemoryListener *listener, MemoryRegionSection *section);
    void (*log_stop)(MemoryListener *listener, MemoryRegionSection *section);
    void (*log_sync)(MemoryListener *listener, MemoryRegionSection *section);
    bool (*log_global_start)(MemoryListener *listener, GError **errp);
    void (*log_global_stop)(MemoryListener *listener);
    const char *name;
    int priority;

    /* private */
    AddressSpace *address_space;
};

/**
 * memory_region_section_size() - the length of a section
 * @section: the section
 * @size: set to last - start + 1 on success
 *
 * Return: false for the one section whose length, 2^64, no uint64_t holds
 * (a section covering the whole 64-bit space).
 */
bool memory_region_section_size(const MemoryRegionSection *section,
                                 uint64_t *size);

/* ------------------------------------------------------------------ */
/* MemoryTopology: transactions and global dirty logging               */
/* ------------------------------------------------------------------ */

/**
 * memory_topology_new() - create an empty topology
 *
 * Return: a new topology with one reference; release with
 * memory_topology_unref().  Regions and address spaces made on it hold
 * references too, so it lives until the last of them is gone.
 */
MemoryTopology *memory_topology_new(void);

/** memory_topology_ref() - take a reference. Return: @topo */
MemoryTopology *memory_topology_ref(MemoryTopology *topo);

/** memory_topology_unref() - drop a reference; frees on the last one */
void memory_topology_unref(MemoryTopology *topo);

/**
 * memory_region_transaction_begin() - open a (nested) transaction
 * @topo: the topology whose regions are about to change
 *
 * Changes made until the matching commit are rendered together.
 */
void memory_region_transaction_begin(MemoryTopology *topo);

/**
 * memory_region_transaction_commit() - close a transaction
 * @topo: the topology
 *
 * At the outermost commit, if anything changed, every address space of
 * @topo renders its new view and its listeners get begin, the region_del
 * of vanished sections, then the region_add of new ones (and
 * region_nop/log_start/log_stop of sections whose logging flipped), then
 * commit.
 */
void memory_region_transaction_commit(MemoryTopology *topo);

/**
 * memory_region_transaction_depth() - how many transactions are open
 * @topo: the topology
 *
 * Return: 0 outside any transaction.
 */
unsigned memory_region_transaction_depth(MemoryTopology *topo);

/**
 * memory_global_dirty_log_start() - turn global dirty logging on
 * @topo: the topology
 * @errp: where to report failure
 *
 * Plain RAM sections of every address space become logged (log_start on
 * each), then every listener with log_global_start is called, in
 * ascending priority, address space by address space.  If one of them
 * fails, the listeners already started get log_global_stop (in reverse)
 * and logging is turned back off.
 *
 * Return: true on success; false with @errp set (EALREADY if logging is
 * already on, or the listener's error).
 */
bool memory_global_dirty_log_start(MemoryTopology *topo, GError **errp);

/**
 * memory_global_dirty_log_stop() - turn global dirty logging off
 * @topo: the topology
 *
 * log_stop on the sections that were logged only because of it, then
 * log_global_stop on every listener, in descending priority.  No-op when
 * logging is off.
 */
void memory_global_dirty_log_stop(MemoryTopology *topo);

/**
 * memory_global_dirty_log_sync() - ask listeners for dirty bits
 * @topo: the topology
 *
 * Calls log_sync on every listener with one, once per logged section of
 * its address space.
 */
void memory_global_dirty_log_sync(MemoryTopology *topo);

/** memory_global_dirty_log_is_on() - Return: whether global logging is on */
bool memory_global_dirty_log_is_on(MemoryTopology *topo);

/* ------------------------------------------------------------------ */
/* MemoryRegion                                                        */
/* ------------------------------------------------------------------ */

/**
 * memory_region_new_container() - a region that only holds subregions
 * @topo: the topology the region belongs to
 * @name: a name for messages (copied)
 * @size: size in bytes (UINT64_MAX: 2^64)
 *
 * Addresses not covered by an enabled subregion are unassigned.
 *
 * Return: a new reference; release with memory_region_unref().
 */
MemoryRegion *memory_region_new_container(MemoryTopology *topo,
                                          const char *name, uint64_t size);

/**
 * memory_region_new_ram_ptr() - RAM backed by host memory
 * @topo: the topology the region belongs to
 * @name: a name for messages (copied)
 * @size: size in bytes
 * @host: @size bytes of host memory; not owned (see
 *        memory_region_set_destroy_notify() to tie its lifetime)
 *
 * Return: a new reference; release with memory_region_unref().
 */
MemoryRegion *memory_region_new_ram_ptr(MemoryTopology *topo,
                                        const char *name, uint64_t size,
                                        void *host);

/**
 * memory_region_new_ram_from_fd() - RAM backed by an mmap of a file
 * @topo: the topology the region belongs to
 * @name: a name for messages (copied)
 * @size: size in bytes
 * @host: where @fd is mapped; not owned
 * @fd: the file (memfd, hugetlbfs...); not owned, not closed
 * @fd_offset: offset in @fd of the first byte of the region
 *
 * Like memory_region_new_ram_ptr(), and memory_region_get_fd() tells the
 * file, for consumers that pass memory by fd.
 *
 * Return: a new reference; release with memory_region_unref().
 */
MemoryRegion *memory_region_new_ram_from_fd(MemoryTopology *topo,
                                            const char *name, uint64_t size,
                                            void *host, int fd,
                                            uint64_t fd_offset);

/**
 * memory_region_new_ram_device_ptr() - an mmap of a device BAR
 * @topo: the topology the region belongs to
 * @name: a name for messages (copied)
 * @size: size in bytes
 * @host: the mapping; not owned
 *
 * Listeners see it as RAM with is_ram_device set.  Guest accesses through
 * address_space_read/write use single loads and stores of 1, 2, 4 or 8
 * bytes (never memcpy), as device memory requires.  It is not logged by
 * global dirty logging.
 *
 * Return: a new reference; release with memory_region_unref().
 */
MemoryRegion *memory_region_new_ram_device_ptr(MemoryTopology *topo,
                                               const char *name,
                                               uint64_t size, void *host);

/**
 * memory_region_new_io() - MMIO handled by callbacks
 * @topo: the topology the region belongs to
 * @name: a name for messages (copied)
 * @size: size in bytes
 * @ops: the callbacks; must outlive the region
 * @opaque: passed to @ops
 *
 * Return: a new reference; release with memory_region_unref().
 */
MemoryRegion *memory_region_new_io(MemoryTopology *topo, const char *name,
                                   uint64_t size, const MemoryRegionOps *ops,
                                   void *opaque);

/**
 * memory_region_new_alias() - a window into another region
 * @topo: the topology the region belongs to (and @orig's)
 * @name: a name for messages (copied)
 * @orig: the target; the alias holds a reference on it
 * @offset: offset in @orig shown at offset 0 of the alias
 * @size: size of the window
 *
 * The alias shows what @orig would show at offsets [@offset, @offset +
 * @size), whatever @orig's own placement; @orig's enabled and read-only
 * flags apply.  Parts outside @orig are unassigned.  An alias cannot have
 * subregions, and no alias may (indirectly) contain itself.
 *
 * Return: a new reference; release with memory_region_unref().
 */
MemoryRegion *memory_region_new_alias(MemoryTopology *topo, const char *name,
                                      MemoryRegion *orig, uint64_t offset,
                                      uint64_t size);

/** memory_region_ref() - take a reference. Return: @mr */
MemoryRegion *memory_region_ref(MemoryRegion *mr);

/**
 * memory_region_unref() - drop a reference
 * @mr: the region (NULL is a no-op)
 *
 * On the last reference the region releases its subregions and alias
 * target, and calls its destroy notify.
 */
void memory_region_unref(MemoryRegion *mr);

/**
 * memory_region_set_destroy_notify() - call @notify when @mr is freed
 * @mr: the region
 * @notify: called with @data after the last reference is dropped
 * @data: passed to @notify
 *
 * Lets a memory backend free (munmap, close) what it lent the region.
 */
void memory_region_set_destroy_notify(MemoryRegion *mr, GDestroyNotify notify,
                                      void *data);

/**
 * memory_region_add_subregion() - place @subregion in @mr at priority 0
 * @mr: the parent (any kind but an alias)
 * @offset: offset of @subregion in @mr
 * @subregion: a region of the same topology with no parent yet; @mr
 *             takes a reference on it
 *
 * Subregions are rendered over @mr's own content (if @mr is RAM or MMIO,
 * they overlay it).  Adding a region under something it shows itself
 * (through subregions or alias targets) would make a cycle and is refused
 * with a critical warning; so is any other misuse listed for @subregion.
 */
void memory_region_add_subregion(MemoryRegion *mr, uint64_t offset,
                                 MemoryRegion *subregion);

/**
 * memory_region_add_subregion_overlap() - place @subregion with a priority
 * @mr: the parent (any kind but an alias)
 * @offset: offset of @subregion in @mr
 * @subregion: a region of the same topology with no parent yet
 * @priority: where siblings overlap, the higher priority shows; at equal
 *            priority the one added last shows
 */
void memory_region_add_subregion_overlap(MemoryRegion *mr, uint64_t offset,
                                         MemoryRegion *subregion,
                                         int priority);

/**
 * memory_region_del_subregion() - remove @subregion from @mr
 * @mr: the parent
 * @subregion: a subregion of @mr; @mr drops its reference on it
 */
void memory_region_del_subregion(MemoryRegion *mr, MemoryRegion *subregion);

/**
 * memory_region_set_address() - move a region within its parent
 * @mr: the region
 * @offset: the new offset in the parent
 *
 * As in QEMU the region is re-added, so among siblings of equal priority
 * it becomes the last added (it shows on top of them).
 */
void memory_region_set_address(MemoryRegion *mr, uint64_t offset);

/** memory_region_set_enabled() - show or hide @mr and its subtree */
void memory_region_set_enabled(MemoryRegion *mr, bool enabled);

/**
 * memory_region_set_readonly() - make @mr read-only (or writable)
 * @mr: the region
 * @readonly: the new state
 *
 * Read-only propagates down: everything shown through @mr (subregions,
 * an alias's target) is read-only there.  Writes through
 * address_space_write() are refused; listeners see section->readonly.
 */
void memory_region_set_readonly(MemoryRegion *mr, bool readonly);

/** memory_region_set_alias_offset() - move an alias's window in its target */
void memory_region_set_alias_offset(MemoryRegion *mr, uint64_t offset);

/**
 * memory_region_set_log() - turn dirty logging of @mr on or off
 * @mr: a terminal region
 * @log: the new state
 *
 * Sections of @mr get region_nop then log_start (or log_stop) at the next
 * outermost commit.
 */
void memory_region_set_log(MemoryRegion *mr, bool log);

/** memory_region_name() - Return: the name (owned by @mr) */
const char *memory_region_name(MemoryRegion *mr);

/** memory_region_size() - Return: the size (UINT64_MAX: 2^64) */
uint64_t memory_region_size(MemoryRegion *mr);

/** memory_region_topology() - Return: the topology (borrowed) */
MemoryTopology *memory_region_topology(MemoryRegion *mr);

/** memory_region_is_ram() - Return: true for RAM and ram_device regions */
bool memory_region_is_ram(MemoryRegion *mr);

/** memory_region_is_ram_device() - Return: true for ram_device regions */
bool memory_region_is_ram_device(MemoryRegion *mr);

/** memory_region_is_io() - Return: true for MMIO regions */
bool memory_region_is_io(MemoryRegion *mr);

/** memory_region_is_alias() - Return: true for aliases */
bool memory_region_is_alias(MemoryRegion *mr);

/** memory_region_is_enabled() - Return: the enabled flag */
bool memory_region_is_enabled(MemoryRegion *mr);

/** memory_region_is_readonly() - Return: @mr's own read-only flag */
bool memory_region_is_readonly(MemoryRegion *mr);

/** memory_region_is_logging() - Return: @mr's own dirty-log flag */
bool memory_region_is_logging(MemoryRegion *mr);

/**
 * memory_region_get_ram_ptr() - host address of a RAM region's offset 0
 * @mr: the region
 *
 * Return: the host pointer, or NULL if @mr is not RAM or ram_device.
 */
void *memory_region_get_ram_ptr(MemoryRegion *mr);

/**
 * memory_region_get_fd() - the file behind a RAM region
 * @mr: the region
 * @fd_offset: if not NULL, set to the offset in the file of offset 0
 *
 * Return: the fd (borrowed), or -1 if @mr is not backed by one.
 */
int memory_region_get_fd(MemoryRegion *mr, uint64_t *fd_offset);

/** memory_region_get_container() - Return: the parent (borrowed) or NULL */
MemoryRegion *memory_region_get_container(MemoryRegion *mr);

/** memory_region_get_address() - Return: the offset in the parent */
uint64_t memory_region_get_address(MemoryRegion *mr);

/** memory_region_get_priority() - Return: the priority in the parent */
int memory_region_get_priority(MemoryRegion *mr);

/** memory_region_get_alias() - Return: an alias's target (borrowed) or NULL */
MemoryRegion *memory_region_get_alias(MemoryRegion *mr);

/** memory_region_get_alias_offset() - Return: an alias's offset, else 0 */
uint64_t memory_region_get_alias_offset(MemoryRegion *mr);

/* ------------------------------------------------------------------ */
/* FlatView                                                            */
/* ------------------------------------------------------------------ */

/** flatview_ref() - take a reference. Return: @view */
FlatView *flatview_ref(FlatView *view);

/** flatview_unref() - drop a reference (NULL is a no-op) */
void flatview_unref(FlatView *view);

/** flatview_nr_sections() - Return: the number of sections in @view */
size_t flatview_nr_sections(FlatView *view);

/**
 * flatview_get_section() - the @index-th section, in address order
 * @view: the view
 * @index: below flatview_nr_sections()
 * @section: filled; its @mr is borrowed from @view
 */
void flatview_get_section(FlatView *view, size_t index,
                          MemoryRegionSection *section);

/**
 * flatview_lookup() - the section containing @addr, in O(log n)
 * @view: the view
 * @addr: an address
 * @section: filled on success; its @mr is borrowed from @view
 *
 * Return: false if @addr is unassigned.
 */
bool flatview_lookup(FlatView *view, uint64_t addr,
                     MemoryRegionSection *section);

/**
 * FlatViewSectionFunc - callback of flatview_for_each_section()
 * @section: the section (mr borrowed)
 * @opaque: the caller's pointer
 *
 * Return: true to stop the walk.
 */
typedef bool (*FlatViewSectionFunc)(MemoryRegionSection *section,
                                    void *opaque);

/**
 * flatview_for_each_section() - walk @view in address order
 * @view: the view
 * @func: called for each section until it returns true
 * @opaque: passed to @func
 */
void flatview_for_each_section(FlatView *view, FlatViewSectionFunc func,
                               void *opaque);

/* ------------------------------------------------------------------ */
/* AddressSpace                                                        */
/* ------------------------------------------------------------------ */

/**
 * address_space_new() - an address space showing @root at address 0
 * @topo: the topology (and @root's)
 * @root: the root region; the address space holds a reference on it
 * @name: a name for messages (copied)
 *
 * The view is rendered at once.
 *
 * Return: the new address space; free with address_space_free().
 */
AddressSpace *address_space_new(MemoryTopology *topo, MemoryRegion *root,
                                const char *name);

/**
 * address_space_free() - destroy an address space
 * @as: the address space (NULL is a no-op)
 *
 * Listeners still registered are dropped without callbacks (as
 * memory_listener_unregister_silent() does); unregister them first to
 * get their region_del.
 */
void address_space_free(AddressSpace *as);

/** address_space_name() - Return: the name (owned by @as) */
const char *address_space_name(AddressSpace *as);

/** address_space_root() - Return: the root region (borrowed) */
MemoryRegion *address_space_root(AddressSpace *as);

/**
 * address_space_get_flatview() - the current view
 * @as: the address space
 *
 * Return: a new reference to the view of the last commit; release with
 * flatview_unref().
 */
FlatView *address_space_get_flatview(AddressSpace *as);

/**
 * address_space_lookup() - the section of the current view at @addr
 * @as: the address space
 * @addr: the address
 * @section: filled on success; its @mr is borrowed until the next commit
 *
 * Return: false if @addr is unassigned.
 */
bool address_space_lookup(AddressSpace *as, uint64_t addr,
                          MemoryRegionSection *section);

/**
 * address_space_read() - read guest memory
 * @as: the address space
 * @addr: first address
 * @buf: @len bytes to fill
 * @len: bytes to read (0 is a no-op)
 * @errp: where to report failure
 *
 * The access is split at section boundaries: RAM is copied, ram_device
 * and MMIO are accessed with naturally aligned loads of 1 to 8 bytes.
 *
 * Return: true on success; false with @errp set: EFAULT naming the first
 * unassigned address, EINVAL if the range wraps past 2^64 - 1, or the MMIO
 * callback's error.  On failure @buf may be partly filled.
 */
bool address_space_read(AddressSpace *as, uint64_t addr, void *buf,
                        uint64_t len, GError **errp);

/**
 * address_space_write() - write guest memory
 * @as: the address space
 * @addr: first address
 * @buf: @len bytes to write
 * @len: bytes to write (0 is a no-op)
 * @errp: where to report failure
 *
 * As address_space_read(); a write reaching a read-only section fails
 * with EACCES.  On failure the bytes before the failing piece were
 * written.
 *
 * Return: true on success, false with @errp set.
 */
bool address_space_write(AddressSpace *as, uint64_t addr, const void *buf,
                         uint64_t len, GError **errp);

/* ------------------------------------------------------------------ */
/* MemoryListener                                                      */
/* ------------------------------------------------------------------ */

/**
 * memory_listener_register() - follow @as with @listener
 * @listener: an unregistered listener
 * @as: the address space
 * @errp: where to report failure
 *
 * If global dirty logging is on, log_global_start is called first.  Then
 * the current view is replayed into @listener alone: begin, region_add
 * (and log_start for logged sections) for each section in address order,
 * commit.  Other listeners see nothing.
 *
 * Return: true on success; false with @errp set if @listener is already
 * registered (EBUSY), if called from a listener callback (EBUSY), or if
 * log_global_start failed (its error; @listener is then not registered).
 */
bool memory_listener_register(MemoryListener *listener, AddressSpace *as,
                              GError **errp);

/**
 * memory_listener_unregister() - stop following, replaying deletions
 * @listener: a registered listener (unregistered: no-op)
 *
 * @listener alone gets begin, then log_stop (for logged sections) and
 * region_del for each section, then commit, as if the view emptied.
 */
void memory_listener_unregister(MemoryListener *listener);

/**
 * memory_listener_unregister_silent() - stop following, no callbacks
 * @listener: a registered listener (unregistered: no-op)
 *
 * For a consumer that tears down its own state (or keeps it, e.g. when
 * handing sections over to another listener).
 */
void memory_listener_unregister_silent(MemoryListener *listener);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(MemoryTopology, memory_topology_unref)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(MemoryRegion, memory_region_unref)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(FlatView, flatview_unref)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(AddressSpace, address_space_free)

#endif /* EXEC_MEMORY_H */
