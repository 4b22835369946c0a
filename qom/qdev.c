/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * DeviceState: the abstract device, realized on creation and unrealized
 * when it leaves its registry.
 */
#include "qom/qdev.h"
#include "trace-qom.h"

typedef struct DeviceStatePrivate {
    bool realized;
    bool hotplugged;
} DeviceStatePrivate;

G_DEFINE_ABSTRACT_TYPE_WITH_PRIVATE(DeviceState, device, TYPE_OBJECT)

static bool device_complete(Object *obj, GError **errp)
{
    DeviceState *dev = QOM_DEVICE(obj);
    DeviceStatePrivate *priv = device_get_instance_private(dev);
    DeviceStateClass *klass = QOM_DEVICE_GET_CLASS(dev);

    if (klass->realize && !klass->realize(dev, errp)) {
        return false;
    }
    priv->realized = true;
    trace_device_realize(object_get_type_name(obj), object_get_path(obj));
    return true;
}

static void device_unparent(Object *obj)
{
    DeviceState *dev = QOM_DEVICE(obj);
    DeviceStatePrivate *priv = device_get_instance_private(dev);
    DeviceStateClass *klass = QOM_DEVICE_GET_CLASS(dev);

    if (!priv->realized) {
        return;
    }
    trace_device_unrealize(object_get_type_name(obj), object_get_path(obj));
    if (klass->unrealize) {
        klass->unrealize(dev);
    }
    priv->realized = false;
}

static void device_class_init(DeviceStateClass *klass)
{
    ObjectClass *oc = QOM_OBJECT_CLASS(klass);

    oc->type_name = "device";
    oc->complete = device_complete;
    oc->unparent = device_unparent;
    klass->hotpluggable = true;
}

static void device_init(DeviceState *dev)
{
}

bool device_is_realized(DeviceState *dev)
{
    DeviceStatePrivate *priv = device_get_instance_private(dev);

    return priv->realized;
}

bool device_is_hotplugged(DeviceState *dev)
{
    DeviceStatePrivate *priv = device_get_instance_private(dev);

    return priv->hotplugged;
}

void device_set_hotplugged(DeviceState *dev, bool hotplugged)
{
    DeviceStatePrivate *priv = device_get_instance_private(dev);

    priv->hotplugged = hotplugged;
}
