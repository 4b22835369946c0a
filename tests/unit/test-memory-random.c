/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Memory core: differential test.
 *
 * Random sequences of operations (create, add, remove, move, priorities,
 * aliases, enable, read-only, dirty logging, listener churn) run on the
 * real core and on a shadow model of the region tree.  After every commit:
 *
 * - each address space's FlatView is checked against a naive reference
 *   resolver that walks the model to answer "what is at address X";
 * - each listener's mirror, built only from the region_add / region_del /
 *   log_start / log_stop events it received, must equal the FlatView (no
 *   missing or duplicate events), and within a batch no deletion may
 *   follow an addition;
 * - the view must be sorted, non-overlapping and fully merged.
 *
 * Every address, size and offset is a multiple of CELL bytes, so what is
 * at an address is constant over a cell (up to the offset): one sampled
 * address per cell checks the whole space.
 *
 * The seed is fixed (MEMORY_RANDOM_SEED overrides it); a failure names
 * the seed, the sequence and the step to replay it.
 */
#include <stdlib.h>

#include "test-memory-common.h"

#define CELL        0x10
#define SPAN        0x1000          /* root size and sampled span */
#define MAX_NODES   20
#define STEPS       24

enum { K_CONTAINER, K_RAM, K_RAM_DEVICE, K_IO, K_ALIAS };

typedef struct Node {
    MemoryRegion *mr;       /* the test holds one reference */
    int kind;
    uint64_t size;
    bool enabled, readonly, log;
    int parent;             /* -1: none */
    uint64_t addr;
    int priority;
    uint64_t seq;           /* newest among equals shows on top */
    int target;             /* alias */
    uint64_t alias_offset;
} Node;

typedef struct Mirror {
    MemoryListener listener;
    struct Ctx *ctx;
    const char *tag;
    GTree *sections;        /* &start -> MemoryRegionSection * */
    bool in_batch, added_in_batch;
} Mirror;

typedef struct Ctx {
    GRand *rand;
    uint32_t seed;
    unsigned sequence, step;
    bool top;               /* AS1 is the whole 64-bit space, used at top */
    uint64_t base;          /* where AS1's regions are placed */
    MemoryTopology *topo;
    Node nodes[MAX_NODES];
    int nr;
    uint64_t next_seq;
    AddressSpace *as1, *as2;
    Mirror m1, m2, m3;      /* m1, m2 on as1; m3 on as2 */
} Ctx;

static uint8_t host_mem[CELL];
static const MemoryRegionOps no_ops;

#define check(ctx, cond, ...) do { \
        if (!(cond)) { \
            g_autofree char *msg_ = g_strdup_printf(__VA_ARGS__); \
            g_error("seed %u sequence %u step %u: %s (%s)", (ctx)->seed, \
                    (ctx)->sequence, (ctx)->step, msg_, #cond); \
        } \
    } while (0)

/* ---------------- mirrors ---------------- */

static gint compare_u64(gconstpointer a, gconstpointer b, gpointer unused)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

    return x < y ? -1 : x > y;
}

static bool section_equal(const MemoryRegionSection *a,
                          const MemoryRegionSection *b)
{
    return a->mr == b->mr && a->offset_within_region == b->offset_within_region
        && a->offset_within_address_space == b->offset_within_address_space
        && a->last_within_address_space == b->last_within_address_space
        && a->readonly == b->readonly && a->is_ram == b->is_ram
        && a->is_ram_device == b->is_ram_device;
}

static void mirror_begin(MemoryListener *l)
{
    Mirror *m = (Mirror *)l;

    check(m->ctx, !m->in_batch, "%s: begin inside a batch", m->tag);
    m->in_batch = true;
    m->added_in_batch = false;
}

static void mirror_commit(MemoryListener *l)
{
    Mirror *m = (Mirror *)l;

    check(m->ctx, m->in_batch, "%s: commit without begin", m->tag);
    m->in_batch = false;
}

/* Whether a mirrored section overlaps [start, last]. */
static bool mirror_overlaps(Mirror *m, uint64_t start, uint64_t last)
{
    GTreeNode *node = g_tree_upper_bound(m->sections, &last);
    const MemoryRegionSection *prev;

    node = node ? g_tree_node_previous(node) : g_tree_node_last(m->sections);
    if (!node) {
        return false;
    }
    prev = g_tree_node_value(node);
    return prev->last_within_address_space >= start;
}

