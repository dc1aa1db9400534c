package sagan4j.onednn;

import static org.bytedeco.dnnl.global.dnnl.*;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.bytedeco.dnnl.dnnl_exec_arg_t;
import org.bytedeco.dnnl.dnnl_memory;
import org.bytedeco.dnnl.dnnl_memory_desc;
import org.bytedeco.dnnl.dnnl_primitive;
import org.bytedeco.dnnl.dnnl_primitive_desc;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.PointerPointer;

import sagan4j.backend.ConvOps;
import sagan4j.backend.Tensor;

/**
 * Convolution on oneDNN: forward, backward-data and backward-weights primitives created with
 * {@code format_tag any}, so oneDNN picks its blocked layouts (8-channel blocks, jit:avx2 here), and
 * cached per shape (creating one is a JIT compilation). Tensors stay NCHW/OIHW at the edges: each call
 * stages its operands into native buffers and reorders them into (and the result out of) the blocked
 * layouts. With those edge reorders and copies a whole layer still runs ahead of PyTorch's, so keeping
 * activations blocked between layers would save little while every Java op would have to learn the blocked
 * layouts (the figures: docs/performance.md).
 */
final class OneDnnConv extends ConvOps {
    /** Native buffer roles: the three operands plain, and blocked. */
    private static final int X = 0, W = 1, Y = 2, XB = 3, WB = 4, YB = 5;

    private final Dnnl dnnl;
    private final NativeBuffers buffers = new NativeBuffers(6);
    private final Map<Key, Primitive> cache = new HashMap<>();
    private final TimeSplit time;

    OneDnnConv(OneDnnBackend backend, Dnnl dnnl, TimeSplit time) {
        super(backend, List.of("onednn"));
        this.dnnl = dnnl;
        this.time = time;
    }

    private enum Kind {
        FORWARD, BACKWARD_DATA, BACKWARD_WEIGHTS
    }

    private record Key(Kind kind, int b, int cin, int h, int w, int cout, int k, int pad) {
    }

    /**
     * One cached primitive with a memory object per operand, plain and (where oneDNN chose another
     * layout) blocked, and the reorders between them. Operand order: x, w, y (the conv's own roles; which
     * of them are inputs depends on the kind).
     */
    private static final class Primitive {
        final dnnl_primitive conv;
        final dnnl_exec_arg_t convArgs;
        final dnnl_memory[] plain = new dnnl_memory[3];
        final dnnl_memory[] blocked = new dnnl_memory[3];
        final long[] blockedFloats = new long[3];
        final dnnl_primitive[] reorder = new dnnl_primitive[3];
        final dnnl_exec_arg_t[] reorderArgs = new dnnl_exec_arg_t[3];

        Primitive(dnnl_primitive conv, dnnl_exec_arg_t convArgs) {
            this.conv = conv;
            this.convArgs = convArgs;
        }
    }

    @Override
    protected void doForward(Tensor x, Tensor w, int padding, Tensor y) {
        run(Kind.FORWARD, x, w, y, padding);
    }

    @Override
    protected void doBackwardData(Tensor dy, Tensor w, int padding, Tensor dx) {
        run(Kind.BACKWARD_DATA, dx, w, dy, padding);
    }

    @Override
    protected void doBackwardFilter(Tensor x, Tensor dy, int padding, Tensor dw) {
        run(Kind.BACKWARD_WEIGHTS, x, dw, dy, padding);
    }

