/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * x-query-vfio: the whole VFIO state of a context as JSON.
 *
 * {"address-spaces": [{
 *     "name": "memory", "listening": true,
 *     "containers": [{
 *         "id": 1, "backend": "iommufd", "broken": false,
 *         ("broken-reason": "...",) "dirty-tracking": false,
 *         "copy-source": 2 | null,     where COPY takes ranges from
 *         "page-size": 4096,
 *         "iova-ranges": [{"start": "0x0", "last": "0xfedfffff"}, ...],
 *         backend members: legacy "iommu-type", "groups", "dma-avail";
 *                          iommufd "iommufd", "ioas", "hwpts",
 *         "devices": [{"name": "0000:00:04.0", backend members (legacy
 *                      "group"; iommufd "devid", "hwpt"),
 *                      "ioctls": {...}}],
 *         "mappings": [{"iova": "0x0", "last": "0x3fffff",
 *                       "size": 4194304, "host": "0x7f..",
 *                       "origin": "map" | "copy" | "map_dma",
 *                       ("source": 1,) "readonly": false,
 *                       "ram-device": false}],
 *         "ioctls": {"IOMMU_IOAS_MAP": 3, ...}, "ioctls-total": 9
 *     }]
 * }]}
 *
 * Addresses are hexadecimal strings (exact over the whole 64-bit range);
 * counters list only the kinds issued at least once.
 */
#ifndef HW_VFIO_VFIO_QUERY_H
#define HW_VFIO_VFIO_QUERY_H

#include <json-glib/json-glib.h>

#include "hw/vfio/vfio-common.h"

/**
 * vfio_query() - describe everything @ctx holds
 * @ctx: the context
 *
 * Return: a new JSON object node; free with json_node_unref().
 */
JsonNode *vfio_query(VFIOContext *ctx);

#endif /* HW_VFIO_VFIO_QUERY_H */