static void mirror_add(MemoryListener *l, MemoryRegionSection *s)
{
    Mirror *m = (Mirror *)l;
    MemoryRegionSection *copy = g_memdup2(s, sizeof(*s));

    check(m->ctx, m->in_batch, "%s: add outside a batch", m->tag);
    check(m->ctx, !mirror_overlaps(m, s->offset_within_address_space,
                                   s->last_within_address_space),
          "%s: add of %#" G_GINT64_MODIFIER "x overlaps", m->tag,
          s->offset_within_address_space);
    m->added_in_batch = true;
    copy->log_dirty = false;        /* until log_start says otherwise */
    g_tree_insert(m->sections, &copy->offset_within_address_space, copy);
}

static void mirror_del(MemoryListener *l, MemoryRegionSection *s)
{
    Mirror *m = (Mirror *)l;
    MemoryRegionSection *old = g_tree_lookup(m->sections,
                                             &s->offset_within_address_space);

    check(m->ctx, m->in_batch, "%s: del outside a batch", m->tag);
    check(m->ctx, !m->added_in_batch, "%s: del after add", m->tag);
    check(m->ctx, old && section_equal(old, s),
          "%s: del of unknown section at %#" G_GINT64_MODIFIER "x", m->tag,
          s->offset_within_address_space);
    check(m->ctx, !old->log_dirty, "%s: del before log_stop", m->tag);
    g_tree_remove(m->sections, &s->offset_within_address_space);
}

static MemoryRegionSection *mirror_find(Mirror *m, MemoryRegionSection *s)
{
    MemoryRegionSection *old = g_tree_lookup(m->sections,
                                             &s->offset_within_address_space);

    check(m->ctx, old && section_equal(old, s),
          "%s: log event on unknown section at %#" G_GINT64_MODIFIER "x",
          m->tag, s->offset_within_address_space);
    return old;
}

static void mirror_log_start(MemoryListener *l, MemoryRegionSection *s)
{
    Mirror *m = (Mirror *)l;

    MemoryRegionSection *mine = mirror_find(m, s);

    check(m->ctx, s->log_dirty, "%s: log_start of unlogged section", m->tag);
    check(m->ctx, !mine->log_dirty, "%s: log_start twice", m->tag);
    mine->log_dirty = true;
}

static void mirror_log_stop(MemoryListener *l, MemoryRegionSection *s)
{
    Mirror *m = (Mirror *)l;
    MemoryRegionSection *mine = mirror_find(m, s);

    check(m->ctx, mine->log_dirty, "%s: log_stop without log_start", m->tag);
    mine->log_dirty = false;
}

static void mirror_init(Mirror *m, Ctx *ctx, const char *tag, int priority)
{
    *m = (Mirror) {
        .listener = {
            .begin = mirror_begin,
            .commit = mirror_commit,
            .region_add = mirror_add,
            .region_del = mirror_del,
            .log_start = mirror_log_start,
            .log_stop = mirror_log_stop,
            .name = tag,
            .priority = priority,
        },
        .ctx = ctx,
        .tag = tag,
        .sections = g_tree_new_full(compare_u64, NULL, NULL, g_free),
    };
}

static void mirror_register(Mirror *m, AddressSpace *as)
{
    check(m->ctx, memory_listener_register(&m->listener, as, NULL),
          "%s: register failed", m->tag);
}

typedef struct MirrorCmp {
    Mirror *m;
    GTreeNode *node;
} MirrorCmp;

static bool compare_section(MemoryRegionSection *s, void *opaque)
{
    MirrorCmp *c = opaque;
    const MemoryRegionSection *mine;

    check(c->m->ctx, c->node, "%s: missing %#" G_GINT64_MODIFIER "x",
          c->m->tag, s->offset_within_address_space);
    mine = g_tree_node_value(c->node);
    check(c->m->ctx, section_equal(mine, s) &&
          mine->log_dirty == s->log_dirty,
          "%s: section at %#" G_GINT64_MODIFIER "x differs", c->m->tag,
          s->offset_within_address_space);
    c->node = g_tree_node_next(c->node);
    return false;
}

static void mirror_check(Mirror *m, FlatView *view)
{
    MirrorCmp c = { m, g_tree_node_first(m->sections) };

    check(m->ctx, !m->in_batch, "%s: batch left open", m->tag);
    flatview_for_each_section(view, compare_section, &c);
    check(m->ctx, !c.node, "%s: extra sections", m->tag);
}

