/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Walking the capability chains of VFIO info structs (IOMMU_GET_INFO,
 * DEVICE_GET_REGION_INFO, ...).
 */
#include <linux/vfio.h>

#include "vfio-internal.h"

/* A chain longer than this is a loop: no struct has that many caps. */
#define VFIO_MAX_CAPS 64

const void *vfio_info_find_cap(const void *buf, size_t len, uint32_t first,
                               uint16_t id, size_t *avail)
{
    const uint8_t *base = buf;
    uint32_t off = first;

    for (int n = 0; off && n < VFIO_MAX_CAPS; n++) {
        const struct vfio_info_cap_header *hdr;

        if (off > len || len - off < sizeof(*hdr)) {
            return NULL;
        }
        hdr = (const void *)(base + off);
        if (hdr->id == id) {
            *avail = len - off;
            return hdr;
        }
        off = hdr->next;
    }
    return NULL;
}
