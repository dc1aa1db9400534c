package sagan4j.onednn;

import static org.bytedeco.dnnl.global.dnnl.*;

import java.util.HashMap;
import java.util.Map;

import org.bytedeco.dnnl.dnnl_exec_arg_t;
import org.bytedeco.dnnl.dnnl_memory;
import org.bytedeco.dnnl.dnnl_memory_desc;
import org.bytedeco.dnnl.dnnl_post_ops;
import org.bytedeco.dnnl.dnnl_primitive;
import org.bytedeco.dnnl.dnnl_primitive_attr;
import org.bytedeco.dnnl.dnnl_primitive_desc;
import org.bytedeco.javacpp.FloatPointer;

/**
 * Row-wise softmax of a (R, M) row-major float matrix in native memory, as oneDNN primitives (JIT, vectorised
 * exp), for attention's score matrix: R = B·N query rows, M keys. Four primitives per (R, M), cached:
 * <ul>
 *   <li>softmax forward (accurate: max subtracted), S → P;</li>
 *   <li>max reduction over each row, used twice for the log-sum-exp: lse = max S − log max P, since the
 *       largest P of a row is exp(max S − lse) (max P ≥ 1/M, so the log is well conditioned);</li>
 *   <li>P = exp(S − lse) for the backward (binary sub with lse broadcast over the row, exp as a post-op):
 *       the forward's probabilities from the saved lse, without a second max and sum;</li>
 *   <li>softmax backward: dS = P ⊙ (dP − Σ_j dP·P), the row sum taken by oneDNN.</li>
 * </ul>
 * Bytes per call, R·M·4 each way: forward 8 (read S, write P), each max 4, exp 8, backward 12.
 */
final class OneDnnRowSoftmax {
    private final Dnnl dnnl;
    private final TimeSplit time;
    private final Map<Long, Shape> cache = new HashMap<>();
    /** Each row's max P, read back for the lse; grown on demand, reused across calls. */
    private float[] maxP = new float[0];

    OneDnnRowSoftmax(Dnnl dnnl, TimeSplit time) {
        this.dnnl = dnnl;
        this.time = time;
    }

    /** The memory objects (bound per call) and primitives of one (R, M). */
    private final class Shape {
        final dnnl_memory s, p, d, dp, row;   // (R, M) ×4, (R, 1)
        final dnnl_primitive softmax, max, expShift, softmaxBackward;
        final dnnl_exec_arg_t softmaxArgs, maxOfS, maxOfP, expShiftArgs, backwardArgs;

        Shape(int rows, int cols) {
            dnnl_memory_desc matrix = Dnnl.desc(new long[] {rows, cols}, dnnl_ab);
            dnnl_memory_desc column = Dnnl.desc(new long[] {rows, 1}, dnnl_ab);
            s = dnnl.memory(matrix);
            p = dnnl.memory(matrix);
            d = dnnl.memory(matrix);
            dp = dnnl.memory(matrix);
            row = dnnl.memory(column);

            dnnl_primitive_desc fwd = new dnnl_primitive_desc();
            Dnnl.check(dnnl_softmax_forward_primitive_desc_create(fwd, dnnl.engine(), dnnl_forward_training, dnnl_softmax_accurate,
                    matrix, matrix, 1, null), "dnnl_softmax_forward_primitive_desc_create(" + rows + "x" + cols + ")");
            softmax = dnnl.primitive(fwd, "softmax forward");
            softmaxArgs = Dnnl.args(DNNL_ARG_SRC, s, DNNL_ARG_DST, p);

            dnnl_primitive_desc bwd = new dnnl_primitive_desc();
            Dnnl.check(dnnl_softmax_backward_primitive_desc_create(bwd, dnnl.engine(), dnnl_softmax_accurate, matrix, matrix, matrix,
                    1, fwd, null), "dnnl_softmax_backward_primitive_desc_create(" + rows + "x" + cols + ")");
            softmaxBackward = dnnl.primitive(bwd, "softmax backward");
            backwardArgs = Dnnl.args(DNNL_ARG_DST, p, DNNL_ARG_DIFF_DST, dp, DNNL_ARG_DIFF_SRC, d);

            // oneDNN rejects a reduction whose source and destination shapes are equal: with one key the
            // row's max is its only score (forward copies it), and max P is 1
            dnnl_primitive_desc red = null;
            if (cols > 1) {
                red = new dnnl_primitive_desc();
                Dnnl.check(dnnl_reduction_primitive_desc_create(red, dnnl.engine(), dnnl_reduction_max, matrix, column, 0f, 0f, null),
                        "dnnl_reduction_primitive_desc_create(max, " + rows + "x" + cols + ")");
            }
            max = red == null ? null : dnnl.primitive(red, "row max");
            maxOfS = Dnnl.args(DNNL_ARG_SRC, s, DNNL_ARG_DST, row);
            maxOfP = Dnnl.args(DNNL_ARG_SRC, p, DNNL_ARG_DST, row);

            dnnl_post_ops post = new dnnl_post_ops();
            dnnl_primitive_attr attr = new dnnl_primitive_attr();
            Dnnl.check(dnnl_post_ops_create(post), "dnnl_post_ops_create");
            Dnnl.check(dnnl_post_ops_append_eltwise(post, dnnl_eltwise_exp, 0f, 0f), "dnnl_post_ops_append_eltwise(exp)");
            Dnnl.check(dnnl_primitive_attr_create(attr), "dnnl_primitive_attr_create");
            Dnnl.check(dnnl_primitive_attr_set_post_ops(attr, post), "dnnl_primitive_attr_set_post_ops");
            dnnl_primitive_desc bin = new dnnl_primitive_desc();
            Dnnl.check(dnnl_binary_primitive_desc_create(bin, dnnl.engine(), dnnl_binary_sub, matrix, column, matrix, attr),
                    "dnnl_binary_primitive_desc_create(sub + exp, " + rows + "x" + cols + ")");
            expShift = dnnl.primitive(bin, "exp(S - lse)");
            expShiftArgs = Dnnl.args(DNNL_ARG_SRC_0, s, DNNL_ARG_SRC_1, row, DNNL_ARG_DST, p);

            for (dnnl_primitive_desc pd : new dnnl_primitive_desc[] {fwd, bwd, red, bin}) {
                if (pd != null) {
                    Dnnl.check(dnnl_primitive_desc_destroy(pd), "dnnl_primitive_desc_destroy");
                }
            }
            Dnnl.check(dnnl_primitive_attr_destroy(attr), "dnnl_primitive_attr_destroy");
            Dnnl.check(dnnl_post_ops_destroy(post), "dnnl_post_ops_destroy");
            Dnnl.check(dnnl_memory_desc_destroy(matrix), "dnnl_memory_desc_destroy");
            Dnnl.check(dnnl_memory_desc_destroy(column), "dnnl_memory_desc_destroy");
        }

