/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * QMP commands of VFIO device assignment: query-pci (QEMU's shape, the
 * vfio-pci devices on bus 0) and x-query-vfio (the VFIO layer's state).
 */
#include "hw/vfio/vfio-pci.h"
#include "hw/vfio/vfio-query.h"
#include "monitor/qmp-args.h"
#include "monitor/qmp-cmds-vfio.h"

static gint vfio_pci_cmp_slot(gconstpointer a, gconstpointer b)
{
    VFIOPCIDevice *da = *(VFIOPCIDevice *const *)a;
    VFIOPCIDevice *db = *(VFIOPCIDevice *const *)b;

    return vfio_pci_get_slot(da) - vfio_pci_get_slot(db);
}

static JsonNode *qmp_query_pci(QmpServer *qmp, JsonObject *args,
                               Monitor *mon, void *opaque, GError **errp)
{
    Machine *m = opaque;
    g_autoptr(GPtrArray) devs = NULL;
    JsonArray *devices, *buses;
    JsonObject *bus;
    JsonNode *node;

    if (!qmp_args_check_only(args, NULL, errp)) {
        return NULL;
    }
    devs = object_registry_list(machine_get_objects(m), TYPE_VFIO_PCI);
    g_ptr_array_sort(devs, vfio_pci_cmp_slot);
    devices = json_array_new();
    for (guint i = 0; i < devs->len; i++) {
        DeviceState *dev = g_ptr_array_index(devs, i);

        if (device_is_realized(dev)) {
            json_array_add_object_element(devices,
                                          vfio_pci_query(VFIO_PCI(dev)));
        }
    }
    bus = json_object_new();
    json_object_set_int_member(bus, "bus", 0);
    json_object_set_array_member(bus, "devices", devices);
    buses = json_array_new();
    json_array_add_object_element(buses, bus);
    node = json_node_new(JSON_NODE_ARRAY);
    json_node_take_array(node, buses);
    return node;
}

static JsonNode *qmp_x_query_vfio(QmpServer *qmp, JsonObject *args,
                                  Monitor *mon, void *opaque, GError **errp)
{
    Machine *m = opaque;

    if (!qmp_args_check_only(args, NULL, errp)) {
        return NULL;
    }
    return vfio_query(machine_get_vfio_context(m));
}

void qmp_cmds_vfio_register(QmpServer *qmp, Machine *m)
{
    qmp_register_command(qmp, "query-pci", qmp_query_pci, m);
    qmp_register_command(qmp, "x-query-vfio", qmp_x_query_vfio, m);
}