/* ---------------- model ---------------- */

static bool node_last(const Node *n, uint64_t *last)
{
    if (n->size == 0) {
        return false;
    }
    *last = n->size == UINT64_MAX ? UINT64_MAX : n->size - 1;
    return true;
}

typedef struct Hit {
    int id;
    uint64_t offset;
    bool readonly;
} Hit;

/* Children of @id containing @off, best first. */
static int containing_children(Ctx *ctx, int id, uint64_t off, int *out)
{
    int nr = 0;

    for (int i = 0; i < ctx->nr; i++) {
        const Node *c = &ctx->nodes[i];
        uint64_t last;

        if (c->parent != id || !node_last(c, &last) || off < c->addr ||
            off - c->addr > last) {
            continue;
        }
        int j = nr++;
        while (j > 0) {
            const Node *p = &ctx->nodes[out[j - 1]];

            if (p->priority > c->priority ||
                (p->priority == c->priority && p->seq > c->seq)) {
                break;
            }
            out[j] = out[j - 1];
            j--;
        }
        out[j] = i;
    }
    return nr;
}

/* The naive answer to "what is at offset @off of node @id". */
static bool ref_resolve(Ctx *ctx, int id, uint64_t off, bool ro, Hit *hit)
{
    const Node *n = &ctx->nodes[id];
    int kids[MAX_NODES];
    uint64_t last, toff;
    int nr;

    if (!n->enabled || !node_last(n, &last) || off > last) {
        return false;
    }
    ro |= n->readonly;
    if (n->kind == K_ALIAS) {
        return !__builtin_add_overflow(n->alias_offset, off, &toff) &&
               ref_resolve(ctx, n->target, toff, ro, hit);
    }
    nr = containing_children(ctx, id, off, kids);
    for (int i = 0; i < nr; i++) {
        if (ref_resolve(ctx, kids[i], off - ctx->nodes[kids[i]].addr, ro,
                        hit)) {
            return true;
        }
    }
    if (n->kind == K_CONTAINER) {
        return false;
    }
    *hit = (Hit) { id, off, ro };
    return true;
}

/* Whether @b is in the tree under @a (children and alias targets). */
static bool reaches(Ctx *ctx, int a, int b)
{
    if (a == b) {
        return true;
    }
    if (ctx->nodes[a].kind == K_ALIAS &&
        reaches(ctx, ctx->nodes[a].target, b)) {
        return true;
    }
    for (int i = 0; i < ctx->nr; i++) {
        if (ctx->nodes[i].parent == a && reaches(ctx, i, b)) {
            return true;
        }
    }
    return false;
}

/* ---------------- checks ---------------- */

/* Whether @b continues @a so seamlessly that they should be one section. */
static bool sections_mergeable(const MemoryRegionSection *a,
                               const MemoryRegionSection *b)
{
    return a->mr == b->mr && a->readonly == b->readonly &&
           a->log_dirty == b->log_dirty &&
           a->last_within_address_space + 1 ==
               b->offset_within_address_space &&
           a->offset_within_region + (a->last_within_address_space -
                                      a->offset_within_address_space) + 1 ==
               b->offset_within_region;
}

static void check_view_shape(Ctx *ctx, FlatView *view)
{
    g_autofree char *str = view_to_string(view);
    size_t nr = flatview_nr_sections(view);

    for (size_t i = 0; i < nr; i++) {
        MemoryRegionSection prev = { 0 }, cur = { 0 };

        flatview_get_section(view, i, &cur);
        check(ctx, cur.offset_within_address_space <=
              cur.last_within_address_space, "inverted section: %s", str);
        if (i == 0) {
            continue;
        }
        flatview_get_section(view, i - 1, &prev);
        check(ctx, prev.last_within_address_space <
              cur.offset_within_address_space,
              "unsorted or overlapping: %s", str);
        check(ctx, !sections_mergeable(&prev, &cur),
              "unmerged neighbours: %s", str);
    }
}