        void destroy() {
            for (dnnl_primitive x : new dnnl_primitive[] {softmax, max, expShift, softmaxBackward}) {
                if (x != null) {
                    dnnl.destroy(x);
                }
            }
            for (dnnl_memory m : new dnnl_memory[] {s, p, d, dp, row}) {
                dnnl.destroy(m);
            }
        }
    }

    private Shape shape(int rows, int cols) {
        return cache.computeIfAbsent(((long) rows << 32) | cols, k -> new Shape(rows, cols));
    }

    /**
     * p ← softmax of each row of s (both (rows, cols)); lse[r] ← log Σ_j exp s[r, j]. {@code rowScratch}
     * holds {@code rows} floats (native), {@code lse} receives them on the heap.
     */
    void forward(int rows, int cols, FloatPointer s, FloatPointer p, FloatPointer rowScratch, float[] lse) {
        long t0 = System.nanoTime();
        Shape k = shape(rows, cols);
        Dnnl.bind(k.s, s);
        Dnnl.bind(k.p, p);
        Dnnl.bind(k.row, rowScratch);
        dnnl.execute(k.softmax, k.softmaxArgs, 2, "softmax forward");
        if (k.max == null) {
            s.get(lse, 0, rows);
            time.softmaxNs += System.nanoTime() - t0;
            return;
        }
        dnnl.execute(k.max, k.maxOfS, 2, "row max of S");
        rowScratch.get(lse, 0, rows);
        dnnl.execute(k.max, k.maxOfP, 2, "row max of P");
        if (maxP.length < rows) {
            maxP = new float[rows];
        }
        rowScratch.get(maxP, 0, rows);
        for (int r = 0; r < rows; r++) {
            lse[r] = (float) (lse[r] - Math.log(maxP[r]));
        }
        time.softmaxNs += System.nanoTime() - t0;
    }

    /**
     * From the scores s, the forward's lse and dP = ∂L/∂P (all native): p ← exp(s − lse) and ds ← ∂L/∂S =
     * p ⊙ (dP − Σ_j dP·p).
     */
    void backward(int rows, int cols, FloatPointer s, FloatPointer lse, FloatPointer dp, FloatPointer p, FloatPointer ds) {
        long t0 = System.nanoTime();
        Shape k = shape(rows, cols);
        Dnnl.bind(k.s, s);
        Dnnl.bind(k.row, lse);
        Dnnl.bind(k.p, p);
        Dnnl.bind(k.dp, dp);
        Dnnl.bind(k.d, ds);
        dnnl.execute(k.expShift, k.expShiftArgs, 3, "exp(S - lse)");
        dnnl.execute(k.softmaxBackward, k.backwardArgs, 3, "softmax backward");
        time.softmaxNs += System.nanoTime() - t0;
    }

    void close() {
        cache.values().forEach(Shape::destroy);
        cache.clear();
    }
}
