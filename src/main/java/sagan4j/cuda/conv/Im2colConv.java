package sagan4j.cuda.conv;

import jcuda.driver.CUdeviceptr;
import jcuda.driver.CUstream;
import sagan4j.backend.Backend.GemmShape;
import sagan4j.backend.GemmMath;
import sagan4j.cuda.gemm.GemmPath;
import sagan4j.cuda.runtime.DeviceAllocator;
import sagan4j.cuda.runtime.KernelArgs;
import sagan4j.cuda.runtime.KernelLibrary;

/**
 * Convolution as im2col + one GEMM per pass (kernels/conv.cu), on any {@link GemmPath}. The column and
 * transpose buffers are owned here and grown to the largest shape seen, so that repeated calls with the
 * same shapes allocate nothing.
 */
final class Im2colConv implements ConvPath {
    /** At most this many floats (256 MiB) in the column matrix; larger batches run in chunks. */
    static final long MAX_COLUMN_FLOATS = 1L << 26;

    private final KernelLibrary kernels;
    private final CUstream stream;
    private final DeviceAllocator allocator;
    private final GemmPath gemm;
    private DeviceAllocator.Block col;
    private DeviceAllocator.Block cm;

    Im2colConv(KernelLibrary kernels, CUstream stream, DeviceAllocator allocator, GemmPath gemm) {
        this.kernels = kernels;
        this.stream = stream;
        this.allocator = allocator;
        this.gemm = gemm;
    }

    private void ensure(ConvGeometry g, int chunk, int channelsOfCm) {
        long colBytes = 4L * g.ck() * chunk * g.hw(), cmBytes = 4L * channelsOfCm * chunk * g.hw();
        if (col == null || col.bytes() < colBytes) {
            if (col != null) {
                allocator.free(col);
            }
            col = allocator.allocate(colBytes);
        }
        if (cm == null || cm.bytes() < cmBytes) {
            if (cm != null) {
                allocator.free(cm);
            }
            cm = allocator.allocate(cmBytes);
        }
    }

    private static CUdeviceptr image(CUdeviceptr base, long b0, long floatsPerImage) {
        return b0 == 0 ? base : base.withByteOffset(4L * b0 * floatsPerImage);
    }

    private void im2col(CUdeviceptr x, ConvGeometry g, int nb) {
        long n = g.ck() * nb * g.hw();
        kernels.launch1d("im2col_f32", n, stream, KernelArgs.of().ptr(x).ptr(col.ptr()).i32(g.cin()).i32(g.h()).i32(g.w())
                .i32(g.k()).i32(g.pad()).i32(g.ho()).i32(g.wo()).i32(nb).i64(n));
    }

    private void transpose(String kernel, CUdeviceptr src, CUdeviceptr dst, int channels, ConvGeometry g, int nb) {
        long n = (long) nb * channels * g.hw();
        kernels.launch1d(kernel, n, stream, KernelArgs.of().ptr(src).ptr(dst).i32(channels).i64(g.hw()).i32(nb).i64(n));
    }

    @Override
    public void forward(CUdeviceptr x, CUdeviceptr w, CUdeviceptr y, ConvGeometry g, GemmMath math) {
        int chunk = g.chunk(MAX_COLUMN_FLOATS);
        ensure(g, chunk, g.cout());
        for (int b0 = 0; b0 < g.b(); b0 += chunk) {
            int nb = Math.min(chunk, g.b() - b0);
            im2col(image(x, b0, (long) g.cin() * g.h() * g.w()), g, nb);
            gemm.gemm(new GemmShape(false, false, 1, g.cout(), (int) (nb * g.hw()), (int) g.ck(), false, false),
                    1f, w, col.ptr(), 0f, cm.ptr(), math);
            transpose("cm_to_nchw_f32", cm.ptr(), image(y, b0, g.cout() * g.hw()), g.cout(), g, nb);
        }
    }

    @Override
    public void backwardData(CUdeviceptr dy, CUdeviceptr w, CUdeviceptr dx, ConvGeometry g, GemmMath math) {
        int chunk = g.chunk(MAX_COLUMN_FLOATS);
        ensure(g, chunk, g.cout());
        for (int b0 = 0; b0 < g.b(); b0 += chunk) {
            int nb = Math.min(chunk, g.b() - b0);
            transpose("nchw_to_cm_f32", image(dy, b0, g.cout() * g.hw()), cm.ptr(), g.cout(), g, nb);
            gemm.gemm(new GemmShape(true, false, 1, (int) g.ck(), (int) (nb * g.hw()), g.cout(), false, false),
                    1f, w, cm.ptr(), 0f, col.ptr(), math);
            long n = (long) nb * g.cin() * g.h() * g.w();
            kernels.launch1d("col2im_f32", n, stream, KernelArgs.of().ptr(col.ptr())
                    .ptr(image(dx, b0, (long) g.cin() * g.h() * g.w())).i32(g.cin()).i32(g.h()).i32(g.w())
                    .i32(g.k()).i32(g.pad()).i32(g.ho()).i32(g.wo()).i32(nb).i64(n));
        }
    }

    @Override
    public void backwardFilter(CUdeviceptr x, CUdeviceptr dy, CUdeviceptr dw, ConvGeometry g, GemmMath math) {
        int chunk = g.chunk(MAX_COLUMN_FLOATS);
        ensure(g, chunk, g.cout());
        for (int b0 = 0; b0 < g.b(); b0 += chunk) {
            int nb = Math.min(chunk, g.b() - b0);
            im2col(image(x, b0, (long) g.cin() * g.h() * g.w()), g, nb);
            transpose("nchw_to_cm_f32", image(dy, b0, g.cout() * g.hw()), cm.ptr(), g.cout(), g, nb);
            gemm.gemm(new GemmShape(false, true, 1, g.cout(), (int) g.ck(), (int) (nb * g.hw()), false, false),
                    1f, cm.ptr(), col.ptr(), b0 == 0 ? 0f : 1f, dw, math);
        }
    }

    @Override
    public void close() {
        if (col != null) {
            allocator.free(col);
            col = null;
        }
        if (cm != null) {
            allocator.free(cm);
            cm = null;
        }
    }
}