static void check_address(Ctx *ctx, FlatView *view, int root, uint64_t addr)
{
    MemoryRegionSection sec;
    Hit hit;
    bool want = ref_resolve(ctx, root, addr, false, &hit);
    bool got = flatview_lookup(view, addr, &sec);

    check(ctx, want == got, "address %#" G_GINT64_MODIFIER "x: %s", addr,
          want ? "missing" : "should be unassigned");
    if (!want) {
        return;
    }
    check(ctx, sec.mr == ctx->nodes[hit.id].mr,
          "address %#" G_GINT64_MODIFIER "x: region %s, expected %s", addr,
          memory_region_name(sec.mr),
          memory_region_name(ctx->nodes[hit.id].mr));
    check(ctx, sec.offset_within_region +
          (addr - sec.offset_within_address_space) == hit.offset,
          "address %#" G_GINT64_MODIFIER "x: wrong offset", addr);
    check(ctx, sec.readonly == hit.readonly,
          "address %#" G_GINT64_MODIFIER "x: wrong read-only", addr);
}

static void check_as(Ctx *ctx, AddressSpace *as, int root, uint64_t base,
                     unsigned cells)
{
    g_autoptr(FlatView) view = address_space_get_flatview(as);

    check_view_shape(ctx, view);
    for (unsigned cell = 0; cell < cells; cell++) {
        uint64_t in_cell = g_rand_int_range(ctx->rand, 0, CELL);

        check_address(ctx, view, root, base + cell * CELL + in_cell);
    }
    if (as == ctx->as1) {
        mirror_check(&ctx->m1, view);
        if (ctx->m2.listener.address_space) {
            mirror_check(&ctx->m2, view);
        }
    } else {
        mirror_check(&ctx->m3, view);
    }
}

static void check_all(Ctx *ctx)
{
    /* Low space: sample a bit past the root's end, which is unassigned. */
    check_as(ctx, ctx->as1, 0, ctx->base,
             ctx->top ? SPAN / CELL : SPAN / CELL + 16);
    check_as(ctx, ctx->as2, 1, 0, SPAN / CELL + 16);
}

/* ---------------- operations ---------------- */

static uint64_t rand_cells(Ctx *ctx, uint64_t max_bytes)
{
    return (uint64_t)g_rand_int_range(ctx->rand, 0, max_bytes / CELL) * CELL;
}

static uint64_t rand_size(Ctx *ctx)
{
    int r = g_rand_int_range(ctx->rand, 0, 100);

    if (r < 2) {
        return 0;
    }
    if (r < 4) {
        return UINT64_MAX;          /* 2^64 */
    }
    return CELL + rand_cells(ctx, 0x800);
}

static int pick(Ctx *ctx, bool (*ok)(Ctx *, int))
{
    int cand[MAX_NODES], nr = 0;

    for (int i = 0; i < ctx->nr; i++) {
        if (ok(ctx, i)) {
            cand[nr++] = i;
        }
    }
    return nr ? cand[g_rand_int_range(ctx->rand, 0, nr)] : -1;
}

static bool is_placed(Ctx *ctx, int i) { return ctx->nodes[i].parent >= 0; }
static bool is_alias(Ctx *ctx, int i) { return ctx->nodes[i].kind == K_ALIAS; }
static bool is_any(Ctx *ctx, int i) { return true; }

static bool is_free(Ctx *ctx, int i)
{
    return i != 0 && ctx->nodes[i].parent < 0;
}

static bool is_terminal(Ctx *ctx, int i)
{
    return ctx->nodes[i].kind != K_CONTAINER &&
           ctx->nodes[i].kind != K_ALIAS;
}

static void node_create(Ctx *ctx, int kind, uint64_t size)
{
    Node *n = &ctx->nodes[ctx->nr];
    g_autofree char *name = g_strdup_printf("n%d", ctx->nr);

    *n = (Node) { .kind = kind, .size = size, .enabled = true, .parent = -1 };
    switch (kind) {
    case K_CONTAINER:
        n->mr = memory_region_new_container(ctx->topo, name, size);
        break;
    case K_RAM:
        n->mr = memory_region_new_ram_ptr(ctx->topo, name, size, host_mem);
        break;
    case K_RAM_DEVICE:
        n->mr = memory_region_new_ram_device_ptr(ctx->topo, name, size,
                                                 host_mem);
        break;
    case K_IO:
        n->mr = memory_region_new_io(ctx->topo, name, size, &no_ops, NULL);
        break;
    default:
        n->target = pick(ctx, is_any);
        n->alias_offset = g_rand_int_range(ctx->rand, 0, 10) ?
                          rand_cells(ctx, 0x800) : UINT64_MAX - (CELL - 1);
        n->mr = memory_region_new_alias(ctx->topo, name,
                                        ctx->nodes[n->target].mr,
                                        n->alias_offset, size);
        break;
    }
    ctx->nr++;
}

