/* emu_capture.h — lets the fake cuBLAS and cuDNN (which compute on the host when called) take part in
 * CUDA stream capture: when the call's stream is capturing, the call's arguments are copied by value (the
 * scalars alpha and beta read now, descriptors copied, as a real library bakes them into its kernel nodes)
 * and recorded into the graph as one node through the fake driver's emu_capture_host_work (fake_driver.cpp,
 * "stream capture and graphs"); replaying the graph runs the copy. Without the fake driver loaded (the
 * libraries' own self-test) nothing is ever capturing. */
#pragma once
#include <dlfcn.h>
#include <stdlib.h>
#include <string.h>

typedef int (*emu_capture_host_work_fn)(void *stream, int (*fn)(void *), void *data, void (*release)(void *),
                                        const char *what);

/* The fake driver's entry point, or NULL when libcuda.so.1 is not the emulator's or not loaded. */
static emu_capture_host_work_fn emu_capture_entry(void) {
    static emu_capture_host_work_fn found;
    if (found == NULL) {
        void *driver = dlopen("libcuda.so.1", RTLD_LAZY | RTLD_NOLOAD);
        if (driver != NULL) {
            found = (emu_capture_host_work_fn)dlsym(driver, "emu_capture_host_work");
            dlclose(driver); /* NOLOAD took a reference; the driver stays loaded */
        }
    }
    return found;
}

enum { EMU_RUN_NOW = 0, EMU_RECORDED = 1, EMU_INVALIDATED = 2, EMU_NO_MEMORY = 3 };

/* Records fn(copy of the `bytes` at `call`) when `stream` is capturing (EMU_RECORDED, or EMU_INVALIDATED when
 * the capture was invalidated); EMU_RUN_NOW when it is not: the caller runs the work itself. */
static int emu_capture_call(void *stream, int (*fn)(void *), const void *call, size_t bytes, const char *what) {
    emu_capture_host_work_fn entry = emu_capture_entry();
    if (entry == NULL || stream == NULL) {
        return EMU_RUN_NOW;
    }
    void *copy = malloc(bytes);
    if (copy == NULL) {
        return EMU_NO_MEMORY;
    }
    memcpy(copy, call, bytes);
    int r = entry(stream, fn, copy, free, what);
    if (r == EMU_RUN_NOW) {
        free(copy);
    }
    return r;
}
