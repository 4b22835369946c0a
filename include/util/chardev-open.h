/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Opening character devices whose identity is known from sysfs.
 *
 * sysfs tells the device number (e.g. <device>/vfio-dev/vfio0/dev holds
 * "252:0"); the node in /dev may be missing, renamed, or another device
 * entirely (a container's /dev, a stale node).  So a device is opened by
 * path and then checked against the expected major:minor, falling back to
 * /dev/char/MAJ:MIN, which udev maintains for every character device.
 */
#ifndef UTIL_CHARDEV_OPEN_H
#define UTIL_CHARDEV_OPEN_H

#include <glib.h>
#include <stdbool.h>
#include <sys/types.h>

#define CHARDEV_DIR_DEFAULT "/dev/char"

/**
 * open_cdev() - open a character device and verify its device number
 * @path: the node to try first (e.g. "/dev/vfio/devices/vfio0")
 * @expected: the device number it must have (makedev(major, minor))
 * @flags: open(2) flags; O_CLOEXEC is always added
 * @errp: set on failure
 *
 * If @path cannot be opened or is not the expected character device,
 * /dev/char/MAJ:MIN is tried.
 *
 * Return: an fd the caller owns (close with close()), or -1 with @errp set
 * naming both paths tried and what was found at each.
 */
int open_cdev(const char *path, dev_t expected, int flags, GError **errp);

/**
 * open_cdev_in() - open_cdev() with another fallback directory
 * @path: the node to try first
 * @expected: the device number it must have
 * @flags: open(2) flags; O_CLOEXEC is always added
 * @char_dir: directory holding MAJ:MIN entries (normally /dev/char)
 * @errp: set on failure
 *
 * Return: as open_cdev().
 */
int open_cdev_in(const char *path, dev_t expected, int flags,
                 const char *char_dir, GError **errp);

/**
 * read_sysfs_devnum() - parse a sysfs "dev" attribute ("MAJ:MIN\n")
 * @sysfs_path: e.g. "/sys/bus/pci/devices/0000:00:04.0/vfio-dev/vfio0/dev"
 * @devnum: filled on success
 * @errp: set on failure, naming the file and what it held
 *
 * Return: true on success.
 */
bool read_sysfs_devnum(const char *sysfs_path, dev_t *devnum, GError **errp);

#endif /* UTIL_CHARDEV_OPEN_H */