static void op_create(Ctx *ctx)
{
    if (ctx->nr < MAX_NODES) {
        node_create(ctx, g_rand_int_range(ctx->rand, 0, 5), rand_size(ctx));
    }
}

static uint64_t rand_addr(Ctx *ctx, int parent)
{
    if (parent == 0) {
        return ctx->base + rand_cells(ctx, ctx->top ? SPAN : SPAN + 0x400);
    }
    return rand_cells(ctx, 0x800);
}

static void op_add(Ctx *ctx)
{
    int c = pick(ctx, is_free), p, tries = 8;
    Node *n;

    if (c < 0) {
        return;
    }
    do {
        p = pick(ctx, is_any);
    } while (--tries && (ctx->nodes[p].kind == K_ALIAS || reaches(ctx, c, p)));
    if (!tries) {
        return;
    }
    n = &ctx->nodes[c];
    n->parent = p;
    n->addr = rand_addr(ctx, p);
    n->priority = g_rand_int_range(ctx->rand, -2, 3);
    n->seq = ++ctx->next_seq;
    memory_region_add_subregion_overlap(ctx->nodes[p].mr, n->addr, n->mr,
                                        n->priority);
}

static void op_del(Ctx *ctx)
{
    int c = pick(ctx, is_placed);

    if (c >= 0) {
        memory_region_del_subregion(ctx->nodes[ctx->nodes[c].parent].mr,
                                    ctx->nodes[c].mr);
        ctx->nodes[c].parent = -1;
    }
}

static void op_move(Ctx *ctx)
{
    int c = pick(ctx, is_placed);
    uint64_t addr;

    if (c < 0) {
        return;
    }
    /* Sometimes to where it is: a no-op that must not reorder it. */
    addr = g_rand_int_range(ctx->rand, 0, 8) ? rand_addr(ctx,
                                                         ctx->nodes[c].parent)
                                             : ctx->nodes[c].addr;
    if (addr != ctx->nodes[c].addr) {
        ctx->nodes[c].addr = addr;
        ctx->nodes[c].seq = ++ctx->next_seq;
    }
    memory_region_set_address(ctx->nodes[c].mr, addr);
}

static void op_enable(Ctx *ctx)
{
    Node *n = &ctx->nodes[pick(ctx, is_any)];

    n->enabled = !n->enabled;
    memory_region_set_enabled(n->mr, n->enabled);
}

static void op_readonly(Ctx *ctx)
{
    Node *n = &ctx->nodes[pick(ctx, is_any)];

    n->readonly = !n->readonly;
    memory_region_set_readonly(n->mr, n->readonly);
}

static void op_alias_offset(Ctx *ctx)
{
    int a = pick(ctx, is_alias);

    if (a >= 0) {
        ctx->nodes[a].alias_offset = rand_cells(ctx, 0x800);
        memory_region_set_alias_offset(ctx->nodes[a].mr,
                                       ctx->nodes[a].alias_offset);
    }
}

static void op_log(Ctx *ctx)
{
    int t = pick(ctx, is_terminal);

    if (t >= 0) {
        ctx->nodes[t].log = !ctx->nodes[t].log;
        memory_region_set_log(ctx->nodes[t].mr, ctx->nodes[t].log);
    }
}

static void op_global_log(Ctx *ctx)
{
    if (memory_global_dirty_log_is_on(ctx->topo)) {
        memory_global_dirty_log_stop(ctx->topo);
    } else {
        check(ctx, memory_global_dirty_log_start(ctx->topo, NULL),
              "global start failed");
    }
}

/* Outside transactions only: registration replays the current view. */
static void op_listener(Ctx *ctx)
{
    Mirror *m = &ctx->m2;

    if (!m->listener.address_space) {
        mirror_register(m, ctx->as1);
    } else if (g_rand_boolean(ctx->rand)) {
        memory_listener_unregister(&m->listener);
        check(ctx, g_tree_nnodes(m->sections) == 0,
              "m2: sections left after unregister");
    } else {
        memory_listener_unregister_silent(&m->listener);
        g_tree_remove_all(m->sections);
    }
}

static void run_op(Ctx *ctx)
{
    static void (*const ops[])(Ctx *) = {
        op_create, op_add, op_add, op_add, op_del, op_move, op_move,
        op_enable, op_readonly, op_alias_offset, op_log,
    };

    ops[g_rand_int_range(ctx->rand, 0, G_N_ELEMENTS(ops))](ctx);
}