    /** x (B, Cin, H, W), w (Cout, Cin, k, k), y (B, Cout, Ho, Wo); the output is y, x or w by kind. */
    private void run(Kind kind, Tensor x, Tensor w, Tensor y, int pad) {
        Key key = new Key(kind, x.dim(0), x.dim(1), x.dim(2), x.dim(3), w.dim(0), w.dim(2), pad);
        Primitive p = cache.computeIfAbsent(key, this::create);
        Tensor[] t = {x, w, y};
        int out = kind == Kind.FORWARD ? 2 : kind == Kind.BACKWARD_DATA ? 0 : 1;
        for (int i = 0; i < 3; i++) {
            long t0 = System.nanoTime();
            FloatPointer plain = i == out ? buffers.get(i, t[i].size())
                    : buffers.stage(i, OneDnnBackend.f(t[i]), 0, (int) t[i].size());
            Dnnl.bind(p.plain[i], plain);
            long t1 = System.nanoTime();
            time.stageNs += t1 - t0;
            if (p.blocked[i] != null) {
                Dnnl.bind(p.blocked[i], buffers.get(XB + i, p.blockedFloats[i]));
                if (i != out) {
                    dnnl.execute(p.reorder[i], p.reorderArgs[i], 2, "reorder to blocked");
                }
            }
            time.reorderNs += System.nanoTime() - t1;
        }
        long t2 = System.nanoTime();
        dnnl.execute(p.conv, p.convArgs, 3, "convolution " + key.kind());
        long t3 = System.nanoTime();
        time.convNs += t3 - t2;
        if (p.blocked[out] != null) {
            dnnl.execute(p.reorder[out], p.reorderArgs[out], 2, "reorder from blocked");
        }
        long t4 = System.nanoTime();
        time.reorderNs += t4 - t3;
        buffers.get(out, t[out].size()).get(OneDnnBackend.f(t[out]), 0, (int) t[out].size());
        time.stageNs += System.nanoTime() - t4;
    }

    private Primitive create(Key k) {
        int ho = outputSize(k.h(), k.k(), k.pad()), wo = outputSize(k.w(), k.k(), k.pad());
        long[][] dims = {{k.b(), k.cin(), k.h(), k.w()}, {k.cout(), k.cin(), k.k(), k.k()}, {k.b(), k.cout(), ho, wo}};
        int[] plainTags = {dnnl_nchw, dnnl_oihw, dnnl_nchw};
        dnnl_memory_desc[] any = new dnnl_memory_desc[3];
        for (int i = 0; i < 3; i++) {
            any[i] = Dnnl.desc(dims[i], dnnl_format_tag_any);
        }
        long[] strides = {1, 1}, dilation = {0, 0}, padding = {k.pad(), k.pad()};
        dnnl_primitive_desc fwd = new dnnl_primitive_desc();
        Dnnl.check(dnnl_convolution_forward_primitive_desc_create(fwd, dnnl.engine(), dnnl_forward_training,
                dnnl_convolution_direct, any[0], any[1], null, any[2], strides, dilation, padding, padding, null),
                "dnnl_convolution_forward_primitive_desc_create " + k);
        dnnl_primitive_desc pd = fwd;
        int[] queries = {dnnl_query_src_md, dnnl_query_weights_md, dnnl_query_dst_md};
        int[] argIds = {DNNL_ARG_SRC, DNNL_ARG_WEIGHTS, DNNL_ARG_DST};
        if (k.kind() == Kind.BACKWARD_DATA) {
            pd = new dnnl_primitive_desc();
            Dnnl.check(dnnl_convolution_backward_data_primitive_desc_create(pd, dnnl.engine(), dnnl_convolution_direct,
                    any[0], any[1], any[2], strides, dilation, padding, padding, fwd, null),
                    "dnnl_convolution_backward_data_primitive_desc_create " + k);
            queries = new int[] {dnnl_query_diff_src_md, dnnl_query_weights_md, dnnl_query_diff_dst_md};
            argIds = new int[] {DNNL_ARG_DIFF_SRC, DNNL_ARG_WEIGHTS, DNNL_ARG_DIFF_DST};
        } else if (k.kind() == Kind.BACKWARD_WEIGHTS) {
            pd = new dnnl_primitive_desc();
            Dnnl.check(dnnl_convolution_backward_weights_primitive_desc_create(pd, dnnl.engine(), dnnl_convolution_direct,
                    any[0], any[1], null, any[2], strides, dilation, padding, padding, fwd, null),
                    "dnnl_convolution_backward_weights_primitive_desc_create " + k);
            queries = new int[] {dnnl_query_src_md, dnnl_query_diff_weights_md, dnnl_query_diff_dst_md};
            argIds = new int[] {DNNL_ARG_SRC, DNNL_ARG_DIFF_WEIGHTS, DNNL_ARG_DIFF_DST};
        }
        int out = k.kind() == Kind.FORWARD ? 2 : k.kind() == Kind.BACKWARD_DATA ? 0 : 1;
        dnnl_memory[] used = new dnnl_memory[3];
        dnnl_memory[] plain = new dnnl_memory[3];
        dnnl_memory[] blocked = new dnnl_memory[3];
        long[] blockedFloats = new long[3];
        dnnl_primitive[] reorder = new dnnl_primitive[3];
        dnnl_exec_arg_t[] reorderArgs = new dnnl_exec_arg_t[3];
        for (int i = 0; i < 3; i++) {
            dnnl_memory_desc chosen = dnnl_primitive_desc_query_md(pd, queries[i], 0);   // owned by pd
            dnnl_memory_desc plainMd = Dnnl.desc(dims[i], plainTags[i]);
            plain[i] = dnnl.memory(plainMd);
            used[i] = plain[i];
            if (dnnl_memory_desc_equal(chosen, plainMd) == 0) {
                blocked[i] = dnnl.memory(chosen);
                blockedFloats[i] = dnnl_memory_desc_get_size(chosen) / 4;
                used[i] = blocked[i];
                reorder[i] = i == out ? dnnl.reorder(chosen, plainMd) : dnnl.reorder(plainMd, chosen);
                reorderArgs[i] = i == out ? Dnnl.args(DNNL_ARG_FROM, blocked[i], DNNL_ARG_TO, plain[i])
                        : Dnnl.args(DNNL_ARG_FROM, plain[i], DNNL_ARG_TO, blocked[i]);
            }
            Dnnl.check(dnnl_memory_desc_destroy(plainMd), "dnnl_memory_desc_destroy");
        }
        Primitive p = new Primitive(dnnl.primitive(pd, "convolution " + k.kind()),
                Dnnl.args(argIds[0], used[0], argIds[1], used[1], argIds[2], used[2]));
        for (int i = 0; i < 3; i++) {
            p.plain[i] = plain[i];
            p.blocked[i] = blocked[i];
            p.blockedFloats[i] = blockedFloats[i];
            p.reorder[i] = reorder[i];
            p.reorderArgs[i] = reorderArgs[i];
            Dnnl.check(dnnl_memory_desc_destroy(any[i]), "dnnl_memory_desc_destroy");
        }
        if (pd != fwd) {
            Dnnl.check(dnnl_primitive_desc_destroy(pd), "dnnl_primitive_desc_destroy");
        }
        Dnnl.check(dnnl_primitive_desc_destroy(fwd), "dnnl_primitive_desc_destroy");
        return p;
    }

