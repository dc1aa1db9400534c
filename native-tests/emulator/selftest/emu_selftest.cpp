// emu_selftest.cpp — checks the emulator's execution model through the driver API, with the kernels of
// emu_selftest_kernels.cu: results of correct kernels, and the failures it must report (a race exposed by
// the reverse thread order, a divergent shuffle, a read past an allocation, grid.sync outside a
// cooperative launch, launch limits), and stream capture (record, replay, the calls a capture refuses).
// Built and run by native-tests/emulator/build.sh --selftest.
#include <cuda.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

static int failures = 0, checks = 0;
static void expect(bool ok, const std::string& what) {
    checks++;
    if (!ok) { failures++; printf("FAIL: %s\n", what.c_str()); }
}
#define CK(call) do { CUresult r_ = (call); if (r_ != CUDA_SUCCESS) { printf("FAIL: %s -> %d\n", #call, (int)r_); exit(1); } } while (0)

// A fatbin-shaped image naming the kernels: the header cuModuleLoadData reads, then NUL-separated names.
static std::vector<unsigned char> image(const std::vector<std::string>& names) {
    std::string body(1, '\0');
    for (auto& n : names) body += n + '\0';
    std::vector<unsigned char> img(16 + body.size());
    uint32_t magic = 0xBA55ED50u; uint16_t version = 1, hsize = 16; uint64_t bsize = body.size();
    memcpy(&img[0], &magic, 4); memcpy(&img[4], &version, 2); memcpy(&img[6], &hsize, 2); memcpy(&img[8], &bsize, 8);
    memcpy(&img[16], body.data(), body.size());
    return img;
}

static CUresult launch(CUfunction f, unsigned grid, unsigned block, unsigned smem, std::vector<void*> args, bool coop = false) {
    return coop ? cuLaunchCooperativeKernel(f, grid, 1, 1, block, 1, 1, smem, nullptr, args.data())
                : cuLaunchKernel(f, grid, 1, 1, block, 1, 1, smem, nullptr, args.data(), nullptr);
}