/* ---------------- sequences ---------------- */

static void ctx_setup(Ctx *ctx)
{
    ctx->topo = memory_topology_new();
    ctx->nr = 0;
    ctx->next_seq = 0;
    node_create(ctx, K_CONTAINER, ctx->top ? UINT64_MAX : SPAN);
    node_create(ctx, K_CONTAINER, SPAN);
    ctx->as1 = address_space_new(ctx->topo, ctx->nodes[0].mr, "as1");
    ctx->as2 = address_space_new(ctx->topo, ctx->nodes[1].mr, "as2");
    mirror_init(&ctx->m1, ctx, "m1", 0);
    mirror_init(&ctx->m2, ctx, "m2", 1);
    mirror_init(&ctx->m3, ctx, "m3", 0);
    mirror_register(&ctx->m1, ctx->as1);
    mirror_register(&ctx->m3, ctx->as2);
}

static void ctx_teardown(Ctx *ctx)
{
    Mirror *mirrors[] = { &ctx->m1, &ctx->m2, &ctx->m3 };

    for (unsigned i = 0; i < G_N_ELEMENTS(mirrors); i++) {
        memory_listener_unregister(&mirrors[i]->listener);
        check(ctx, g_tree_nnodes(mirrors[i]->sections) == 0,
              "%s: sections left after unregister", mirrors[i]->tag);
        g_tree_destroy(mirrors[i]->sections);
    }
    address_space_free(ctx->as1);
    address_space_free(ctx->as2);
    for (int i = 0; i < ctx->nr; i++) {
        memory_region_unref(ctx->nodes[i].mr);
    }
    memory_topology_unref(ctx->topo);
}

static void run_step(Ctx *ctx)
{
    int r = g_rand_int_range(ctx->rand, 0, 100);

    if (r < 4) {
        op_listener(ctx);
    } else if (r < 6) {
        op_global_log(ctx);
    } else if (r < 30) {
        /* A batch, sometimes nested: one render at the outermost commit. */
        int n = g_rand_int_range(ctx->rand, 2, 6);

        memory_region_transaction_begin(ctx->topo);
        for (int i = 0; i < n; i++) {
            if (i == 1 && g_rand_boolean(ctx->rand)) {
                memory_region_transaction_begin(ctx->topo);
                run_op(ctx);
                memory_region_transaction_commit(ctx->topo);
            } else {
                run_op(ctx);
            }
        }
        memory_region_transaction_commit(ctx->topo);
    } else {
        run_op(ctx);
    }
}

static void run_sequence(Ctx *ctx)
{
    ctx_setup(ctx);
    /* Start with a few regions so the first steps have material. */
    for (int i = 0; i < 6; i++) {
        op_create(ctx);
        op_add(ctx);
    }
    for (ctx->step = 0; ctx->step < STEPS; ctx->step++) {
        run_step(ctx);
        check_all(ctx);
    }
    ctx_teardown(ctx);
}

static uint32_t base_seed(void)
{
    const char *env = g_getenv("MEMORY_RANDOM_SEED");

    return env ? (uint32_t)strtoul(env, NULL, 0) : 20261124u;
}

static void run_sequences(bool top, unsigned count)
{
    Ctx ctx = { .top = top, .base = top ? UINT64_MAX - (SPAN - 1) : 0 };
    const char *only = g_getenv("MEMORY_RANDOM_SEQUENCE");

    ctx.seed = base_seed() + (top ? 1000003u : 0);
    g_test_message("seed %u (set MEMORY_RANDOM_SEED to change), "
                   "%u sequences of %u steps", ctx.seed, count, STEPS);
    for (ctx.sequence = 0; ctx.sequence < count; ctx.sequence++) {
        if (only && ctx.sequence != strtoul(only, NULL, 0)) {
            continue;
        }
        ctx.rand = g_rand_new_with_seed(ctx.seed + ctx.sequence);
        run_sequence(&ctx);
        g_rand_free(ctx.rand);
    }
}

static void test_low_space(void)
{
    run_sequences(false, g_test_quick() ? 1500 : 6000);
}

static void test_top_of_space(void)
{
    run_sequences(true, g_test_quick() ? 500 : 2000);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);

    g_test_add_func("/memory/random/low-space", test_low_space);
    g_test_add_func("/memory/random/top-of-space", test_top_of_space);
    return g_test_run();
}
