package sagan4j.train;

import sagan4j.backend.Backend;
import sagan4j.backend.DType;
import sagan4j.backend.Tensor;

/**
 * The fixed device tensors a step's micro-batches read their inputs from, per micro-batch k: real images
 * x[k] (1, micro·C·H·W; D step only), latents z[k] (micro, zDim), the fakes' labels yFake[k] (micro) and D's
 * labels y[k] (D step: 2·micro, real then fake; G step: micro). Inputs are uploaded into them before the step's
 * GPU region runs, so a captured region (a CUDA graph, whose pointers are fixed) reads each step's new inputs.
 * Reallocated only when the micro-batch count or size changes.
 */
final class StepInputs implements AutoCloseable {
    final int count;
    final int micro;
    final Tensor[] x;
    final Tensor[] z;
    final Tensor[] yFake;
    final Tensor[] y;

    private StepInputs(Backend be, boolean dStep, int count, int micro, int perImage, int zDim) {
        this.count = count;
        this.micro = micro;
        this.x = new Tensor[dStep ? count : 0];
        this.z = new Tensor[count];
        this.yFake = new Tensor[count];
        this.y = new Tensor[count];
        for (int k = 0; k < count; k++) {
            if (dStep) {
                x[k] = be.empty(DType.FLOAT32, 1, micro * perImage);
            }
            z[k] = be.empty(DType.FLOAT32, micro, zDim);
            yFake[k] = be.empty(DType.INT32, micro);
            y[k] = dStep ? be.empty(DType.INT32, 2 * micro) : yFake[k];
        }
    }

    /** {@code old} when it has this shape, else new tensors (old ones closed). */
    static StepInputs reuse(StepInputs old, Backend be, boolean dStep, int count, int micro, int perImage, int zDim) {
        if (old != null && old.count == count && old.micro == micro) {
            return old;
        }
        if (old != null) {
            old.close();
        }
        return new StepInputs(be, dStep, count, micro, perImage, zDim);
    }

    @Override
    public void close() {
        for (int k = 0; k < count; k++) {
            if (x.length > 0) {
                x[k].close();
            }
            z[k].close();
            yFake[k].close();
            if (y[k] != yFake[k]) {
                y[k].close();
            }
        }
    }
}
