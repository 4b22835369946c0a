/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * QMP commands on the machine: query-memory-devices, cont and query-name.
 */
#include "hw/mem/pc-dimm.h"
#include "monitor/qmp-args.h"
#include "monitor/qmp-cmds-machine.h"

static JsonObject *dimm_info(PCDIMMDevice *dimm)
{
    Object *obj = QOM_OBJECT(dimm);
    JsonObject *data = json_object_new();
    JsonObject *info = json_object_new();

    if (object_get_id(obj)) {
        json_object_set_string_member(data, "id", object_get_id(obj));
    }
    json_object_set_int_member(data, "addr", (gint64)pc_dimm_get_addr(dimm));
    json_object_set_int_member(data, "size", (gint64)pc_dimm_get_size(dimm));
    json_object_set_int_member(data, "slot", pc_dimm_get_slot(dimm));
    json_object_set_int_member(data, "node", pc_dimm_get_node(dimm));
    json_object_set_string_member(data, "memdev",
        object_get_path(QOM_OBJECT(pc_dimm_get_memdev(dimm))));
    json_object_set_boolean_member(data, "hotpluggable",
        QOM_DEVICE_GET_CLASS(dimm)->hotpluggable);
    json_object_set_boolean_member(data, "hotplugged",
        device_is_hotplugged(QOM_DEVICE(dimm)));
    json_object_set_string_member(info, "type", "dimm");
    json_object_set_object_member(info, "data", data);
    return info;
}

static JsonNode *qmp_query_memory_devices(QmpServer *qmp, JsonObject *args,
                                          Monitor *mon, void *opaque,
                                          GError **errp)
{
    Machine *m = opaque;
    g_autoptr(GPtrArray) dimms = NULL;
    JsonArray *list;
    JsonNode *node;

    if (!qmp_args_check_only(args, NULL, errp)) {
        return NULL;
    }
    dimms = object_registry_list(machine_get_objects(m), TYPE_PC_DIMM);
    list = json_array_new();
    for (guint i = 0; i < dimms->len; i++) {
        json_array_add_object_element(list,
                                      dimm_info(g_ptr_array_index(dimms, i)));
    }
    node = json_node_new(JSON_NODE_ARRAY);
    json_node_take_array(node, list);
    return node;
}

/* Return: a new {} for commands that return nothing */
static JsonNode *empty_return(void)
{
    JsonNode *node = json_node_new(JSON_NODE_OBJECT);

    json_node_take_object(node, json_object_new());
    return node;
}

static JsonNode *qmp_cont(QmpServer *qmp, JsonObject *args, Monitor *mon,
                          void *opaque, GError **errp)
{
    Machine *m = opaque;

    if (!qmp_args_check_only(args, NULL, errp)) {
        return NULL;
    }
    if (!machine_is_running(m)) {
        machine_set_running(m, true);
        machine_emit_event(m, "RESUME", NULL);
    }
    return empty_return();
}

static JsonNode *qmp_query_name(QmpServer *qmp, JsonObject *args,
                                Monitor *mon, void *opaque, GError **errp)
{
    Machine *m = opaque;
    JsonObject *info;
    JsonNode *node;

    if (!qmp_args_check_only(args, NULL, errp)) {
        return NULL;
    }
    info = json_object_new();
    if (machine_get_name(m)) {
        json_object_set_string_member(info, "name", machine_get_name(m));
    }
    node = json_node_new(JSON_NODE_OBJECT);
    json_node_take_object(node, info);
    return node;
}

void qmp_cmds_machine_register(QmpServer *qmp, Machine *m)
{
    qmp_register_command(qmp, "cont", qmp_cont, m);
    qmp_register_command(qmp, "query-memory-devices",
                         qmp_query_memory_devices, m);
    qmp_register_command(qmp, "query-name", qmp_query_name, m);
}
