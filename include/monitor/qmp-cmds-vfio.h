/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * QMP commands of VFIO device assignment: query-pci and x-query-vfio.
 */
#ifndef MONITOR_QMP_CMDS_VFIO_H
#define MONITOR_QMP_CMDS_VFIO_H

#include "monitor/qmp.h"
#include "system/machine.h"

/**
 * qmp_cmds_vfio_register() - add query-pci and x-query-vfio
 * @qmp: the server
 * @m: the machine the commands describe (borrowed; outlives @qmp's use)
 */
void qmp_cmds_vfio_register(QmpServer *qmp, Machine *m);

#endif /* MONITOR_QMP_CMDS_VFIO_H */
