// fake_driver.cpp — the CUDA driver API subset sagan4j calls (through JCuda's libJCudaDriver), on the CPU.
// Built as libcuda.so.1 together with kernels/*.cu compiled for the host (build.sh), for running the
// native tests where there is no GPU. Device memory is host memory (a CUdeviceptr is a host address);
// streams are synchronous (every call completes before it returns); kernels run in emu_runtime.cpp.
//
// Strictness, so the emulator catches what a GPU would reject or what would only work by luck there:
//   - fresh allocations are filled with 0xFF bytes (NaN floats, -1 ints), never zeros, and each one ends
//     at a page followed by an inaccessible guard page (reads past the end fault; see emu_runtime.cpp);
//   - launch configurations are checked against the device limits, __launch_bounds__, the dynamic
//     shared memory a kernel was allowed, and the co-residency limit of cooperative launches;
//   - cuModuleGetFunction finds only names present in that module's image (as on a GPU);
//   - handles are checked; bad ones give CUDA_ERROR_INVALID_HANDLE / INVALID_VALUE;
//   - stream capture (CUDA graphs) records instead of running, and refuses what a real driver refuses
//     during a capture, with its error codes (the "stream capture and graphs" section at the end).
#include <cuda.h>

#include "emu_runtime.h"
#include "open_handles.h"

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <sys/mman.h>
#include <unistd.h>

