/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Helpers shared by the memory-core unit tests: views as strings and a
 * listener that records what it is told.
 */
#ifndef TEST_MEMORY_COMMON_H
#define TEST_MEMORY_COMMON_H

#include <errno.h>
#include <glib.h>

#include "exec/memory.h"

/* "START-LAST NAME@OFFSET[ ro][ log]" */
static inline void section_append(GString *s, const MemoryRegionSection *sec)
{
    g_string_append_printf(s, "%#" G_GINT64_MODIFIER "x-%#" G_GINT64_MODIFIER
                           "x %s@%#" G_GINT64_MODIFIER "x%s%s",
                           sec->offset_within_address_space,
                           sec->last_within_address_space,
                           memory_region_name(sec->mr),
                           sec->offset_within_region,
                           sec->readonly ? " ro" : "",
                           sec->log_dirty ? " log" : "");
}

/* The view as "SECTION; SECTION; ..." (free with g_free()). */
static inline char *view_to_string(FlatView *view)
{
    GString *s = g_string_new(NULL);

    for (size_t i = 0; i < flatview_nr_sections(view); i++) {
        MemoryRegionSection sec;

        flatview_get_section(view, i, &sec);
        if (i) {
            g_string_append(s, "; ");
        }
        section_append(s, &sec);
    }
    return g_string_free(s, FALSE);
}

static inline char *as_to_string(AddressSpace *as)
{
    g_autoptr(FlatView) view = address_space_get_flatview(as);

    return view_to_string(view);
}

#define assert_view(as, expected) do { \
        g_autofree char *view_str_ = as_to_string(as); \
        g_assert_cmpstr(view_str_, ==, (expected)); \
    } while (0)

/* A listener that logs "TAG event [section]" lines into a shared log. */
typedef struct Recorder {
    MemoryListener listener;
    const char *tag;
    GPtrArray *log;             /* char *, shared by several recorders */
    bool fail_global_start;
} Recorder;

static inline void rec_log(MemoryListener *l, const char *what,
                           const MemoryRegionSection *sec)
{
    Recorder *r = (Recorder *)l;
    GString *s = g_string_new(NULL);

    g_string_append_printf(s, "%s %s", r->tag, what);
    if (sec) {
        g_string_append_c(s, ' ');
        section_append(s, sec);
    }
    g_ptr_array_add(r->log, g_string_free(s, FALSE));
}

static inline void rec_begin(MemoryListener *l) { rec_log(l, "begin", NULL); }
static inline void rec_commit(MemoryListener *l) { rec_log(l, "commit", NULL); }

static inline void rec_add(MemoryListener *l, MemoryRegionSection *s)
{
    rec_log(l, "add", s);
}

static inline void rec_del(MemoryListener *l, MemoryRegionSection *s)
{
    rec_log(l, "del", s);
}

static inline void rec_nop(MemoryListener *l, MemoryRegionSection *s)
{
    rec_log(l, "nop", s);
}

static inline void rec_log_start(MemoryListener *l, MemoryRegionSection *s)
{
    rec_log(l, "log_start", s);
}

static inline void rec_log_stop(MemoryListener *l, MemoryRegionSection *s)
{
    rec_log(l, "log_stop", s);
}

static inline void rec_log_sync(MemoryListener *l, MemoryRegionSection *s)
{
    rec_log(l, "log_sync", s);
}

static inline bool rec_global_start(MemoryListener *l, GError **errp)
{
    Recorder *r = (Recorder *)l;

    rec_log(l, "global_start", NULL);
    if (r->fail_global_start) {
        g_set_error(errp, MEMORY_ERROR, EIO, "%s refuses", r->tag);
        return false;
    }
    return true;
}

static inline void rec_global_stop(MemoryListener *l)
{
    rec_log(l, "global_stop", NULL);
}

static inline void recorder_init(Recorder *r, const char *tag, int priority,
                                 GPtrArray *log)
{
    *r = (Recorder) {
        .listener = {
            .begin = rec_begin,
            .commit = rec_commit,
            .region_add = rec_add,
            .region_del = rec_del,
            .region_nop = rec_nop,
            .log_start = rec_log_start,
            .log_stop = rec_log_stop,
            .log_sync = rec_log_sync,
            .log_global_start = rec_global_start,
            .log_global_stop = rec_global_stop,
            .name = tag,
            .priority = priority,
        },
        .tag = tag,
        .log = log,
    };
}

static inline GPtrArray *event_log_new(void)
{
    return g_ptr_array_new_with_free_func(g_free);
}

/* The log as lines joined by "\n", then emptied (free with g_free()). */
static inline char *event_log_take(GPtrArray *log)
{
    char *joined;

    g_ptr_array_add(log, NULL);
    joined = g_strjoinv("\n", (char **)log->pdata);
    g_ptr_array_set_size(log, 0);
    return joined;
}

#define assert_events(log, expected) do { \
        g_autofree char *events_str_ = event_log_take(log); \
        g_assert_cmpstr(events_str_, ==, (expected)); \
    } while (0)

/*
 * A topology with one address space over a 1 MiB root container, and
 * host memory handed out to RAM regions.
 */
typedef struct MemFixture {
    MemoryTopology *topo;
    MemoryRegion *root;
    AddressSpace *as;
    uint8_t *host;
    size_t host_used;
} MemFixture;

#define MEM_FIXTURE_ROOT_SIZE 0x100000
#define MEM_FIXTURE_HOST_SIZE 0x100000

static inline void mem_fixture_setup(MemFixture *f, gconstpointer data)
{
    f->topo = memory_topology_new();
    f->root = memory_region_new_container(f->topo, "root",
                                          MEM_FIXTURE_ROOT_SIZE);
    f->as = address_space_new(f->topo, f->root, "as");
    f->host = g_malloc0(MEM_FIXTURE_HOST_SIZE);
    f->host_used = 0;
}

static inline void mem_fixture_teardown(MemFixture *f, gconstpointer data)
{
    address_space_free(f->as);
    memory_region_unref(f->root);
    memory_topology_unref(f->topo);
    g_free(f->host);
}

/* Fresh host memory for a region of @size bytes, 64-byte aligned. */
static inline void *mem_fixture_host(MemFixture *f, uint64_t size)
{
    void *p = f->host + f->host_used;

    f->host_used += (size + 63) & ~(uint64_t)63;
    g_assert_cmpuint(f->host_used, <=, MEM_FIXTURE_HOST_SIZE);
    return p;
}

static inline MemoryRegion *mem_new_ram(MemFixture *f, const char *name,
                                        uint64_t size)
{
    return memory_region_new_ram_ptr(f->topo, name, size,
                                     mem_fixture_host(f, size));
}

/* Add @mr to @parent, hand our reference over; Return: @mr (borrowed). */
static inline MemoryRegion *mem_add(MemoryRegion *parent, uint64_t addr,
                                    MemoryRegion *mr, int priority)
{
    memory_region_add_subregion_overlap(parent, addr, mr, priority);
    memory_region_unref(mr);
    return mr;
}

#endif /* TEST_MEMORY_COMMON_H */
