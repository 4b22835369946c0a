/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Memory core: the topology object, transactions and global dirty logging.
 *
 * Regions live in memory-region.c, rendering in flatview.c, listener
 * dispatch in memory-listener.c, address spaces in address-space.c.
 */
#include <errno.h>

#include "memory-internal.h"

G_DEFINE_QUARK(vfio-host-memory-error, memory_error)

MemoryTopology *memory_topology_new(void)
{
    MemoryTopology *topo = g_new0(MemoryTopology, 1);

    g_ref_count_init(&topo->ref);
    return topo;
}

MemoryTopology *memory_topology_ref(MemoryTopology *topo)
{
    g_ref_count_inc(&topo->ref);
    return topo;
}

void memory_topology_unref(MemoryTopology *topo)
{
    if (topo && g_ref_count_dec(&topo->ref)) {
        g_assert(topo->address_spaces == NULL);
        g_free(topo);
    }
}

void memory_region_transaction_begin(MemoryTopology *topo)
{
    topo->transaction_depth++;
}

/*
 * Render every address space until nothing is pending: a listener callback
 * that changes the tree marks a further round.  The depth stays at 1 while
 * we notify, so such changes do not recurse into here.
 */
static void memory_topology_update(MemoryTopology *topo)
{
    while (topo->update_pending) {
        topo->update_pending = false;
        for (GList *l = topo->address_spaces; l; l = l->next) {
            address_space_update_topology(l->data);
        }
    }
}

void memory_region_transaction_commit(MemoryTopology *topo)
{
    g_return_if_fail(topo->transaction_depth > 0);

    if (topo->transaction_depth == 1) {
        memory_topology_update(topo);
    }
    topo->transaction_depth--;
}

unsigned memory_region_transaction_depth(MemoryTopology *topo)
{
    return topo->transaction_depth;
}

void memory_topology_mark_changed(MemoryTopology *topo)
{
    memory_region_transaction_begin(topo);
    topo->update_pending = true;
    memory_region_transaction_commit(topo);
}

/* Stop the address spaces before @until (all if NULL), last first. */
static void log_global_stop_until(MemoryTopology *topo, GList *until)
{
    GList *l = until ? until->prev : g_list_last(topo->address_spaces);

    for (; l; l = l->prev) {
        memory_listeners_log_global_stop(l->data);
    }
}

bool memory_global_dirty_log_start(MemoryTopology *topo, GError **errp)
{
    if (topo->global_dirty_log) {
        g_set_error(errp, MEMORY_ERROR, EALREADY,
                    "global dirty logging is already on");
        return false;
    }
    topo->global_dirty_log = true;
    memory_topology_mark_changed(topo);

    for (GList *l = topo->address_spaces; l; l = l->next) {
        if (!memory_listeners_log_global_start(l->data, errp)) {
            log_global_stop_until(topo, l);
            topo->global_dirty_log = false;
            memory_topology_mark_changed(topo);
            return false;
        }
    }
    return true;
}

void memory_global_dirty_log_stop(MemoryTopology *topo)
{
    if (!topo->global_dirty_log) {
        return;
    }
    topo->global_dirty_log = false;
    memory_topology_mark_changed(topo);
    log_global_stop_until(topo, NULL);
}

void memory_global_dirty_log_sync(MemoryTopology *topo)
{
    for (GList *l = topo->address_spaces; l; l = l->next) {
        memory_listeners_log_sync(l->data);
    }
}

bool memory_global_dirty_log_is_on(MemoryTopology *topo)
{
    return topo->global_dirty_log;
}
