/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * -daemonize and -pidfile.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "system/machine.h"
#include "os-posix.h"
#include "util/error.h"

/* The parent's side: wait for the child's verdict and exit with it */
static void G_GNUC_NORETURN os_daemonize_wait(int read_fd)
{
    char status = 1;
    ssize_t n;

    do {
        n = read(read_fd, &status, 1);
    } while (n < 0 && errno == EINTR);
    _exit(n == 1 && status == 0 ? 0 : 1);
}

bool os_daemonize(int *ready_fd, GError **errp)
{
    int fds[2];
    pid_t pid;

    if (pipe2(fds, O_CLOEXEC)) {
        error_setg_errno(errp, MACHINE_ERROR, errno, "-daemonize: pipe");
        return false;
    }
    pid = fork();
    if (pid < 0) {
        error_setg_errno(errp, MACHINE_ERROR, errno, "-daemonize: fork");
        close(fds[0]);
        close(fds[1]);
        return false;
    }
    if (pid > 0) {
        close(fds[1]);
        os_daemonize_wait(fds[0]);
    }
    close(fds[0]);
    setsid();
    *ready_fd = fds[1];
    return true;
}

static void os_stdio_to_null(void)
{
    int null = open("/dev/null", O_RDWR | O_CLOEXEC);

    if (null < 0) {
        return;
    }
    dup2(null, STDIN_FILENO);
    dup2(null, STDOUT_FILENO);
    dup2(null, STDERR_FILENO);
    close(null);
}

void os_daemonize_done(int ready_fd, bool ok)
{
    char status = ok ? 0 : 1;
    ssize_t n;

    if (ready_fd < 0) {
        return;
    }
    if (ok) {
        if (chdir("/")) {
            /* not fatal: the process only loses its working directory */
        }
        os_stdio_to_null();
    }
    do {
        n = write(ready_fd, &status, 1);
    } while (n < 0 && errno == EINTR);
    close(ready_fd);
}

int os_pidfile_create(const char *path, GError **errp)
{
    struct flock lock = { .l_type = F_WRLCK, .l_whence = SEEK_SET };
    g_autofree char *text = g_strdup_printf("%d\n", (int)getpid());
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);

    if (fd < 0) {
        error_setg_errno(errp, MACHINE_ERROR, errno,
                         "Cannot open pid file '%s'", path);
        return -1;
    }
    if (fcntl(fd, F_SETLK, &lock)) {
        error_setg_errno(errp, MACHINE_ERROR, errno,
                         "Cannot lock pid file '%s' (is another instance "
                         "running?)", path);
        close(fd);
        return -1;
    }
    if (ftruncate(fd, 0) ||
        write(fd, text, strlen(text)) != (ssize_t)strlen(text)) {
        error_setg_errno(errp, MACHINE_ERROR, errno,
                         "Failed to write pid file '%s'", path);
        close(fd);
        return -1;
    }
    return fd;
}

void os_pidfile_remove(const char *path, int fd)
{
    if (!path || fd < 0) {
        return;
    }
    unlink(path);
    close(fd);
}
