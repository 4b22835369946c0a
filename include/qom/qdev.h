/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Devices: objects that are realized (-device, device_add) and unrealized
 * (device_del, shutdown).
 *
 * DeviceState is abstract.  A device class implements realize/unrealize;
 * complete() of a device is its realize, and unparent() its unrealize, so
 * the registry creates and deletes devices and objects the same way.
 */
#ifndef QOM_QDEV_H
#define QOM_QDEV_H

#include "qom/object.h"

#define TYPE_DEVICE (device_get_type())
G_DECLARE_DERIVABLE_TYPE(DeviceState, device, QOM, DEVICE, Object)

/**
 * struct _DeviceStateClass - the virtual methods of a device
 * @parent_class: Object's
 * @realize: bring the device up once its properties are set; on failure
 *           nothing may be left behind.  NULL: nothing to do.
 * @unrealize: undo realize (only called on realized devices); cannot fail
 * @hotpluggable: device_add after start-up and device_del are allowed
 *                (default true)
 */
struct _DeviceStateClass {
    ObjectClass parent_class;
    bool (*realize)(DeviceState *dev, GError **errp);
    void (*unrealize)(DeviceState *dev);
    bool hotpluggable;
};

/** device_is_realized() - Return: whether @dev is realized */
bool device_is_realized(DeviceState *dev);

/**
 * device_is_hotplugged() - Return: whether @dev was added after start-up
 * (device_add rather than -device)
 */
bool device_is_hotplugged(DeviceState *dev);

/* private: for the registry */
void device_set_hotplugged(DeviceState *dev, bool hotplugged);

#endif /* QOM_QDEV_H */
