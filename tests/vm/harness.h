/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * harness.h: a tiny TAP harness for the real-kernel tests (tests/vm).
 *
 * Each check prints "ok N - name" or "not ok N - name"; a failed check adds
 * "#" lines with the expression, file:line and errno.  tap_done() prints
 * the plan and a "N passed, M failed" summary and returns the exit status
 * (harness.c; one set of counters per program).
 * Output is line-buffered so a crash loses nothing already checked: the
 * rig's runner turns a missing plan or a crash into a failure itself.
 */
#ifndef VFIO_HOST_TESTS_VM_HARNESS_H
#define VFIO_HOST_TESTS_VM_HARNESS_H

#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Call first: line buffering keeps TAP and crash output in order. */
void tap_init(void);

/* Record one result; returns @ok so callers can stop on a failed step. */
bool tap_result(bool ok, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* A diagnostic line: "# text". */
void tap_note(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* The "#" lines of a failed check: expression, place, errno. */
void tap_explain(const char *expr, const char *file, int line, int err);

/* Plan, summary, exit status: 0 only when every check passed. */
int tap_done(void);

/*
 * CHECK(cond, fmt, ...): one TAP line named by fmt; on failure also the
 * condition's text and the errno it left.  Evaluates to cond's truth.
 */
#define CHECK(cond, ...)                                                  \
    ({                                                                    \
        errno = 0;                                                        \
        bool ok_ = (cond);                                                \
        int err_ = errno;                                                 \
        tap_result(ok_, __VA_ARGS__);                                     \
        if (!ok_) {                                                       \
            tap_explain(#cond, __FILE__, __LINE__, err_);                 \
        }                                                                 \
        ok_;                                                              \
    })

/* CHECK_EQ(a, b, fmt, ...): integers compared as uint64_t, both printed. */
#define CHECK_EQ(a, b, ...)                                               \
    ({                                                                    \
        errno = 0;                                                        \
        uint64_t a_ = (uint64_t)(a), b_ = (uint64_t)(b);                  \
        int err_ = errno;                                                 \
        bool ok_ = tap_result(a_ == b_, __VA_ARGS__);                     \
        if (!ok_) {                                                       \
            tap_explain(#a " == " #b, __FILE__, __LINE__, err_);          \
            tap_note("  got 0x%" PRIx64 ", want 0x%" PRIx64, a_, b_);     \
        }                                                                 \
        ok_;                                                              \
    })

/* CHECK_ERRNO(call, E, fmt, ...): call must fail (-1) with errno E. */
#define CHECK_ERRNO(call, want, ...)                                      \
    ({                                                                    \
        errno = 0;                                                        \
        long r_ = (long)(call);                                           \
        int err_ = errno;                                                 \
        bool ok_ = tap_result(r_ == -1 && err_ == (want), __VA_ARGS__);   \
        if (!ok_) {                                                       \
            tap_explain(#call " fails with " #want, __FILE__, __LINE__,   \
                        err_);                                            \
            tap_note("  returned %ld", r_);                               \
        }                                                                 \
        ok_;                                                              \
    })

#endif /* VFIO_HOST_TESTS_VM_HARNESS_H */
