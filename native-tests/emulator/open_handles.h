/* open_handles.h — counts, per library of the emulator (libcuda.so.1, libcublas.so.13, libcudnn.so.9), the
 * handles of each kind created and destroyed, and reports at process exit any left open. Included by
 * fake_driver.cpp (C++) and fake_cublas.c / fake_cudnn.c (C); each library has its own table.
 *
 * Use: a library lists its kinds once,
 *     static EmuHandleCount emu_handles[] = {{"module"}, {"stream"}, ...};
 * calls EMU_HANDLE_CREATED(i) / EMU_HANDLE_DESTROYED(i) next to each create/destroy function (i indexes
 * that table), and EMU_HANDLE_REPORT_AT_EXIT("libcuda.so.1") once at file scope.
 *
 * At exit: one line on stderr per kind with handles still open ("sagan4j emulator: libcuda.so.1 left 2
 * device buffer(s) open at exit (14 created, 12 destroyed)"), and, when SAGAN4J_EMU_HANDLE_REPORT names a
 * file, one line per kind appended to it: "<library> <kind> <created> <destroyed>" (the native tests read it:
 * sagan4j.cuda.LeakReportNativeTest). Counters are atomic: JCuda calls arrive from any Java thread. */
#ifndef SAGAN4J_EMU_OPEN_HANDLES_H
#define SAGAN4J_EMU_OPEN_HANDLES_H

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef struct {
    const char *kind;
    long created;
    long destroyed;
} EmuHandleCount;

#define EMU_HANDLE_KINDS (sizeof emu_handles / sizeof emu_handles[0])
#define EMU_HANDLE_CREATED(i) __atomic_fetch_add(&emu_handles[i].created, 1, __ATOMIC_RELAXED)
#define EMU_HANDLE_DESTROYED(i) __atomic_fetch_add(&emu_handles[i].destroyed, 1, __ATOMIC_RELAXED)
#define EMU_HANDLE_OPEN(i) (__atomic_load_n(&emu_handles[i].created, __ATOMIC_RELAXED) - \
                            __atomic_load_n(&emu_handles[i].destroyed, __ATOMIC_RELAXED))

/* Writes the report for `library` (see above). One write() per file line, so that the three libraries'
 * reports, appended to the same file at the same exit, do not interleave within a line. */
static void emu_handle_report(const char *library, EmuHandleCount *counts, size_t n) {
    const char *path = getenv("SAGAN4J_EMU_HANDLE_REPORT");
    int fd = path && *path ? open(path, O_WRONLY | O_CREAT | O_APPEND, 0644) : -1;
    for (size_t i = 0; i < n; i++) {
        long created = __atomic_load_n(&counts[i].created, __ATOMIC_RELAXED);
        long destroyed = __atomic_load_n(&counts[i].destroyed, __ATOMIC_RELAXED);
        if (created != destroyed) {
            fprintf(stderr, "sagan4j emulator: %s left %ld %s(s) open at exit (%ld created, %ld destroyed)\n", library,
                    created - destroyed, counts[i].kind, created, destroyed);
        }
        if (fd >= 0) {
            char line[160];
            int len = snprintf(line, sizeof line, "%s %s %ld %ld\n", library, counts[i].kind, created, destroyed);
            if (len > 0 && write(fd, line, (size_t)len) != len) {
                fprintf(stderr, "sagan4j emulator: could not write the handle report to %s\n", path);
            }
        }
    }
    if (fd >= 0) {
        close(fd);
    }
}

#define EMU_HANDLE_REPORT_AT_EXIT(library)                                                        \
    static void emu_handle_report_now(void) { emu_handle_report(library, emu_handles, EMU_HANDLE_KINDS); } \
    __attribute__((constructor)) static void emu_handle_report_register(void) { atexit(emu_handle_report_now); }

#endif
