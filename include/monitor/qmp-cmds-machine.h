/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * QMP commands of the machine: objects and devices (object-add,
 * object-del, device_add, device_del, qom-list, qom-get), memory devices
 * (query-memory-devices), and the run state (cont, query-name).
 */
#ifndef MONITOR_QMP_CMDS_MACHINE_H
#define MONITOR_QMP_CMDS_MACHINE_H

#include "monitor/qmp.h"
#include "system/machine.h"

/**
 * qmp_cmds_qom_register() - register the object, device and QOM commands
 * @qmp: the server
 * @m: the machine they act on (must outlive @qmp's use of them)
 */
void qmp_cmds_qom_register(QmpServer *qmp, Machine *m);

/**
 * qmp_cmds_machine_register() - register query-memory-devices, cont and
 * query-name
 * @qmp: the server
 * @m: the machine
 */
void qmp_cmds_machine_register(QmpServer *qmp, Machine *m);

#endif /* MONITOR_QMP_CMDS_MACHINE_H */
