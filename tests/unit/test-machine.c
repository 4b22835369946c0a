/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Unit tests of the machine's memory: boot RAM (default memfd or a named
 * backend), the -m checks, the three memory backends and their options,
 * and pc-dimm plug/unplug in the hotplug window.
 */
#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <unistd.h>

#include "hw/mem/pc-dimm.h"
#include "qom/keyval.h"
#include "qom/object-interfaces.h"
#include "system/hostmem.h"
#include "system/machine.h"

#define MiB (UINT64_C(1) << 20)
#define GiB (UINT64_C(1) << 30)

static Object *obj_add(Machine *m, const char *text, GError **errp)
{
    g_autoptr(JsonObject) opts = qom_parse_options(text, "qom-type", NULL);

    g_assert_nonnull(opts);
    return user_creatable_add(machine_get_objects(m), opts, errp);
}

static DeviceState *dev_add(Machine *m, const char *text, GError **errp)
{
    g_autoptr(JsonObject) opts = qom_parse_options(text, "driver", NULL);

    g_assert_nonnull(opts);
    return qdev_device_add(machine_get_objects(m), opts, errp);
}

static void assert_err(GError *err, int code, const char *substr)
{
    g_assert_nonnull(err);
    if (!strstr(err->message, substr)) {
        g_error("'%s' does not contain '%s'", err->message, substr);
    }
    g_assert_cmpint(err->code, ==, code);
    g_error_free(err);
}

static void rw_check(Machine *m, uint64_t addr)
{
    AddressSpace *as = machine_get_address_space(m);
    uint64_t in = 0x0123456789abcdefULL ^ addr, out = 0;

    g_assert_true(address_space_write(as, addr, &in, 8, NULL));
    g_assert_true(address_space_read(as, addr, &out, 8, NULL));
    g_assert_cmpuint(out, ==, in);
}

static void test_default_ram(void)
{
    Machine *m = machine_new();
    MachineMemoryConfig cfg = { 0 };
    GError *err = NULL;
    Object *ram;

    g_assert_true(machine_init_memory(m, &cfg, &err));
    g_assert_no_error(err);
    g_assert_cmpuint(machine_get_ram_size(m), ==, MACHINE_DEFAULT_RAM_SIZE);
    ram = object_registry_find_object(machine_get_objects(m), "pc.ram");
    g_assert_cmpstr(object_get_type_name(ram), ==, "memory-backend-memfd");
    rw_check(m, 0);
    rw_check(m, MACHINE_DEFAULT_RAM_SIZE - 8);
    g_assert_false(address_space_read(machine_get_address_space(m),
                                      MACHINE_DEFAULT_RAM_SIZE, &cfg, 1,
                                      NULL));
    g_assert_false(user_creatable_del(machine_get_objects(m), "pc.ram",
                                      &err));
    assert_err(g_steal_pointer(&err), EBUSY, "object 'pc.ram' is in use by machine boot RAM");
    g_assert_cmpuint(machine_get_device_memory(m)->size, ==, 0);
    machine_free(m);
}

static void test_named_backend(void)
{
    Machine *m = machine_new();
    MachineMemoryConfig cfg = { .backend_id = "ram0", .slots = 2,
                                .maxmem = 3 * GiB };

    g_assert_nonnull(obj_add(m, "memory-backend-ram,id=ram0,size=1G", NULL));
    g_assert_true(machine_init_memory(m, &cfg, NULL));
    g_assert_cmpuint(machine_get_ram_size(m), ==, GiB);
    g_assert_cmpuint(machine_get_device_memory(m)->base, ==, GiB);
    g_assert_cmpuint(machine_get_device_memory(m)->size, ==, 2 * GiB);
    g_assert_cmpuint(machine_get_device_memory(m)->slots, ==, 2);
    rw_check(m, GiB - 8);
    machine_free(m);
}