    /**
     * The implementation oneDNN picks for a forward convolution of this shape, as its verbose mode names it
     * (e.g. "brg_conv_fwd:avx2", "jit:avx2"): which ISA the JIT really targets on this CPU.
     */
    String implementation(int b, int cin, int h, int cout, int k) {
        long[][] dims = {{b, cin, h, h}, {cout, cin, k, k}, {b, cout, h, h}};
        dnnl_memory_desc[] any = new dnnl_memory_desc[3];
        for (int i = 0; i < 3; i++) {
            any[i] = Dnnl.desc(dims[i], dnnl_format_tag_any);
        }
        long[] pad = {k / 2, k / 2};
        dnnl_primitive_desc pd = new dnnl_primitive_desc();
        try {
            Dnnl.check(dnnl_convolution_forward_primitive_desc_create(pd, dnnl.engine(), dnnl_forward_training,
                    dnnl_convolution_direct, any[0], any[1], null, any[2], new long[] {1, 1}, new long[] {0, 0}, pad, pad, null),
                    "dnnl_convolution_forward_primitive_desc_create");
            PointerPointer<BytePointer> name = new PointerPointer<>(1);
            Dnnl.check(dnnl_primitive_desc_query(pd, dnnl_query_impl_info_str, 0, name), "dnnl_primitive_desc_query(impl_info_str)");
            return name.get(BytePointer.class, 0).getString();
        } finally {
            Dnnl.check(dnnl_primitive_desc_destroy(pd), "dnnl_primitive_desc_destroy");
            for (dnnl_memory_desc md : any) {
                Dnnl.check(dnnl_memory_desc_destroy(md), "dnnl_memory_desc_destroy");
            }
        }
    }

    void close() {
        for (Primitive p : cache.values()) {
            dnnl.destroy(p.conv);
            for (int i = 0; i < 3; i++) {
                if (p.reorder[i] != null) {
                    dnnl.destroy(p.reorder[i]);
                    dnnl.destroy(p.blocked[i]);
                }
                dnnl.destroy(p.plain[i]);
            }
        }
        cache.clear();
        buffers.close();
    }
}
