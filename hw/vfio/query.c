/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * x-query-vfio: address spaces, containers, devices, mappings, counters.
 */
#include <inttypes.h>

#include "hw/vfio/vfio-query.h"
#include "vfio-internal.h"

static void add_hex(JsonBuilder *b, const char *name, uint64_t v)
{
    g_autofree char *s = g_strdup_printf("0x%" PRIx64, v);

    json_builder_set_member_name(b, name);
    json_builder_add_string_value(b, s);
}

static void add_int(JsonBuilder *b, const char *name, gint64 v)
{
    json_builder_set_member_name(b, name);
    json_builder_add_int_value(b, v);
}

static void add_bool(JsonBuilder *b, const char *name, bool v)
{
    json_builder_set_member_name(b, name);
    json_builder_add_boolean_value(b, v);
}

static void add_counters(JsonBuilder *b, const VFIOIoctlCounters *c)
{
    json_builder_set_member_name(b, "ioctls");
    json_builder_begin_object(b);
    for (guint i = 0; i < VFIO_IOCTL__COUNT; i++) {
        if (c->n[i]) {
            add_int(b, vfio_ioctl_name(i), c->n[i]);
        }
    }
    json_builder_end_object(b);
    add_int(b, "ioctls-total", vfio_ioctl_total(c));
}

static bool add_range(const Range *r, void *opaque)
{
    JsonBuilder *b = opaque;

    json_builder_begin_object(b);
    add_hex(b, "start", r->start);
    add_hex(b, "last", r->last);
    json_builder_end_object(b);
    return true;
}

static void add_mapping(JsonBuilder *b, const VFIOMapping *m)
{
    uint64_t size;

    json_builder_begin_object(b);
    add_hex(b, "iova", m->iova.start);
    add_hex(b, "last", m->iova.last);
    if (range_size(&m->iova, &size)) {
        add_int(b, "size", size);
    }
    add_hex(b, "host", m->vaddr);
    json_builder_set_member_name(b, "origin");
    json_builder_add_string_value(b, vfio_mapping_origin_name(m->origin));
    if (m->origin == VFIO_MAPPING_COPY) {
        add_int(b, "source", m->source_id);
    }
    add_bool(b, "readonly", m->readonly);
    add_bool(b, "ram-device", m->ram_device);
    json_builder_end_object(b);
}

static void add_device(JsonBuilder *b, VFIOContainer *c, VFIODevice *dev)
{
    VFIOContainerClass *vc = VFIO_CONTAINER_GET_CLASS(c);

    json_builder_begin_object(b);
    json_builder_set_member_name(b, "name");
    json_builder_add_string_value(b, dev->name);
    if (vc->describe_device) {
        vc->describe_device(c, dev, b);
    }
    add_counters(b, &dev->counters);
    json_builder_end_object(b);
}

/* id, backend, state, copy source, page size, IOVA ranges */
static void add_container_state(JsonBuilder *b, VFIOAddressSpace *space,
                                VFIOContainer *c)
{
    VFIOContainer *src = vfio_address_space_copy_source(space, c);

    add_int(b, "id", c->id);
    json_builder_set_member_name(b, "backend");
    json_builder_add_string_value(b, vfio_container_backend_name(c));
    add_bool(b, "broken", c->broken);
    if (c->broken_reason) {
        json_builder_set_member_name(b, "broken-reason");
        json_builder_add_string_value(b, c->broken_reason);
    }
    add_bool(b, "dirty-tracking", c->dirty_tracking);
    json_builder_set_member_name(b, "copy-source");
    if (src) {
        json_builder_add_int_value(b, src->id);
    } else {
        json_builder_add_null_value(b);
    }
    add_int(b, "page-size", vfio_container_page_size(c));
    json_builder_set_member_name(b, "iova-ranges");
    json_builder_begin_array(b);
    interval_set_foreach(c->iova_ranges, add_range, b);
    json_builder_end_array(b);
}

static void add_container(JsonBuilder *b, VFIOAddressSpace *space,
                          VFIOContainer *c)
{
    VFIOContainerClass *vc = VFIO_CONTAINER_GET_CLASS(c);

    json_builder_begin_object(b);
    add_container_state(b, space, c);
    if (vc->describe) {
        vc->describe(c, b);
    }
    json_builder_set_member_name(b, "devices");
    json_builder_begin_array(b);
    for (GList *l = c->devices; l; l = l->next) {
        add_device(b, c, l->data);
    }
    json_builder_end_array(b);
    json_builder_set_member_name(b, "mappings");
    json_builder_begin_array(b);
    for (guint i = 0; i < c->mappings->len; i++) {
        add_mapping(b, &g_array_index(c->mappings, VFIOMapping, i));
    }
    json_builder_end_array(b);
    add_counters(b, &c->counters);
    json_builder_end_object(b);
}

static void add_space(JsonBuilder *b, VFIOAddressSpace *space)
{
    json_builder_begin_object(b);
    json_builder_set_member_name(b, "name");
    json_builder_add_string_value(b,
        address_space_name(vfio_address_space_get_as(space)));
    add_bool(b, "listening", vfio_address_space_listening(space));
    json_builder_set_member_name(b, "containers");
    json_builder_begin_array(b);
    for (GList *l = vfio_address_space_containers(space); l; l = l->next) {
        add_container(b, space, l->data);
    }
    json_builder_end_array(b);
    json_builder_end_object(b);
}

JsonNode *vfio_query(VFIOContext *ctx)
{
    g_autoptr(JsonBuilder) b = json_builder_new();

    json_builder_begin_object(b);
    json_builder_set_member_name(b, "address-spaces");
    json_builder_begin_array(b);
    for (GList *l = vfio_context_address_spaces(ctx); l; l = l->next) {
        add_space(b, l->data);
    }
    json_builder_end_array(b);
    json_builder_end_object(b);
    return json_builder_get_root(b);
}