static void memory_err(const MachineMemoryConfig *cfg, const char *backend,
                       int code, const char *substr)
{
    Machine *m = machine_new();
    GError *err = NULL;

    if (backend) {
        g_assert_nonnull(obj_add(m, backend, NULL));
    }
    g_assert_false(machine_init_memory(m, cfg, &err));
    assert_err(g_steal_pointer(&err), code, substr);
    machine_free(m);
}

static void test_memory_config_errors(void)
{
    memory_err(&(MachineMemoryConfig){ .size = GiB, .maxmem = GiB / 2,
                                       .slots = 1 },
               NULL, EINVAL, "maxmem (0x20000000) must be at least");
    memory_err(&(MachineMemoryConfig){ .size = GiB, .maxmem = 2 * GiB },
               NULL, EINVAL, "no hotplug slots were specified");
    memory_err(&(MachineMemoryConfig){ .size = GiB, .slots = 2 },
               NULL, EINVAL, "slots=2 needs maxmem above the RAM size");
    memory_err(&(MachineMemoryConfig){ .size = GiB, .slots = 257,
                                       .maxmem = 2 * GiB },
               NULL, EINVAL, "slots=257 is above the limit of 256");
    memory_err(&(MachineMemoryConfig){ .size = UINT64_MAX },
               NULL, EINVAL, "bytes exceed the limit");
    memory_err(&(MachineMemoryConfig){ .backend_id = "nosuch" },
               NULL, ENOENT, "Memory backend with id 'nosuch' not found");
    memory_err(&(MachineMemoryConfig){ .backend_id = "r", .size = 2 * MiB },
               "memory-backend-ram,id=r,size=1M", EINVAL,
               "-m size 0x200000 does not match the size 0x100000");
}

static void test_backend_ram(void)
{
    Machine *m = machine_new();
    GError *err = NULL;
    HostMemoryBackend *b = HOST_MEMORY_BACKEND(
        obj_add(m, "memory-backend-ram,id=r,size=2M,prealloc=on,dump=off,"
                   "merge=off,share=on", &err));
    MemoryRegion *mr;

    g_assert_no_error(err);
    mr = host_memory_backend_get_memory(b);
    g_assert_cmpuint(memory_region_size(mr), ==, 2 * MiB);
    g_assert_cmpstr(memory_region_name(mr), ==, "r");
    g_assert_cmpint(memory_region_get_fd(mr, NULL), ==, -1);
    g_assert_true(host_memory_backend_get_share(b));
    g_assert_null(obj_add(m, "memory-backend-ram,id=z,size=0", &err));
    assert_err(g_steal_pointer(&err), EINVAL, "can't create backend with size 0");
    g_assert_null(obj_add(m, "memory-backend-ram,id=z", &err));
    assert_err(g_steal_pointer(&err), EINVAL, "Parameter 'size' is missing");
    g_assert_null(obj_add(m, "memory-backend-ram,id=z,size=1M,hugetlb=on",
                          &err));
    assert_err(g_steal_pointer(&err), EINVAL, "Property 'memory-backend-ram.hugetlb' not found");
    machine_free(m);
}

static void test_backend_memfd(void)
{
    Machine *m = machine_new();
    GError *err = NULL;
    HostMemoryBackend *b = HOST_MEMORY_BACKEND(
        obj_add(m, "memory-backend-memfd,id=f,size=4M", &err));
    HostMemoryBackend *unsealed;
    int fd;

    g_assert_no_error(err);
    fd = memory_region_get_fd(host_memory_backend_get_memory(b), NULL);
    g_assert_cmpint(fd, >=, 0);
    g_assert_cmpint(fcntl(fd, F_GET_SEALS), ==,
                    F_SEAL_GROW | F_SEAL_SHRINK | F_SEAL_SEAL);
    g_assert_true(host_memory_backend_get_share(b));
    unsealed = HOST_MEMORY_BACKEND(
        obj_add(m, "memory-backend-memfd,id=u,size=4M,seal=off,share=off",
                NULL));
    fd = memory_region_get_fd(host_memory_backend_get_memory(unsealed), NULL);
    g_assert_cmpint(fcntl(fd, F_GET_SEALS), ==, F_SEAL_SEAL);
    g_assert_null(obj_add(m, "memory-backend-memfd,id=h,size=4M,"
                             "hugetlbsize=2M", &err));
    assert_err(g_steal_pointer(&err), EINVAL, "Parameter 'hugetlbsize' needs hugetlb=on");
    g_assert_null(obj_add(m, "memory-backend-memfd,id=h,size=4M,hugetlb=on,"
                             "hugetlbsize=3M", &err));
    assert_err(g_steal_pointer(&err), EINVAL, "expects a power of two");
    g_assert_null(obj_add(m, "memory-backend-memfd,id=h,size=3M,hugetlb=on",
                          &err));
    assert_err(g_steal_pointer(&err), EINVAL, "is not a multiple of the hugepage size");
    machine_free(m);
}

