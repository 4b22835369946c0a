/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Memory core: MemoryListener registration and the delivery of view
 * changes, replays and dirty-log events to listeners.
 *
 * Order (QEMU's): "forward" is ascending priority, registration order
 * among equals; "reverse" is the opposite.  Additions, begin, commit and
 * starts go forward; deletions and stops go in reverse.
 */
#include <errno.h>

#include "memory-internal.h"

typedef enum ListenerOrder {
    FORWARD,
    REVERSE,
} ListenerOrder;

#define FOR_EACH_LISTENER(l, as, order) \
    for (GList *l = (order) == FORWARD ? (as)->listeners \
                                       : g_list_last((as)->listeners); \
         l; l = (order) == FORWARD ? l->next : l->prev)

static void call_begin(MemoryListener *listener)
{
    if (listener->begin) {
        listener->begin(listener);
    }
}

static void call_commit(MemoryListener *listener)
{
    if (listener->commit) {
        listener->commit(listener);
    }
}

typedef enum SectionEvent {
    EV_REGION_ADD,
    EV_REGION_DEL,
    EV_REGION_NOP,
    EV_LOG_START,
    EV_LOG_STOP,
    EV_LOG_SYNC,
} SectionEvent;

typedef void (*SectionCallback)(MemoryListener *, MemoryRegionSection *);

static SectionCallback section_callback(MemoryListener *listener,
                                        SectionEvent ev)
{
    switch (ev) {
    case EV_REGION_ADD:
        return listener->region_add;
    case EV_REGION_DEL:
        return listener->region_del;
    case EV_REGION_NOP:
        return listener->region_nop;
    case EV_LOG_START:
        return listener->log_start;
    case EV_LOG_STOP:
        return listener->log_stop;
    case EV_LOG_SYNC:
        return listener->log_sync;
    }
    g_assert_not_reached();
}

static void call_section(MemoryListener *listener, SectionEvent ev,
                         const FlatRange *fr)
{
    SectionCallback cb = section_callback(listener, ev);
    MemoryRegionSection section;

    if (cb) {
        flat_range_to_section(fr, &section);
        cb(listener, &section);
    }
}

static void call_section_all(AddressSpace *as, ListenerOrder order,
                             SectionEvent ev, const FlatRange *fr)
{
    FOR_EACH_LISTENER(l, as, order) {
        call_section(l->data, ev, fr);
    }
}

/*
 * Bracket every delivery: listeners may not (un)register meanwhile, and a
 * change they make to the tree is held in a transaction, rendered after.
 */
static void notify_enter(MemoryTopology *topo)
{
    memory_region_transaction_begin(topo);
    topo->notifying++;
}

static void notify_exit(MemoryTopology *topo)
{
    topo->notifying--;
    memory_region_transaction_commit(topo);
}

/* Deletions: a logged range gets log_stop first, so starts and stops pair. */
static void update_del(FlatViewChange change, const FlatRange *old_fr,
                       const FlatRange *new_fr, void *opaque)
{
    AddressSpace *as = opaque;

    if (change != FLATVIEW_CHANGE_DEL) {
        return;
    }
    if (old_fr->log_dirty) {
        call_section_all(as, REVERSE, EV_LOG_STOP, old_fr);
    }
    call_section_all(as, REVERSE, EV_REGION_DEL, old_fr);
}

/* Additions (a logged range then gets log_start), and logging flips. */
static void update_add(FlatViewChange change, const FlatRange *old_fr,
                       const FlatRange *new_fr, void *opaque)
{
    AddressSpace *as = opaque;

    if (change == FLATVIEW_CHANGE_ADD) {
        call_section_all(as, FORWARD, EV_REGION_ADD, new_fr);
        if (new_fr->log_dirty) {
            call_section_all(as, FORWARD, EV_LOG_START, new_fr);
        }
    } else if (change == FLATVIEW_CHANGE_KEEP &&
               old_fr->log_dirty != new_fr->log_dirty) {
        call_section_all(as, FORWARD, EV_REGION_NOP, new_fr);
        if (new_fr->log_dirty) {
            call_section_all(as, FORWARD, EV_LOG_START, new_fr);
        } else {
            call_section_all(as, REVERSE, EV_LOG_STOP, new_fr);
        }
    }
}

void memory_listeners_update(AddressSpace *as, FlatView *old_view,
                             FlatView *new_view)
{
    if (!as->listeners) {
        return;
    }
    notify_enter(as->topo);
    FOR_EACH_LISTENER(l, as, FORWARD) {
        call_begin(l->data);
    }
    flatview_diff(old_view, new_view, update_del, as);
    flatview_diff(old_view, new_view, update_add, as);
    FOR_EACH_LISTENER(l, as, FORWARD) {
        call_commit(l->data);
    }
    notify_exit(as->topo);
}

/* Ascending priority; a newcomer goes after its equals. */
static void listener_link_sorted(AddressSpace *as, MemoryListener *listener)
{
    GList *l = as->listeners;

    while (l && ((MemoryListener *)l->data)->priority <= listener->priority) {
        l = l->next;
    }
    as->listeners = g_list_insert_before(as->listeners, l, listener);
    listener->address_space = as;
}

/* Replay @view into @listener alone, as additions or as deletions. */
static void replay(MemoryListener *listener, FlatView *view, bool adding)
{
    call_begin(listener);
    for (size_t i = 0; i < view->nr; i++) {
        const FlatRange *fr = &view->ranges[i];

        if (adding) {
            call_section(listener, EV_REGION_ADD, fr);
        }
        if (fr->log_dirty) {
            call_section(listener, adding ? EV_LOG_START
                                          : EV_LOG_STOP, fr);
        }
        if (!adding) {
            call_section(listener, EV_REGION_DEL, fr);
        }
    }
    call_commit(listener);
}

static bool listener_start_global_log(MemoryListener *listener,
                                      GError **errp)
{
    g_autoptr(GError) err = NULL;

    if (!listener->log_global_start ||
        listener->log_global_start(listener, &err)) {
        return true;
    }
    if (!err) {
        g_set_error(&err, MEMORY_ERROR, EIO, "log_global_start failed");
    }
    g_propagate_prefixed_error(errp, g_steal_pointer(&err),
                               "listener '%s': ",
                               listener->name ? listener->name : "anonymous");
    return false;
}

bool memory_listener_register(MemoryListener *listener, AddressSpace *as,
                              GError **errp)
{
    MemoryTopology *topo = as->topo;
    bool ok;

    if (listener->address_space || topo->notifying) {
        g_set_error(errp, MEMORY_ERROR, EBUSY,
                    "listener '%s': %s", listener->name ? listener->name : "",
                    listener->address_space ? "already registered"
                                            : "registered from a callback");
        return false;
    }
    notify_enter(topo);
    ok = !topo->global_dirty_log || listener_start_global_log(listener, errp);
    if (ok) {
        listener_link_sorted(as, listener);
        replay(listener, as->current_map, true);
    }
    notify_exit(topo);
    return ok;
}

static void listener_unlink(MemoryListener *listener)
{
    AddressSpace *as = listener->address_space;

    as->listeners = g_list_remove(as->listeners, listener);
    listener->address_space = NULL;
}

void memory_listener_unregister(MemoryListener *listener)
{
    MemoryTopology *topo;

    if (!listener->address_space) {
        return;
    }
    topo = listener->address_space->topo;
    g_return_if_fail(!topo->notifying);

    notify_enter(topo);
    replay(listener, listener->address_space->current_map, false);
    listener_unlink(listener);
    notify_exit(topo);
}

void memory_listener_unregister_silent(MemoryListener *listener)
{
    if (!listener->address_space) {
        return;
    }
    g_return_if_fail(!listener->address_space->topo->notifying);
    listener_unlink(listener);
}

void memory_listeners_drop(AddressSpace *as)
{
    while (as->listeners) {
        listener_unlink(as->listeners->data);
    }
}

bool memory_listeners_log_global_start(AddressSpace *as, GError **errp)
{
    bool ok = true;

    notify_enter(as->topo);
    FOR_EACH_LISTENER(l, as, FORWARD) {
        if (!listener_start_global_log(l->data, errp)) {
            /* Stop the ones already started, last first. */
            for (GList *s = l->prev; s; s = s->prev) {
                MemoryListener *started = s->data;

                if (started->log_global_stop) {
                    started->log_global_stop(started);
                }
            }
            ok = false;
            break;
        }
    }
    notify_exit(as->topo);
    return ok;
}

void memory_listeners_log_global_stop(AddressSpace *as)
{
    notify_enter(as->topo);
    FOR_EACH_LISTENER(l, as, REVERSE) {
        MemoryListener *listener = l->data;

        if (listener->log_global_stop) {
            listener->log_global_stop(listener);
        }
    }
    notify_exit(as->topo);
}

void memory_listeners_log_sync(AddressSpace *as)
{
    FlatView *view = as->current_map;

    notify_enter(as->topo);
    FOR_EACH_LISTENER(l, as, FORWARD) {
        for (size_t i = 0; i < view->nr; i++) {
            if (view->ranges[i].log_dirty) {
                call_section(l->data, EV_LOG_SYNC, &view->ranges[i]);
            }
        }
    }
    notify_exit(as->topo);
}
