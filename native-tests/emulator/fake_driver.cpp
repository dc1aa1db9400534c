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
//   - handles are checked; bad ones give CUDA_ERROR_INVALID_HANDLE / INVALID_VALUE.
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
// stream-capture section counts its graphs with EMU_HANDLE_CREATED(H_GRAPH) / EMU_HANDLE_DESTROYED(H_GRAPH).
enum { H_PRIMARY_CTX, H_STREAM, H_EVENT, H_MODULE, H_DEVICE_BUFFER, H_GRAPH, H_GRAPH_EXEC };
EmuHandleCount emu_handles[] = {{"primary context retain", 0, 0}, {"stream", 0, 0}, {"event", 0, 0}, {"module", 0, 0},
                                {"device buffer", 0, 0}, {"graph", 0, 0}, {"graph exec", 0, 0}};

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

#define NEED_INIT() do { if (!initialised) return CUDA_ERROR_NOT_INITIALIZED; } while (0)
#define NEED_CTX() do { NEED_INIT(); if (!currentCtx) return CUDA_ERROR_INVALID_CONTEXT; } while (0)

CUresult launch(CUfunction f, unsigned gx, unsigned gy, unsigned gz, unsigned bx, unsigned by, unsigned bz,
                unsigned smem, void** params, bool cooperative) {
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
CUresult cuCtxSynchronize(void) { NEED_CTX(); return CUDA_SUCCESS; }

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
    return s == nullptr || s == (CUstream)&streamToken ? CUDA_SUCCESS : CUDA_ERROR_INVALID_HANDLE;
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

CUresult cuMemcpyHtoD(CUdeviceptr dst, const void* src, size_t n) {
    NEED_CTX();
    if (CUresult r = checkRange(dst, n, "cuMemcpyHtoD")) return r;
    memcpy((void*)dst, src, n);
    return CUDA_SUCCESS;
}
CUresult cuMemcpyDtoH(void* dst, CUdeviceptr src, size_t n) {
    NEED_CTX();
    if (CUresult r = checkRange(src, n, "cuMemcpyDtoH")) return r;
    memcpy(dst, (const void*)src, n);
    return CUDA_SUCCESS;
}
CUresult cuMemcpyDtoD(CUdeviceptr dst, CUdeviceptr src, size_t n) {
    NEED_CTX();
    if (CUresult r = checkRange(dst, n, "cuMemcpyDtoD destination")) return r;
    if (CUresult r = checkRange(src, n, "cuMemcpyDtoD source")) return r;
    memmove((void*)dst, (const void*)src, n);
    return CUDA_SUCCESS;
}
CUresult cuMemcpyHtoDAsync(CUdeviceptr dst, const void* src, size_t n, CUstream) { return cuMemcpyHtoD(dst, src, n); }
CUresult cuMemcpyDtoHAsync(void* dst, CUdeviceptr src, size_t n, CUstream) { return cuMemcpyDtoH(dst, src, n); }
CUresult cuMemcpyDtoDAsync(CUdeviceptr dst, CUdeviceptr src, size_t n, CUstream) { return cuMemcpyDtoD(dst, src, n); }
CUresult cuMemsetD8(CUdeviceptr dst, unsigned char v, size_t n) {
    NEED_CTX();
    if (CUresult r = checkRange(dst, n, "cuMemsetD8")) return r;
    memset((void*)dst, v, n);
    return CUDA_SUCCESS;
}
CUresult cuMemsetD32(CUdeviceptr dst, unsigned int v, size_t n) {
    NEED_CTX();
    if (CUresult r = checkRange(dst, n * 4, "cuMemsetD32")) return r;
    for (size_t i = 0; i < n; i++) ((unsigned int*)dst)[i] = v;
    return CUDA_SUCCESS;
}
CUresult cuMemsetD8Async(CUdeviceptr dst, unsigned char v, size_t n, CUstream) { return cuMemsetD8(dst, v, n); }
CUresult cuMemsetD32Async(CUdeviceptr dst, unsigned int v, size_t n, CUstream) { return cuMemsetD32(dst, v, n); }

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
                        CUstream, void** params, void** extra) {
    if (extra) return fail(CUDA_ERROR_INVALID_VALUE, "cuLaunchKernel: 'extra' is not emulated");
    return launch(f, gx, gy, gz, bx, by, bz, smem, params, false);
}
CUresult cuLaunchCooperativeKernel(CUfunction f, unsigned gx, unsigned gy, unsigned gz, unsigned bx, unsigned by, unsigned bz,
                                   unsigned smem, CUstream, void** params) {
    return launch(f, gx, gy, gz, bx, by, bz, smem, params, true);
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