static void test_backend_file(void)
{
    g_autofree char *dir = g_dir_make_tmp("vfio-host-test-XXXXXX", NULL);
    g_autofree char *path = g_build_filename(dir, "mem", NULL);
    g_autofree char *small = g_build_filename(dir, "small", NULL);
    g_autofree char *a = g_strdup_printf(
        "memory-backend-file,id=a,size=1M,mem-path=%s,share=on", path);
    g_autofree char *b = g_strdup_printf(
        "memory-backend-file,id=b,size=1M,mem-path=%s", dir);
    g_autofree char *c = g_strdup_printf(
        "memory-backend-file,id=c,size=1M,mem-path=%s,readonly=on", small);
    Machine *m = machine_new();
    GError *err = NULL;
    GStatBuf st;

    g_assert_nonnull(obj_add(m, a, &err));
    g_assert_no_error(err);
    g_assert_cmpint(g_stat(path, &st), ==, 0);
    g_assert_cmpint(st.st_size, ==, MiB);
    g_assert_nonnull(obj_add(m, b, &err));     /* a temporary file in dir */
    g_assert_no_error(err);
    g_assert_true(g_file_set_contents(small, "x", 1, NULL));
    g_assert_null(obj_add(m, c, &err));
    assert_err(g_steal_pointer(&err), EINVAL, "size 0x1 does not match 'size' option 0x100000");
    g_assert_null(obj_add(m, "memory-backend-file,id=d,size=1M,"
                             "mem-path=/nonexistent/dir/x", &err));
    assert_err(g_steal_pointer(&err), ENOENT, "/nonexistent/dir/x");
    g_assert_null(obj_add(m, "memory-backend-file,id=d,size=1M", &err));
    assert_err(g_steal_pointer(&err), EINVAL, "Parameter 'mem-path' is missing");
    machine_free(m);
    g_unlink(path);
    g_unlink(small);
    g_rmdir(dir);
}

static Machine *hotplug_machine(void)
{
    Machine *m = machine_new();
    MachineMemoryConfig cfg = { .size = 128 * MiB, .slots = 2,
                                .maxmem = 128 * MiB + GiB };

    g_assert_true(machine_init_memory(m, &cfg, NULL));
    return m;
}

static void test_dimm_plug_unplug(void)
{
    Machine *m = hotplug_machine();
    ObjectRegistry *reg = machine_get_objects(m);
    GError *err = NULL;
    PCDIMMDevice *d1, *d2;

    obj_add(m, "memory-backend-memfd,id=m1,size=256M", NULL);
    obj_add(m, "memory-backend-ram,id=m2,size=128M", NULL);
    d1 = PC_DIMM(dev_add(m, "pc-dimm,id=d1,memdev=m1", &err));
    g_assert_no_error(err);
    d2 = PC_DIMM(dev_add(m, "pc-dimm,id=d2,memdev=m2", &err));
    g_assert_no_error(err);
    g_assert_cmpuint(pc_dimm_get_addr(d1), ==, GiB);
    g_assert_cmpuint(pc_dimm_get_slot(d1), ==, 0);
    g_assert_cmpuint(pc_dimm_get_addr(d2), ==, GiB + 256 * MiB);
    g_assert_cmpuint(pc_dimm_get_slot(d2), ==, 1);
    rw_check(m, GiB);
    rw_check(m, GiB + 384 * MiB - 8);

    g_assert_false(user_creatable_del(reg, "m1", &err));
    assert_err(g_steal_pointer(&err), EBUSY, "object 'm1' is in use by device 'd1'");
    g_assert_true(qdev_device_del(reg, "d1", NULL));
    g_assert_false(address_space_read(machine_get_address_space(m), GiB,
                                      &err, 1, NULL));
    g_assert_true(user_creatable_del(reg, "m1", NULL));
    machine_free(m);
}