int main() {
    CK(cuInit(0));
    CUdevice dev; CUcontext ctx;
    CK(cuDeviceGet(&dev, 0));
    CK(cuDevicePrimaryCtxRetain(&ctx, dev));
    CK(cuCtxSetCurrent(ctx));
    auto img = image({"st_block_sum", "st_block_sum_racy", "st_warp_sums", "st_divergent_shuffle", "st_read_past_end",
                      "st_grid_neighbour", "st_dynamic_smem", "st_static_smem"});
    CUmodule m;
    CK(cuModuleLoadData(&m, img.data()));
    auto fn = [&](const char* name) { CUfunction f; CK(cuModuleGetFunction(&f, m, name)); return f; };
    CUfunction other;
    expect(cuModuleGetFunction(&other, m, "sgemm_tiled") == CUDA_ERROR_NOT_FOUND, "a kernel outside the module's image is not found");

    // block sums: 4 blocks of 256
    const int B = 4, N = B * 256;
    std::vector<float> h(N);
    for (int i = 0; i < N; i++) h[i] = (float)((i * 37) % 101) - 50.0f;
    CUdeviceptr in, out, out2;
    CK(cuMemAlloc(&in, N * 4)); CK(cuMemAlloc(&out, N * 4)); CK(cuMemAlloc(&out2, N * 4));
    CK(cuMemcpyHtoD(in, h.data(), N * 4));
    std::vector<float> got(N);
    CK(cuMemcpyDtoH(got.data(), out, 4));
    uint32_t bits; memcpy(&bits, got.data(), 4);
    expect(bits == 0xFFFFFFFFu, "fresh allocations are filled with 0xFF bytes");
    const bool reverse = getenv("SAGAN4J_EMU_ORDER") && !strcmp(getenv("SAGAN4J_EMU_ORDER"), "reverse");
    CK(launch(fn("st_block_sum"), B, 256, 0, {&in, &out}));
    CK(cuMemcpyDtoH(got.data(), out, B * 4));
    for (int b = 0; b < B; b++) {
        double want = 0;
        for (int i = 0; i < 256; i++) want += h[b * 256 + i];
        expect(got[b] == (float)want, "st_block_sum block " + std::to_string(b) + ": " + std::to_string(got[b]) + " vs " + std::to_string(want));
    }
    CK(launch(fn("st_block_sum_racy"), B, 256, 0, {&in, &out}));
    CK(cuMemcpyDtoH(got.data(), out, B * 4));
    bool racy_right = true;
    for (int b = 0; b < B; b++) {
        double want = 0;
        for (int i = 0; i < 256; i++) want += h[b * 256 + i];
        racy_right &= got[b] == (float)want;
    }
    // Between barriers a fiber runs to its next barrier: in thread order thread 0 runs all levels before
    // thread 64 has added its pair (wrong sums); in reverse order every partner has finished first (right
    // sums, by luck). Hence emulate.sh's advice to run kernels in both orders.
    expect(racy_right == reverse, std::string("the missing barrier shows in forward order (order: ") + (reverse ? "reverse" : "forward") + ")");

    // warp shuffles
    CK(launch(fn("st_warp_sums"), 2, 64, 0, {&in, &out, &out2}));
    std::vector<float> xr(128), dn(128);
    CK(cuMemcpyDtoH(xr.data(), out, 128 * 4));
    CK(cuMemcpyDtoH(dn.data(), out2, 128 * 4));
    for (int w = 0; w < 4; w++) {
        double want = 0;
        for (int l = 0; l < 32; l++) want += h[w * 32 + l];
        for (int l = 0; l < 32; l++) expect(fabs(xr[w * 32 + l] - want) < 1e-3, "xor butterfly sum, warp " + std::to_string(w) + " lane " + std::to_string(l));
        expect(fabs(dn[w * 32] - want) < 1e-3, "shfl_down sum in lane 0, warp " + std::to_string(w));
        // lane 31 reads past the warp each step, gets its own value back, and doubles it five times
        expect(fabs(dn[w * 32 + 31] - 32.0f * h[w * 32 + 31]) < 1e-4, "shfl_down past the warp returns the own value");
    }

    // failures the emulator must report
    expect(launch(fn("st_divergent_shuffle"), 1, 32, 0, {&out}) == CUDA_ERROR_LAUNCH_FAILED, "a shuffle half the warp never reaches fails the launch");
    int n = N;
    expect(launch(fn("st_read_past_end"), 1, 1, 0, {&in, &n, &out}) == CUDA_ERROR_ILLEGAL_ADDRESS, "a read past the allocation is an illegal address");
    CUdeviceptr slots, nb;
    CK(cuMemAlloc(&slots, 64 * 4)); CK(cuMemAlloc(&nb, 64 * 4));
    expect(launch(fn("st_grid_neighbour"), 4, 32, 0, {&slots, &nb}) == CUDA_ERROR_LAUNCH_FAILED, "grid.sync needs a cooperative launch");
    CK(launch(fn("st_grid_neighbour"), 8, 64, 0, {&slots, &nb}, true));
    std::vector<int> gi(8);
    CK(cuMemcpyDtoH(gi.data(), nb, 8 * 4));
    for (int b = 0; b < 8; b++) expect(gi[b] == ((b + 1) % 8) * 10, "grid.sync: block " + std::to_string(b) + " sees its neighbour's write");
    expect(launch(fn("st_grid_neighbour"), 1000, 1024, 0, {&slots, &nb}, true) == CUDA_ERROR_COOPERATIVE_LAUNCH_TOO_LARGE,
           "a cooperative grid larger than can be resident is refused");
    expect(launch(fn("st_block_sum"), 1, 512, 0, {&in, &out}) == CUDA_ERROR_LAUNCH_OUT_OF_RESOURCES, "more threads than __launch_bounds__ is refused");
    expect(launch(fn("st_warp_sums"), 1, 2048, 0, {&in, &out, &out2}) == CUDA_ERROR_INVALID_VALUE, "more than 1024 threads per block is refused");
    CUfunction dyn = fn("st_dynamic_smem");
    expect(launch(dyn, 1, 32, 64 * 1024, {&out}) == CUDA_ERROR_INVALID_VALUE, "64 KiB of dynamic shared memory needs the function attribute");
    CK(cuFuncSetAttribute(dyn, CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES, 64 * 1024));
    CK(launch(dyn, 1, 32, 64 * 1024, {&out}));
    unsigned word;
    CK(cuMemcpyDtoH(&word, out, 4));
    expect(word == 0xFFFFFFFFu, "dynamic shared memory starts as 0xFF bytes");
    CUfunction st = fn("st_static_smem");
    int write = 1, read = 0;
    CK(launch(st, 64, 32, 0, {&out, &write}));   // every pool thread's copy of st now holds 7s
    CK(launch(st, 64, 32, 0, {&out, &read}));
    std::vector<unsigned> words(64);
    CK(cuMemcpyDtoH(words.data(), out, 64 * 4));
    bool poisoned = true;
    for (unsigned w : words) poisoned = poisoned && w == 0xFFFFFFFFu;
    expect(poisoned, "static shared memory starts as 0xFF bytes in every block, not with the previous block's values");
    expect(cuMemcpyHtoD(in + 4, h.data(), N * 4) == CUDA_ERROR_INVALID_VALUE, "a copy running past its allocation is refused");

    // stream capture: recorded, not run; replayed in order with the values of replay time
    {
        CUstream cs;
        CK(cuStreamCreate(&cs, CU_STREAM_NON_BLOCKING));
        float *hin, *hout;
        CK(cuMemHostAlloc((void**)&hin, B * 256 * 4, 0));
        CK(cuMemHostAlloc((void**)&hout, B * 4, 0));
        for (int i = 0; i < B * 256; i++) hin[i] = h[i];
        CUdeviceptr cin, cout;
        CK(cuMemAlloc(&cin, B * 256 * 4)); CK(cuMemAlloc(&cout, B * 4));
        CK(cuMemsetD32(cout, 0, B));
        CK(cuStreamBeginCapture(cs, CU_STREAM_CAPTURE_MODE_GLOBAL));
        CUstreamCaptureStatus status;
        CK(cuStreamIsCapturing(cs, &status));
        expect(status == CU_STREAM_CAPTURE_STATUS_ACTIVE, "cuStreamIsCapturing: active during a capture");
        CK(cuMemcpyHtoDAsync(cin, hin, B * 256 * 4, cs));
        CK(cuMemsetD32Async(cout, 0x7fc00000u, B, cs));
        std::vector<void*> args{&cin, &cout};
        CK(cuLaunchKernel(fn("st_block_sum"), B, 1, 1, 256, 1, 1, 0, cs, args.data(), nullptr));
        CK(cuMemcpyDtoHAsync(hout, cout, B * 4, cs));
        unsigned zero;
        CK(cuMemcpyDtoHAsync(&zero, cout, 4, nullptr));
        expect(zero == 0, "captured work does not run during the capture");
        CUgraph graph;
        CK(cuStreamEndCapture(cs, &graph));
        size_t nodes = 0;
        CK(cuGraphGetNodes(graph, nullptr, &nodes));
        expect(nodes == 4, "the capture recorded 4 nodes (copy, memset, kernel, copy), got " + std::to_string(nodes));
        std::vector<CUgraphNode> list(nodes);
        CK(cuGraphGetNodes(graph, list.data(), &nodes));
        CUgraphNodeType type;
        CK(cuGraphNodeGetType(list[2], &type));
        expect(type == CU_GRAPH_NODE_TYPE_KERNEL, "the third node is the kernel");
        CUgraphExec exec;
        CK(cuGraphInstantiate(&exec, graph, 0));
        for (int replay = 0; replay < 2; replay++) {
            for (int i = 0; i < B * 256; i++) hin[i] = h[i] * (replay + 2);   // the staging changes between replays
            for (int b = 0; b < B; b++) hout[b] = NAN;
            CK(cuGraphLaunch(exec, cs));
            CK(cuStreamSynchronize(cs));
            for (int b = 0; b < B; b++) {
                double want = 0;
                for (int i = 0; i < 256; i++) want += (float)(h[b * 256 + i] * (replay + 2));
                expect(hout[b] == (float)want, "replay " + std::to_string(replay) + " block " + std::to_string(b) + ": " +
                       std::to_string(hout[b]) + " vs " + std::to_string(want));
            }
        }
        CK(cuGraphExecDestroy(exec));
        CK(cuGraphDestroy(graph));

        // what a real driver refuses during a GLOBAL capture, and the invalidation that follows
        CUdeviceptr extra;
        expect(cuStreamBeginCapture(nullptr, CU_STREAM_CAPTURE_MODE_GLOBAL) == CUDA_ERROR_STREAM_CAPTURE_UNSUPPORTED,
               "the legacy NULL stream cannot capture");
        CK(cuStreamBeginCapture(cs, CU_STREAM_CAPTURE_MODE_GLOBAL));
        expect(cuStreamBeginCapture(cs, CU_STREAM_CAPTURE_MODE_GLOBAL) == CUDA_ERROR_ILLEGAL_STATE, "a capturing stream cannot begin again");
        CK(cuLaunchKernel(fn("st_block_sum"), B, 1, 1, 256, 1, 1, 0, cs, args.data(), nullptr));
        expect(cuMemAlloc(&extra, 256) == CUDA_ERROR_STREAM_CAPTURE_UNSUPPORTED, "cuMemAlloc during a capture is refused");
        CK(cuStreamIsCapturing(cs, &status));
        expect(status == CU_STREAM_CAPTURE_STATUS_INVALIDATED, "the refused call invalidated the capture");
        expect(cuLaunchKernel(fn("st_block_sum"), B, 1, 1, 256, 1, 1, 0, cs, args.data(), nullptr) == CUDA_ERROR_STREAM_CAPTURE_INVALIDATED,
               "work queued after the invalidation fails");
        CUgraph none = (CUgraph)&status;
        expect(cuStreamEndCapture(cs, &none) == CUDA_ERROR_STREAM_CAPTURE_INVALIDATED && none == nullptr,
               "cuStreamEndCapture after an invalidation fails and returns no graph");
        expect(cuStreamEndCapture(cs, &none) == CUDA_ERROR_ILLEGAL_STATE, "the failed end still ended the capture");

        CK(cuStreamBeginCapture(cs, CU_STREAM_CAPTURE_MODE_GLOBAL));
        expect(cuStreamSynchronize(cs) == CUDA_ERROR_STREAM_CAPTURE_UNSUPPORTED, "synchronising a capturing stream is refused");
        expect(cuStreamEndCapture(cs, &none) == CUDA_ERROR_STREAM_CAPTURE_INVALIDATED, "... and invalidates the capture");
        CK(cuStreamBeginCapture(cs, CU_STREAM_CAPTURE_MODE_GLOBAL));
        expect(cuCtxSynchronize() == CUDA_ERROR_STREAM_CAPTURE_UNSUPPORTED, "cuCtxSynchronize during a capture is refused");
        expect(cuStreamEndCapture(cs, &none) == CUDA_ERROR_STREAM_CAPTURE_INVALIDATED, "... and invalidates the capture");
        CK(cuStreamBeginCapture(cs, CU_STREAM_CAPTURE_MODE_GLOBAL));
        expect(cuMemcpyHtoDAsync(cin, h.data(), 256, cs) == CUDA_ERROR_STREAM_CAPTURE_UNSUPPORTED,
               "an async copy from pageable host memory is refused in a capture");
        expect(cuStreamEndCapture(cs, &none) == CUDA_ERROR_STREAM_CAPTURE_INVALIDATED, "... and invalidates the capture");
        CK(cuStreamBeginCapture(cs, CU_STREAM_CAPTURE_MODE_GLOBAL));
        expect(cuMemcpyHtoD(cin, hin, 256) == CUDA_ERROR_STREAM_CAPTURE_UNSUPPORTED, "a synchronous copy during a capture is refused");
        expect(cuStreamEndCapture(cs, &none) == CUDA_ERROR_STREAM_CAPTURE_INVALIDATED, "... and invalidates the capture");
        CK(cuStreamBeginCapture(cs, CU_STREAM_CAPTURE_MODE_GLOBAL));
        CUstreamCaptureMode mode = CU_STREAM_CAPTURE_MODE_RELAXED;
        CK(cuThreadExchangeStreamCaptureMode(&mode));
        expect(cuMemAlloc(&extra, 256) == CUDA_SUCCESS, "a thread whose own mode is RELAXED may allocate during its capture");
        CK(cuThreadExchangeStreamCaptureMode(&mode));
        expect(mode == CU_STREAM_CAPTURE_MODE_RELAXED, "cuThreadExchangeStreamCaptureMode returns the previous mode");
        CK(cuStreamEndCapture(cs, &graph));
        CK(cuGraphDestroy(graph));
        CK(cuMemFree(extra));
        CK(cuStreamBeginCapture(cs, CU_STREAM_CAPTURE_MODE_RELAXED));
        expect(cuMemAlloc(&extra, 256) == CUDA_SUCCESS, "a RELAXED capture allows cuMemAlloc");
        CK(cuStreamEndCapture(cs, &graph));
        CK(cuGraphDestroy(graph));
        CK(cuMemFree(extra));
        CK(cuMemFreeHost(hin)); CK(cuMemFreeHost(hout));
        CK(cuStreamDestroy(cs));
    }

    printf("%s: %d checks, %d failed (thread order %s)\n", failures ? "FAIL" : "PASS", checks, failures, reverse ? "reverse" : "forward");
    return failures ? 1 : 0;
}