namespace {

constexpr int DRIVER_VERSION = 13000;
constexpr size_t TOTAL_MEM = 16ull << 30;

struct Module { const unsigned char* image; size_t size; };
struct Function { const EmuKernel* kernel; int maxDynamicSmem; };
struct Event { double ms; bool recorded; };
struct Allocation { void* map; size_t mapBytes; size_t bytes; };

std::mutex mu;
bool initialised = false;
std::set<Module*> modules;
std::map<CUdeviceptr, Allocation> allocations;
std::map<std::string, Function*> functions; // one CUfunction per kernel, as cuModuleGetFunction returns
int primaryRefs = 0;
int ctxToken, streamToken;                   // addresses used as the context / stream handles
__thread CUcontext currentCtx = nullptr;

// Handles created and destroyed, per kind (open_handles.h): reported at exit when any is left open. The
// stream-capture section counts its graphs, graph execs and pinned host buffers the same way.
enum { H_PRIMARY_CTX, H_STREAM, H_EVENT, H_MODULE, H_DEVICE_BUFFER, H_GRAPH, H_GRAPH_EXEC, H_PINNED };
EmuHandleCount emu_handles[] = {{"primary context retain", 0, 0}, {"stream", 0, 0}, {"event", 0, 0}, {"module", 0, 0},
                                {"device buffer", 0, 0}, {"graph", 0, 0}, {"graph exec", 0, 0},
                                {"pinned host buffer", 0, 0}};

double nowMs() {
    return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

// Total size of a fatbin image: header {u32 magic 0xBA55ED50, u16 version, u16 headerSize, u64 bodySize}.
bool fatbinSize(const void* image, size_t* size) {
    const unsigned char* p = (const unsigned char*)image;
    uint32_t magic; uint16_t hsize; uint64_t body;
    memcpy(&magic, p, 4); memcpy(&hsize, p + 6, 2); memcpy(&body, p + 8, 8);
    if (magic != 0xBA55ED50u) return false;
    *size = hsize + body;
    return true;
}

// The kernel's name appears in the module's SASS symbol table as a NUL-terminated string.
bool imageDefines(const Module* m, const char* name) {
    std::string needle = std::string(name) + '\0';
    const unsigned char* end = m->image + m->size;
    for (const unsigned char* p = m->image; p < end;) {
        const void* hit = memmem(p, end - p, needle.data(), needle.size());
        if (!hit) return false;
        const unsigned char* h = (const unsigned char*)hit;
        if (h == m->image || h[-1] == '\0' || h[-1] == '.') return true;
        p = h + 1;
    }
    return false;
}

CUresult fail(CUresult r, const std::string& why) {
    fprintf(stderr, "sagan4j emulator: %s\n", why.c_str());
    return r;
}

// Stream capture hooks (defined in the "stream capture and graphs" section at the end of this file).
// captureUnsafe: a call the driver prohibits while a capture that is not RELAXED is under way (it is not
// stream-ordered, so a graph could not replay it): fails with CUDA_ERROR_STREAM_CAPTURE_UNSUPPORTED and
// invalidates that capture. captureSyncs: stream or context synchronisation. The capture*Record calls
// return true when `s` is capturing: the work was recorded (or refused, *r says which) and must not run now.
CUresult captureUnsafe(const char* what);
CUresult captureSyncs(CUstream s, bool wholeContext, const char* what);
bool captureKernelRecord(CUstream s, const EmuLaunch& l, CUresult* r);
bool captureCopyRecord(CUstream s, void* dst, const void* src, size_t n, const void* hostPtr, const char* what, CUresult* r);
bool captureMemsetRecord(CUstream s, CUdeviceptr dst, unsigned value, size_t n, unsigned elementBytes, CUresult* r);

#define NEED_INIT() do { if (!initialised) return CUDA_ERROR_NOT_INITIALIZED; } while (0)
#define NEED_CTX() do { NEED_INIT(); if (!currentCtx) return CUDA_ERROR_INVALID_CONTEXT; } while (0)

CUresult launch(CUfunction f, unsigned gx, unsigned gy, unsigned gz, unsigned bx, unsigned by, unsigned bz,
                unsigned smem, void** params, bool cooperative, CUstream s) {
    NEED_CTX();
    Function* fn = (Function*)f;
    {
        std::lock_guard<std::mutex> g(mu);
        bool known = false;
        for (auto& e : functions) known |= e.second == fn;
        if (!known) return CUDA_ERROR_INVALID_HANDLE;
    }
    const EmuKernel* k = fn->kernel;
    std::string what = std::string(k->name) + ": ";
    unsigned long threads = (unsigned long)bx * by * bz;
    if (!gx || !gy || !gz || !bx || !by || !bz || bx > 1024 || by > 1024 || bz > 64 || threads > 1024 || gy > 65535 || gz > 65535 || gx > 0x7fffffffu)
        return fail(CUDA_ERROR_INVALID_VALUE, what + "launch configuration grid (" + std::to_string(gx) + "," + std::to_string(gy) + "," +
                    std::to_string(gz) + ") block (" + std::to_string(bx) + "," + std::to_string(by) + "," + std::to_string(bz) + ") is out of range");
    if ((int)threads > k->maxThreads)
        return fail(CUDA_ERROR_LAUNCH_OUT_OF_RESOURCES, what + std::to_string(threads) + " threads per block, __launch_bounds__ allows " + std::to_string(k->maxThreads));
    if ((int)smem > fn->maxDynamicSmem)
        return fail(CUDA_ERROR_INVALID_VALUE, what + std::to_string(smem) + " bytes of dynamic shared memory, the function allows " + std::to_string(fn->maxDynamicSmem) +
                    " (raise it with CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES)");
    if (cooperative) {
        long resident = (long)std::min(EMU_MAX_THREADS_PER_SM / (int)threads, 32) * EMU_SMS;
        if ((long)gx * gy * gz > resident)
            return fail(CUDA_ERROR_COOPERATIVE_LAUNCH_TOO_LARGE, what + "cooperative grid of " + std::to_string((long)gx * gy * gz) + " blocks, at most " +
                        std::to_string(resident) + " can be resident");
    }
    if (!params) return fail(CUDA_ERROR_INVALID_VALUE, what + "kernelParams is null");
    EmuLaunch l{k, {gx, gy, gz}, {bx, by, bz}, smem, params, cooperative};
    CUresult recorded;
    if (captureKernelRecord(s, l, &recorded)) return recorded;
    std::string error;
    int r = emu_launch(l, error);
    if (r) return fail((CUresult)r, error);
    return CUDA_SUCCESS;
}

EMU_HANDLE_REPORT_AT_EXIT("libcuda.so.1")

}  // namespace

extern "C" {

CUresult cuInit(unsigned int flags) {
    if (flags) return CUDA_ERROR_INVALID_VALUE;
    initialised = true;
    return CUDA_SUCCESS;
}
CUresult cuDriverGetVersion(int* v) { if (!v) return CUDA_ERROR_INVALID_VALUE; *v = DRIVER_VERSION; return CUDA_SUCCESS; }
CUresult cuDeviceGetCount(int* n) { NEED_INIT(); if (!n) return CUDA_ERROR_INVALID_VALUE; *n = 1; return CUDA_SUCCESS; }
CUresult cuDeviceGet(CUdevice* d, int ordinal) {
    NEED_INIT();
    if (!d) return CUDA_ERROR_INVALID_VALUE;
    if (ordinal != 0) return CUDA_ERROR_INVALID_DEVICE;
    *d = 0;
    return CUDA_SUCCESS;
}
CUresult cuDeviceGetName(char* name, int len, CUdevice d) {
    NEED_INIT();
    if (d != 0) return CUDA_ERROR_INVALID_DEVICE;
    if (!name || len <= 0) return CUDA_ERROR_INVALID_VALUE;
    snprintf(name, len, "sagan4j CPU emulator (sm_90, %d SMs)", EMU_SMS);
    return CUDA_SUCCESS;
}
CUresult cuDeviceTotalMem(size_t* bytes, CUdevice d) {
    NEED_INIT();
    if (d != 0) return CUDA_ERROR_INVALID_DEVICE;
    *bytes = TOTAL_MEM;
    return CUDA_SUCCESS;
}
CUresult cuDeviceGetAttribute(int* v, CUdevice_attribute a, CUdevice d) {
    NEED_INIT();
    if (d != 0) return CUDA_ERROR_INVALID_DEVICE;
    if (!v) return CUDA_ERROR_INVALID_VALUE;
    switch (a) {
        case CU_DEVICE_ATTRIBUTE_MAX_THREADS_PER_BLOCK: *v = 1024; break;
        case CU_DEVICE_ATTRIBUTE_MAX_BLOCK_DIM_X: case CU_DEVICE_ATTRIBUTE_MAX_BLOCK_DIM_Y: *v = 1024; break;
        case CU_DEVICE_ATTRIBUTE_MAX_BLOCK_DIM_Z: *v = 64; break;
        case CU_DEVICE_ATTRIBUTE_MAX_GRID_DIM_X: *v = 0x7fffffff; break;
        case CU_DEVICE_ATTRIBUTE_MAX_GRID_DIM_Y: case CU_DEVICE_ATTRIBUTE_MAX_GRID_DIM_Z: *v = 65535; break;
        case CU_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_BLOCK: *v = EMU_SMEM_PER_BLOCK; break;
        case CU_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_BLOCK_OPTIN: *v = EMU_SMEM_OPTIN; break;
        case CU_DEVICE_ATTRIBUTE_WARP_SIZE: *v = 32; break;
        case CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT: *v = EMU_SMS; break;
        case CU_DEVICE_ATTRIBUTE_MAX_THREADS_PER_MULTIPROCESSOR: *v = EMU_MAX_THREADS_PER_SM; break;
        case CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR: *v = 9; break;
        case CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR: *v = 0; break;
        case CU_DEVICE_ATTRIBUTE_COOPERATIVE_LAUNCH: *v = 1; break;
        default: return fail(CUDA_ERROR_INVALID_VALUE, "cuDeviceGetAttribute: attribute " + std::to_string((int)a) + " is not emulated");
    }
    return CUDA_SUCCESS;
}

CUresult cuDevicePrimaryCtxRetain(CUcontext* ctx, CUdevice d) {
    NEED_INIT();
    if (d != 0) return CUDA_ERROR_INVALID_DEVICE;
    std::lock_guard<std::mutex> g(mu);
    primaryRefs++;
    EMU_HANDLE_CREATED(H_PRIMARY_CTX);
    *ctx = (CUcontext)&ctxToken;
    return CUDA_SUCCESS;
}
CUresult cuDevicePrimaryCtxRelease(CUdevice d) {
    NEED_INIT();
    if (d != 0) return CUDA_ERROR_INVALID_DEVICE;
    std::lock_guard<std::mutex> g(mu);
    if (primaryRefs == 0) return CUDA_ERROR_INVALID_CONTEXT;
    primaryRefs--;
    EMU_HANDLE_DESTROYED(H_PRIMARY_CTX);
    return CUDA_SUCCESS;
}
CUresult cuCtxSetCurrent(CUcontext ctx) {
    NEED_INIT();
    if (ctx && ctx != (CUcontext)&ctxToken) return CUDA_ERROR_INVALID_CONTEXT;
    currentCtx = ctx;
    return CUDA_SUCCESS;
}
CUresult cuCtxGetCurrent(CUcontext* ctx) { NEED_INIT(); *ctx = currentCtx; return CUDA_SUCCESS; }
CUresult cuCtxGetDevice(CUdevice* d) { NEED_CTX(); *d = 0; return CUDA_SUCCESS; }
CUresult cuCtxSynchronize(void) { NEED_CTX(); return captureSyncs(nullptr, true, "cuCtxSynchronize"); }

// Every stream is the same token (work is synchronous); the count of live ones catches an unbalanced destroy.
CUresult cuStreamCreate(CUstream* s, unsigned int) {
    NEED_CTX();
    *s = (CUstream)&streamToken;
    EMU_HANDLE_CREATED(H_STREAM);
    return CUDA_SUCCESS;
}
CUresult cuStreamDestroy(CUstream s) {
    NEED_CTX();
    if (s != (CUstream)&streamToken || EMU_HANDLE_OPEN(H_STREAM) <= 0) return CUDA_ERROR_INVALID_HANDLE;
    EMU_HANDLE_DESTROYED(H_STREAM);
    return CUDA_SUCCESS;
}
CUresult cuStreamSynchronize(CUstream s) {
    NEED_CTX();
    if (s != nullptr && s != (CUstream)&streamToken) return CUDA_ERROR_INVALID_HANDLE;
    return captureSyncs(s, false, "cuStreamSynchronize");
}

CUresult cuEventCreate(CUevent* e, unsigned int) {
    NEED_CTX();
    *e = (CUevent) new Event{0, false};
    EMU_HANDLE_CREATED(H_EVENT);
    return CUDA_SUCCESS;
}
CUresult cuEventDestroy(CUevent e) {
    NEED_CTX();
    if (!e) return CUDA_ERROR_INVALID_HANDLE;
    delete (Event*)e;
    EMU_HANDLE_DESTROYED(H_EVENT);
    return CUDA_SUCCESS;
}
CUresult cuEventRecord(CUevent e, CUstream) { NEED_CTX(); if (!e) return CUDA_ERROR_INVALID_HANDLE; *(Event*)e = {nowMs(), true}; return CUDA_SUCCESS; }
CUresult cuEventSynchronize(CUevent e) { NEED_CTX(); return e ? CUDA_SUCCESS : CUDA_ERROR_INVALID_HANDLE; }
// cuda.h 13 maps cuEventElapsedTime to cuEventElapsedTime_v2; JCuda 12.6 imports the plain name, which
// the real driver still exports. Both are defined here.
#undef cuEventElapsedTime
CUresult cuEventElapsedTime_v2(float* ms, CUevent a, CUevent b);
CUresult cuEventElapsedTime(float* ms, CUevent a, CUevent b) { return cuEventElapsedTime_v2(ms, a, b); }
CUresult cuEventElapsedTime_v2(float* ms, CUevent a, CUevent b) {
    NEED_CTX();
    if (!a || !b) return CUDA_ERROR_INVALID_HANDLE;
    if (!((Event*)a)->recorded || !((Event*)b)->recorded) return CUDA_ERROR_INVALID_HANDLE;
    *ms = (float)(((Event*)b)->ms - ((Event*)a)->ms);
    return CUDA_SUCCESS;
}

// Each allocation ends where a PROT_NONE guard page begins; the start stays 256-byte aligned like cuMemAlloc's.
CUresult cuMemAlloc(CUdeviceptr* p, size_t bytes) {
    NEED_CTX();
    if (!p) return CUDA_ERROR_INVALID_VALUE;
    if (bytes == 0) return CUDA_ERROR_INVALID_VALUE;
    if (CUresult r = captureUnsafe("cuMemAlloc")) return r;
    size_t page = (size_t)sysconf(_SC_PAGESIZE);
    size_t rounded = (bytes + 255) & ~(size_t)255;
    size_t body = (rounded + page - 1) / page * page;
    size_t total = body + page;
    void* map = mmap(nullptr, total, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (map == MAP_FAILED) return CUDA_ERROR_OUT_OF_MEMORY;
    mprotect((char*)map + body, page, PROT_NONE);
    char* start = (char*)map + body - rounded;
    memset(start, 0xFF, rounded);
    *p = (CUdeviceptr)start;
    std::lock_guard<std::mutex> g(mu);
    allocations[*p] = {map, total, bytes};
    EMU_HANDLE_CREATED(H_DEVICE_BUFFER);
    return CUDA_SUCCESS;
}
CUresult cuMemFree(CUdeviceptr p) {
    NEED_CTX();
    if (!p) return CUDA_SUCCESS;
    if (CUresult r = captureUnsafe("cuMemFree")) return r;
    std::lock_guard<std::mutex> g(mu);
    auto it = allocations.find(p);
    if (it == allocations.end()) return fail(CUDA_ERROR_INVALID_VALUE, "cuMemFree of an address cuMemAlloc did not return");
    munmap(it->second.map, it->second.mapBytes);
    allocations.erase(it);
    EMU_HANDLE_DESTROYED(H_DEVICE_BUFFER);
    return CUDA_SUCCESS;
}
CUresult cuMemGetInfo(size_t* free, size_t* total) {
    NEED_CTX();
    std::lock_guard<std::mutex> g(mu);
    size_t used = 0;
    for (auto& a : allocations) used += a.second.bytes;
    *total = TOTAL_MEM;
    *free = TOTAL_MEM - used;
    return CUDA_SUCCESS;
}

}  // extern "C"

namespace {
// A device range must lie inside one live allocation, as it must on a GPU.
CUresult checkRange(CUdeviceptr p, size_t bytes, const char* what) {
    std::lock_guard<std::mutex> g(mu);
    auto it = allocations.upper_bound(p);
    if (it != allocations.begin()) {
        --it;
        if (p >= it->first && p + bytes <= it->first + it->second.bytes) return CUDA_SUCCESS;
    }
    return fail(CUDA_ERROR_INVALID_VALUE, std::string(what) + ": device range [" + std::to_string(p) + ", +" + std::to_string(bytes) +
                ") is not inside one allocation");
}
}  // namespace

extern "C" {

// The synchronous copies and memsets are "potentially unsafe" during a capture (not stream-ordered); the
// asynchronous ones are recorded when their stream is capturing (host memory must then be pinned).
CUresult cuMemcpyHtoDAsync(CUdeviceptr dst, const void* src, size_t n, CUstream s) {
    NEED_CTX();
    if (CUresult r = checkRange(dst, n, "cuMemcpyHtoD")) return r;
    CUresult recorded;
    if (captureCopyRecord(s, (void*)dst, src, n, src, "cuMemcpyHtoDAsync", &recorded)) return recorded;
    memcpy((void*)dst, src, n);
    return CUDA_SUCCESS;
}
CUresult cuMemcpyDtoHAsync(void* dst, CUdeviceptr src, size_t n, CUstream s) {
    NEED_CTX();
    if (CUresult r = checkRange(src, n, "cuMemcpyDtoH")) return r;
    CUresult recorded;
    if (captureCopyRecord(s, dst, (const void*)src, n, dst, "cuMemcpyDtoHAsync", &recorded)) return recorded;
    memcpy(dst, (const void*)src, n);
    return CUDA_SUCCESS;
}
CUresult cuMemcpyDtoDAsync(CUdeviceptr dst, CUdeviceptr src, size_t n, CUstream s) {
    NEED_CTX();
    if (CUresult r = checkRange(dst, n, "cuMemcpyDtoD destination")) return r;
    if (CUresult r = checkRange(src, n, "cuMemcpyDtoD source")) return r;
    CUresult recorded;
    if (captureCopyRecord(s, (void*)dst, (const void*)src, n, nullptr, "cuMemcpyDtoDAsync", &recorded)) return recorded;
    memmove((void*)dst, (const void*)src, n);
    return CUDA_SUCCESS;
}
CUresult cuMemcpyHtoD(CUdeviceptr dst, const void* src, size_t n) {
    NEED_CTX();
    if (CUresult r = captureUnsafe("cuMemcpyHtoD")) return r;
    return cuMemcpyHtoDAsync(dst, src, n, nullptr);
}
CUresult cuMemcpyDtoH(void* dst, CUdeviceptr src, size_t n) {
    NEED_CTX();
    if (CUresult r = captureUnsafe("cuMemcpyDtoH")) return r;
    return cuMemcpyDtoHAsync(dst, src, n, nullptr);
}
CUresult cuMemcpyDtoD(CUdeviceptr dst, CUdeviceptr src, size_t n) {
    NEED_CTX();
    if (CUresult r = captureUnsafe("cuMemcpyDtoD")) return r;
    return cuMemcpyDtoDAsync(dst, src, n, nullptr);
}
CUresult cuMemsetD8Async(CUdeviceptr dst, unsigned char v, size_t n, CUstream s) {
    NEED_CTX();
    if (CUresult r = checkRange(dst, n, "cuMemsetD8")) return r;
    CUresult recorded;
    if (captureMemsetRecord(s, dst, v, n, 1, &recorded)) return recorded;
    memset((void*)dst, v, n);
    return CUDA_SUCCESS;
}
CUresult cuMemsetD32Async(CUdeviceptr dst, unsigned int v, size_t n, CUstream s) {
    NEED_CTX();
    if (CUresult r = checkRange(dst, n * 4, "cuMemsetD32")) return r;
    CUresult recorded;
    if (captureMemsetRecord(s, dst, v, n, 4, &recorded)) return recorded;
    for (size_t i = 0; i < n; i++) ((unsigned int*)dst)[i] = v;
    return CUDA_SUCCESS;
}
CUresult cuMemsetD8(CUdeviceptr dst, unsigned char v, size_t n) {
    NEED_CTX();
    if (CUresult r = captureUnsafe("cuMemsetD8")) return r;
    return cuMemsetD8Async(dst, v, n, nullptr);
}
CUresult cuMemsetD32(CUdeviceptr dst, unsigned int v, size_t n) {
    NEED_CTX();
    if (CUresult r = captureUnsafe("cuMemsetD32")) return r;
    return cuMemsetD32Async(dst, v, n, nullptr);
}

CUresult cuModuleLoadData(CUmodule* m, const void* image) {
    NEED_CTX();
    if (!m || !image) return CUDA_ERROR_INVALID_VALUE;
    size_t size;
    if (!fatbinSize(image, &size)) return fail(CUDA_ERROR_INVALID_IMAGE, "cuModuleLoadData: not a fatbin (no 0xBA55ED50 magic)");
    Module* mod = new Module{(const unsigned char*)malloc(size), size};
    memcpy((void*)mod->image, image, size);
    std::lock_guard<std::mutex> g(mu);
    modules.insert(mod);
    EMU_HANDLE_CREATED(H_MODULE);
    *m = (CUmodule)mod;
    return CUDA_SUCCESS;
}
CUresult cuModuleUnload(CUmodule m) {
    NEED_CTX();
    std::lock_guard<std::mutex> g(mu);
    if (!modules.erase((Module*)m)) return CUDA_ERROR_INVALID_HANDLE;
    free((void*)((Module*)m)->image);
    delete (Module*)m;
    EMU_HANDLE_DESTROYED(H_MODULE);
    return CUDA_SUCCESS;
}
CUresult cuModuleGetFunction(CUfunction* f, CUmodule m, const char* name) {
    NEED_CTX();
    if (!f || !name) return CUDA_ERROR_INVALID_VALUE;
    std::lock_guard<std::mutex> g(mu);
    if (!modules.count((Module*)m)) return CUDA_ERROR_INVALID_HANDLE;
    if (!imageDefines((Module*)m, name)) return CUDA_ERROR_NOT_FOUND;
    const EmuKernel* k = emu_find_kernel(name);
    if (!k) return fail(CUDA_ERROR_NOT_FOUND, std::string("kernel ") + name + " is in the fatbin but was not compiled into the emulator (rebuild it)");
    Function*& fn = functions[name];
    if (!fn) fn = new Function{k, EMU_SMEM_PER_BLOCK};
    *f = (CUfunction)fn;
    return CUDA_SUCCESS;
}
CUresult cuFuncSetAttribute(CUfunction f, CUfunction_attribute a, int v) {
    NEED_CTX();
    if (!f) return CUDA_ERROR_INVALID_HANDLE;
    if (a != CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES)
        return fail(CUDA_ERROR_INVALID_VALUE, "cuFuncSetAttribute: attribute " + std::to_string((int)a) + " is not emulated");
    if (v < 0 || v > EMU_SMEM_OPTIN) return CUDA_ERROR_INVALID_VALUE;
    ((Function*)f)->maxDynamicSmem = v;
    return CUDA_SUCCESS;
}
CUresult cuOccupancyMaxActiveBlocksPerMultiprocessor(int* n, CUfunction f, int blockSize, size_t) {
    NEED_CTX();
    if (!f) return CUDA_ERROR_INVALID_HANDLE;
    if (blockSize <= 0 || blockSize > ((Function*)f)->kernel->maxThreads) return CUDA_ERROR_INVALID_VALUE;
    *n = std::min(EMU_MAX_THREADS_PER_SM / blockSize, 32);
    return CUDA_SUCCESS;
}
CUresult cuLaunchKernel(CUfunction f, unsigned gx, unsigned gy, unsigned gz, unsigned bx, unsigned by, unsigned bz, unsigned smem,
                        CUstream s, void** params, void** extra) {
    if (extra) return fail(CUDA_ERROR_INVALID_VALUE, "cuLaunchKernel: 'extra' is not emulated");
    return launch(f, gx, gy, gz, bx, by, bz, smem, params, false, s);
}
CUresult cuLaunchCooperativeKernel(CUfunction f, unsigned gx, unsigned gy, unsigned gz, unsigned bx, unsigned by, unsigned bz,
                                   unsigned smem, CUstream s, void** params) {
    return launch(f, gx, gy, gz, bx, by, bz, smem, params, true, s);
}
CUresult cuGetErrorString(CUresult r, const char** s) {
    switch (r) {
        case CUDA_SUCCESS: *s = "no error"; break;
        case CUDA_ERROR_ILLEGAL_ADDRESS: *s = "an illegal memory access was encountered"; break;
        case CUDA_ERROR_LAUNCH_FAILED: *s = "unspecified launch failure"; break;
        default: *s = "emulated CUDA error"; break;
    }
    return CUDA_SUCCESS;
}
CUresult cuGetErrorName(CUresult r, const char** s) {
    static thread_local char b[32];
    snprintf(b, sizeof b, "CUDA_ERROR_%d", (int)r);
    *s = b;
    return CUDA_SUCCESS;
}

}  // extern "C"

// ======================================================================================================
// Stream capture and graphs (CUDA graphs): cuStreamBeginCapture … cuStreamEndCapture records the work
// queued on a stream into a graph instead of running it; cuGraphInstantiate makes an executable copy and
// cuGraphLaunch replays its nodes in capture order (one stream, so the graph is a chain). What is recorded:
// kernel launches (cooperative ones too: CU_LAUNCH_ATTRIBUTE_COOPERATIVE is valid for graph nodes) with
// their parameters copied by value, cuMemcpy*Async, cuMemsetD*Async, and host closures that the fake
// cuBLAS / cuDNN enqueue through emu_capture_host_work (they stand for the library's kernels).
//
// The rules a real driver enforces, with its error codes:
//   - cuStreamBeginCapture on the legacy NULL stream: CUDA_ERROR_STREAM_CAPTURE_UNSUPPORTED; on a stream
//     already capturing: CUDA_ERROR_ILLEGAL_STATE; cuStreamEndCapture on a stream not capturing:
//     CUDA_ERROR_ILLEGAL_STATE, from another thread than began a non-RELAXED capture:
//     CUDA_ERROR_STREAM_CAPTURE_WRONG_THREAD;
//   - "potentially unsafe" calls (cuMemAlloc, cuMemFree, cuMemHostAlloc, cuMemFreeHost, synchronous
//     cuMemcpy / cuMemset) while this thread has a capture that is not RELAXED, or while any thread has a
//     GLOBAL capture: CUDA_ERROR_STREAM_CAPTURE_UNSUPPORTED, and those captures are invalidated;
//   - cuStreamSynchronize of a capturing stream, cuCtxSynchronize during any capture:
//     CUDA_ERROR_STREAM_CAPTURE_UNSUPPORTED, invalidating the capture(s) it would have waited for;
//   - an async copy to or from pageable host memory (not from cuMemHostAlloc) on a capturing stream:
//     CUDA_ERROR_STREAM_CAPTURE_UNSUPPORTED, invalidating the capture;
//   - once invalidated, work queued on the stream fails with CUDA_ERROR_STREAM_CAPTURE_INVALIDATED, and so
//     does cuStreamEndCapture, which returns a NULL graph and ends the capture.
// Each refusal prints one line naming the call. Not emulated: fork/join across streams (one stream is all
// sagan4j uses, so CUDA_ERROR_STREAM_CAPTURE_UNJOINED / _ISOLATION / _MERGE cannot arise), graph updates.
// ======================================================================================================
#include <functional>
#include <memory>
#include <thread>
#include <vector>

namespace {

struct GraphNode {
    CUgraphNodeType type;
    std::string what;                 // for the line printed when a replayed node fails
    std::function<CUresult()> run;
};
struct Graph { std::vector<std::shared_ptr<GraphNode>> nodes; };
struct GraphExec { std::vector<std::shared_ptr<GraphNode>> nodes; };
struct Capture {
    CUstreamCaptureMode mode;
    std::thread::id thread;
    Graph* graph;
    bool invalidated;
    unsigned long long id;
};

std::mutex captureMu;                          // guards everything below
std::map<CUstream, Capture> captures;          // the streams capturing now
std::set<Graph*> graphs;
std::set<GraphExec*> execs;
std::map<uintptr_t, size_t> pinned;            // cuMemHostAlloc'd ranges: start -> bytes
unsigned long long nextCaptureId = 1;
thread_local CUstreamCaptureMode threadMode = CU_STREAM_CAPTURE_MODE_GLOBAL;

void invalidate(Capture& c, const char* why) {
    if (!c.invalidated) fprintf(stderr, "sagan4j emulator: %s invalidated the stream capture %llu\n", why, c.id);
    c.invalidated = true;
}

// The captures that make a potentially unsafe call on this thread illegal (see the rules above).
std::vector<Capture*> prohibitingCaptures() {
    std::vector<Capture*> out;
    for (auto& e : captures) {
        Capture& c = e.second;
        // the calling thread's mode decides: RELAXED is never prohibited, THREAD_LOCAL only by its own
        // capture (not begun RELAXED), GLOBAL also by another thread's GLOBAL capture
        if (threadMode == CU_STREAM_CAPTURE_MODE_RELAXED) continue;
        bool own = c.thread == std::this_thread::get_id() && c.mode != CU_STREAM_CAPTURE_MODE_RELAXED;
        bool global = c.mode == CU_STREAM_CAPTURE_MODE_GLOBAL && threadMode == CU_STREAM_CAPTURE_MODE_GLOBAL;
        if (own || global) out.push_back(&c);
    }
    return out;
}

bool isPinned(const void* p, size_t n) {
    auto it = pinned.upper_bound((uintptr_t)p);
    if (it == pinned.begin()) return false;
    --it;
    return (uintptr_t)p >= it->first && (uintptr_t)p + n <= it->first + it->second;
}

// Appends a node when `s` is capturing; true when it did (or refused: *r says which).
bool record(CUstream s, std::shared_ptr<GraphNode> node, CUresult* r) {
    std::lock_guard<std::mutex> g(captureMu);
    auto it = captures.find(s);
    if (s == nullptr || it == captures.end()) return false;
    if (it->second.invalidated) {
        *r = fail(CUDA_ERROR_STREAM_CAPTURE_INVALIDATED, node->what + " on a stream whose capture was invalidated");
        return true;
    }
    it->second.graph->nodes.push_back(std::move(node));
    *r = CUDA_SUCCESS;
    return true;
}

CUresult captureUnsafe(const char* what) {
    std::lock_guard<std::mutex> g(captureMu);
    auto prohibiting = prohibitingCaptures();
    if (prohibiting.empty()) return CUDA_SUCCESS;
    for (Capture* c : prohibiting) invalidate(*c, what);
    return fail(CUDA_ERROR_STREAM_CAPTURE_UNSUPPORTED, std::string(what) + " is not permitted while a stream is capturing");
}

CUresult captureSyncs(CUstream s, bool wholeContext, const char* what) {
    std::lock_guard<std::mutex> g(captureMu);
    bool hit = false;
    for (auto& e : captures) {
        // the legacy NULL stream synchronises with every blocking stream, so it waits for a capture too
        if (wholeContext || s == nullptr || e.first == s) {
            invalidate(e.second, what);
            hit = true;
        }
    }
    return hit ? fail(CUDA_ERROR_STREAM_CAPTURE_UNSUPPORTED, std::string(what) + " would wait for a stream that is capturing")
               : CUDA_SUCCESS;
}

bool captureKernelRecord(CUstream s, const EmuLaunch& l, CUresult* r) {
    {
        std::lock_guard<std::mutex> g(captureMu);
        if (s == nullptr || !captures.count(s)) return false;
    }
    // kernelParams point at the caller's arguments, which are gone after the call: copy them by value
    auto node = std::make_shared<GraphNode>();
    node->type = CU_GRAPH_NODE_TYPE_KERNEL;
    node->what = std::string(l.cooperative ? "cuLaunchCooperativeKernel " : "cuLaunchKernel ") + l.kernel->name;
    std::vector<size_t> offsets;
    auto bytes = std::make_shared<std::vector<unsigned char>>();
    for (int i = 0; i < l.kernel->argCount; i++) {
        size_t size = l.kernel->argSizes[i], at = (bytes->size() + 15) & ~(size_t)15;
        bytes->resize(at + size);
        memcpy(bytes->data() + at, l.params[i], size);
        offsets.push_back(at);
    }
    EmuLaunch copy = l;
    node->run = [copy, bytes, offsets]() mutable {
        std::vector<void*> params;
        for (size_t at : offsets) params.push_back(bytes->data() + at);
        copy.params = params.data();
        std::string error;
        int rc = emu_launch(copy, error);
        return rc ? fail((CUresult)rc, error) : CUDA_SUCCESS;
    };
    return record(s, node, r);
}

bool captureCopyRecord(CUstream s, void* dst, const void* src, size_t n, const void* hostPtr, const char* what, CUresult* r) {
    {
        std::lock_guard<std::mutex> g(captureMu);
        auto it = s ? captures.find(s) : captures.end();
        if (it == captures.end()) return false;
        if (hostPtr && !it->second.invalidated && !isPinned(hostPtr, n)) {
            invalidate(it->second, what);
            *r = fail(CUDA_ERROR_STREAM_CAPTURE_UNSUPPORTED, std::string(what) + " with pageable host memory on a capturing stream "
                      "(only memory from cuMemHostAlloc can be captured)");
            return true;
        }
    }
    auto node = std::make_shared<GraphNode>();
    node->type = CU_GRAPH_NODE_TYPE_MEMCPY;
    node->what = what;
    node->run = [dst, src, n]() { memmove(dst, src, n); return CUDA_SUCCESS; };
    return record(s, node, r);
}

bool captureMemsetRecord(CUstream s, CUdeviceptr dst, unsigned value, size_t n, unsigned elementBytes, CUresult* r) {
    auto node = std::make_shared<GraphNode>();
    node->type = CU_GRAPH_NODE_TYPE_MEMSET;
    node->what = elementBytes == 1 ? "cuMemsetD8Async" : "cuMemsetD32Async";
    node->run = [dst, value, n, elementBytes]() {
        if (elementBytes == 1) memset((void*)dst, (unsigned char)value, n);
        else for (size_t i = 0; i < n; i++) ((unsigned*)dst)[i] = value;
        return CUDA_SUCCESS;
    };
    return record(s, node, r);
}

}  // namespace

extern "C" {

// For the fake cuBLAS and cuDNN (found with dlsym): when `stream` is capturing, records `fn(data)` as one
// node (the graph owns `data` and calls `release(data)` when its last copy goes) and returns 1; returns 0
// when the stream is not capturing (the caller runs the work itself and keeps `data`); returns 2 when the
// capture was invalidated (nothing recorded; `data` is released). fn returns 0 on success.
int emu_capture_host_work(void* stream, int (*fn)(void*), void* data, void (*release)(void*), const char* what) {
    CUstream s = (CUstream)stream;
    {
        std::lock_guard<std::mutex> g(captureMu);
        if (s == nullptr || !captures.count(s)) return 0;
    }
    auto node = std::make_shared<GraphNode>();
    node->type = CU_GRAPH_NODE_TYPE_KERNEL;   // on a GPU the library's call becomes kernel node(s)
    node->what = what;
    std::shared_ptr<void> owned(data, release);
    std::string name = what;
    node->run = [fn, owned, name]() {
        int rc = fn(owned.get());
        return rc ? fail(CUDA_ERROR_LAUNCH_FAILED, name + " failed in a graph replay (status " + std::to_string(rc) + ")") : CUDA_SUCCESS;
    };
    CUresult r;
    if (!record(s, node, &r)) return 0;
    return r == CUDA_SUCCESS ? 1 : 2;
}

CUresult cuStreamBeginCapture(CUstream s, CUstreamCaptureMode mode) {
    NEED_CTX();
    if (s == nullptr) return fail(CUDA_ERROR_STREAM_CAPTURE_UNSUPPORTED, "cuStreamBeginCapture: the legacy NULL stream cannot capture");
    if (s != (CUstream)&streamToken) return CUDA_ERROR_INVALID_HANDLE;
    if (mode != CU_STREAM_CAPTURE_MODE_GLOBAL && mode != CU_STREAM_CAPTURE_MODE_THREAD_LOCAL && mode != CU_STREAM_CAPTURE_MODE_RELAXED)
        return CUDA_ERROR_INVALID_VALUE;
    std::lock_guard<std::mutex> g(captureMu);
    if (captures.count(s)) return fail(CUDA_ERROR_ILLEGAL_STATE, "cuStreamBeginCapture: the stream is already capturing");
    Graph* graph = new Graph;
    graphs.insert(graph);
    EMU_HANDLE_CREATED(H_GRAPH);
    captures[s] = Capture{mode, std::this_thread::get_id(), graph, false, nextCaptureId++};
    return CUDA_SUCCESS;
}

CUresult cuStreamEndCapture(CUstream s, CUgraph* out) {
    NEED_CTX();
    if (!out) return CUDA_ERROR_INVALID_VALUE;
    std::lock_guard<std::mutex> g(captureMu);
    auto it = captures.find(s);
    if (s == nullptr || it == captures.end()) return fail(CUDA_ERROR_ILLEGAL_STATE, "cuStreamEndCapture: the stream is not capturing");
    Capture c = it->second;
    if (c.mode != CU_STREAM_CAPTURE_MODE_RELAXED && c.thread != std::this_thread::get_id())
        return fail(CUDA_ERROR_STREAM_CAPTURE_WRONG_THREAD, "cuStreamEndCapture: called from another thread than cuStreamBeginCapture");
    captures.erase(it);
    if (c.invalidated) {
        graphs.erase(c.graph);
        delete c.graph;
        EMU_HANDLE_DESTROYED(H_GRAPH);
        *out = nullptr;
        return fail(CUDA_ERROR_STREAM_CAPTURE_INVALIDATED, "cuStreamEndCapture: the capture was invalidated by an earlier call");
    }
    *out = (CUgraph)c.graph;
    return CUDA_SUCCESS;
}

CUresult cuStreamIsCapturing(CUstream s, CUstreamCaptureStatus* status) {
    NEED_CTX();
    if (!status) return CUDA_ERROR_INVALID_VALUE;
    std::lock_guard<std::mutex> g(captureMu);
    auto it = s ? captures.find(s) : captures.end();
    *status = it == captures.end() ? CU_STREAM_CAPTURE_STATUS_NONE
              : it->second.invalidated ? CU_STREAM_CAPTURE_STATUS_INVALIDATED : CU_STREAM_CAPTURE_STATUS_ACTIVE;
    return CUDA_SUCCESS;
}

CUresult cuThreadExchangeStreamCaptureMode(CUstreamCaptureMode* mode) {
    if (!mode) return CUDA_ERROR_INVALID_VALUE;
    std::swap(*mode, threadMode);
    return CUDA_SUCCESS;
}

CUresult cuGraphDestroy(CUgraph graph) {
    NEED_CTX();
    std::lock_guard<std::mutex> g(captureMu);
    if (!graphs.erase((Graph*)graph)) return CUDA_ERROR_INVALID_VALUE;
    delete (Graph*)graph;
    EMU_HANDLE_DESTROYED(H_GRAPH);
    return CUDA_SUCCESS;
}

CUresult cuGraphGetNodes(CUgraph graph, CUgraphNode* nodes, size_t* count) {
    NEED_CTX();
    if (!count) return CUDA_ERROR_INVALID_VALUE;
    std::lock_guard<std::mutex> g(captureMu);
    if (!graphs.count((Graph*)graph)) return CUDA_ERROR_INVALID_VALUE;
    auto& all = ((Graph*)graph)->nodes;
    if (nodes) {
        for (size_t i = 0; i < *count && i < all.size(); i++) nodes[i] = (CUgraphNode)all[i].get();
        for (size_t i = all.size(); i < *count; i++) nodes[i] = nullptr;
        *count = std::min(*count, all.size());
    } else {
        *count = all.size();
    }
    return CUDA_SUCCESS;
}

CUresult cuGraphNodeGetType(CUgraphNode node, CUgraphNodeType* type) {
    NEED_CTX();
    if (!node || !type) return CUDA_ERROR_INVALID_VALUE;
    std::lock_guard<std::mutex> g(captureMu);
    for (Graph* graph : graphs)
        for (auto& n : graph->nodes)
            if ((CUgraphNode)n.get() == node) { *type = n->type; return CUDA_SUCCESS; }
    return CUDA_ERROR_INVALID_VALUE;
}

CUresult cuGraphInstantiateWithFlags(CUgraphExec* exec, CUgraph graph, unsigned long long flags) {
    NEED_CTX();
    if (!exec) return CUDA_ERROR_INVALID_VALUE;
    if (flags) return fail(CUDA_ERROR_INVALID_VALUE, "cuGraphInstantiateWithFlags: flags are not emulated");
    std::lock_guard<std::mutex> g(captureMu);
    if (!graphs.count((Graph*)graph)) return CUDA_ERROR_INVALID_VALUE;
    GraphExec* e = new GraphExec{((Graph*)graph)->nodes};
    execs.insert(e);
    EMU_HANDLE_CREATED(H_GRAPH_EXEC);
    *exec = (CUgraphExec)e;
    return CUDA_SUCCESS;
}

CUresult cuGraphExecDestroy(CUgraphExec exec) {
    NEED_CTX();
    std::lock_guard<std::mutex> g(captureMu);
    if (!execs.erase((GraphExec*)exec)) return CUDA_ERROR_INVALID_VALUE;
    delete (GraphExec*)exec;
    EMU_HANDLE_DESTROYED(H_GRAPH_EXEC);
    return CUDA_SUCCESS;
}

// Replays the nodes in capture order; into a capturing stream the whole graph is recorded as one node.
CUresult cuGraphLaunch(CUgraphExec exec, CUstream s) {
    NEED_CTX();
    std::vector<std::shared_ptr<GraphNode>> nodes;
    {
        std::lock_guard<std::mutex> g(captureMu);
        if (!execs.count((GraphExec*)exec)) return CUDA_ERROR_INVALID_VALUE;
        nodes = ((GraphExec*)exec)->nodes;
    }
    auto replay = [nodes]() {
        for (auto& n : nodes)
            if (CUresult r = n->run()) return fail(r, "cuGraphLaunch: node " + n->what + " failed");
        return CUDA_SUCCESS;
    };
    auto child = std::make_shared<GraphNode>();
    child->type = CU_GRAPH_NODE_TYPE_GRAPH;
    child->what = "cuGraphLaunch";
    child->run = replay;
    CUresult recorded;
    if (record(s, child, &recorded)) return recorded;
    return replay();
}

// Every queued operation has finished when its call returns here, so an event is always complete; one last
// recorded inside a capture cannot be queried (CUDA_ERROR_CAPTURED_EVENT is not tracked: sagan4j never does).
CUresult cuEventQuery(CUevent e) { NEED_CTX(); return e ? CUDA_SUCCESS : CUDA_ERROR_INVALID_HANDLE; }

// Page-locked host memory (staging for asynchronous copies that a capture can record).
CUresult cuMemHostAlloc(void** p, size_t bytes, unsigned int flags) {
    NEED_CTX();
    if (!p || bytes == 0) return CUDA_ERROR_INVALID_VALUE;
    if (CUresult r = captureUnsafe("cuMemHostAlloc")) return r;
    void* mem = aligned_alloc(4096, (bytes + 4095) & ~(size_t)4095);
    if (!mem) return CUDA_ERROR_OUT_OF_MEMORY;
    memset(mem, 0xFF, bytes);
    std::lock_guard<std::mutex> g(captureMu);
    pinned[(uintptr_t)mem] = bytes;
    EMU_HANDLE_CREATED(H_PINNED);
    *p = mem;
    return CUDA_SUCCESS;
}

CUresult cuMemFreeHost(void* p) {
    NEED_CTX();
    if (CUresult r = captureUnsafe("cuMemFreeHost")) return r;
    std::lock_guard<std::mutex> g(captureMu);
    if (!pinned.erase((uintptr_t)p)) return fail(CUDA_ERROR_INVALID_VALUE, "cuMemFreeHost of an address cuMemHostAlloc did not return");
    free(p);
    EMU_HANDLE_DESTROYED(H_PINNED);
    return CUDA_SUCCESS;
}

}  // extern "C"