static void test_dimm_errors(void)
{
    Machine *m = hotplug_machine();
    Machine *cold = machine_new();
    GError *err = NULL;

    obj_add(m, "memory-backend-ram,id=a,size=128M", NULL);
    obj_add(m, "memory-backend-ram,id=b,size=128M", NULL);
    obj_add(m, "memory-backend-ram,id=c,size=128M", NULL);
    dev_add(m, "pc-dimm,id=d1,memdev=a,slot=1", NULL);
    g_assert_null(dev_add(m, "pc-dimm,id=d2,memdev=a", &err));
    assert_err(g_steal_pointer(&err), EBUSY, "can't use already busy memdev: a");
    g_assert_null(dev_add(m, "pc-dimm,id=d2,memdev=b,slot=1", &err));
    assert_err(g_steal_pointer(&err), EBUSY, "slot 1 is busy");
    g_assert_null(dev_add(m, "pc-dimm,id=d2,memdev=b,slot=2", &err));
    assert_err(g_steal_pointer(&err), EINVAL, "expects a value below 2 (the number of slots)");
    g_assert_null(dev_add(m, "pc-dimm,id=d2,memdev=b,addr=0x40001000",
                          &err));
    assert_err(g_steal_pointer(&err), EBUSY, "conflicts with memory device id='d1'");
    g_assert_null(dev_add(m, "pc-dimm,id=d2,memdev=b,node=1", &err));
    assert_err(g_steal_pointer(&err), EINVAL, "Parameter 'node' expects 0");
    g_assert_null(dev_add(m, "pc-dimm,id=d2", &err));
    assert_err(g_steal_pointer(&err), EINVAL, "Parameter 'memdev' is missing");
    g_assert_null(dev_add(m, "pc-dimm,id=d2,memdev=pc.ram", &err));
    assert_err(g_steal_pointer(&err), EBUSY, "can't use already busy memdev: pc.ram");
    g_assert_nonnull(dev_add(m, "pc-dimm,id=d2,memdev=b", NULL));
    g_assert_null(dev_add(m, "pc-dimm,id=d3,memdev=c", &err));
    assert_err(g_steal_pointer(&err), ENOSPC, "no free slots left");

    g_assert_true(machine_init_memory(cold, &(MachineMemoryConfig){ 0 },
                                      NULL));
    obj_add(cold, "memory-backend-ram,id=a,size=128M", NULL);
    g_assert_null(dev_add(cold, "pc-dimm,id=d,memdev=a", &err));
    assert_err(g_steal_pointer(&err), EINVAL, "memory hotplug is not enabled");
    machine_free(cold);
    machine_free(m);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/machine/default-ram", test_default_ram);
    g_test_add_func("/machine/named-backend", test_named_backend);
    g_test_add_func("/machine/memory-config-errors",
                    test_memory_config_errors);
    g_test_add_func("/machine/backend-ram", test_backend_ram);
    g_test_add_func("/machine/backend-memfd", test_backend_memfd);
    g_test_add_func("/machine/backend-file", test_backend_file);
    g_test_add_func("/machine/dimm-plug-unplug", test_dimm_plug_unplug);
    g_test_add_func("/machine/dimm-errors", test_dimm_errors);
    return g_test_run();
}
