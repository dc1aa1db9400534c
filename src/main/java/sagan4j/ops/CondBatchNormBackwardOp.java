package sagan4j.ops;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import sagan4j.backend.Backend;
import sagan4j.backend.CondBatchNormOps;
import sagan4j.backend.DType;
import sagan4j.backend.Tensor;
import sagan4j.io.NpyArray;

/**
 * {@code cond-batchnorm-backward}: gradients of the training forward (batch statistics) with respect to x
 * and the class tables; grad_gamma, grad_beta (K, C) sum the per-sample gradients of each class (0 for a
 * class with no sample). beta does not enter the gradients but is part of the forward it differentiates.
 */
final class CondBatchNormBackwardOp implements Op {
    @Override
    public String name() {
        return "cond-batchnorm-backward";
    }

    @Override
    public String summary() {
        return "grad_x, grad_gamma, grad_beta of cond-batchnorm (training) given grad_y";
    }

    @Override
    public List<Port> inputs(Params p) {
        return List.of(Port.of("x", "B,C,H,W", "forward input"), Port.labels("labels", "B", "class of each sample, in [0, K)"),
                Port.of("gamma", "K,C", "scale per class"), Port.of("beta", "K,C", "shift per class"),
                Port.of("grad_y", "B,C,H,W", "gradient of the loss with respect to y"));
    }

    @Override
    public List<Port> outputs(Params p) {
        return List.of(Port.of("grad_x", "B,C,H,W", "gradient with respect to x"),
                Port.of("grad_gamma", "K,C", "gradient with respect to gamma, summed per class"),
                Port.of("grad_beta", "K,C", "gradient with respect to beta, summed per class"));
    }

    @Override
    public List<ParamSpec> params() {
        return List.of(ParamSpec.f("eps", "1e-5", "added to the variance"));
    }

    @Override
    public void check(Map<String, Integer> dims, Map<String, NpyArray> in, Params p) {
        CondBatchNormChecks.eps(name(), p);
        CondBatchNormChecks.labels(name(), in.get("labels"), dims.get("K"));
        CondBatchNormChecks.trainable(name(), in.get("x"));
    }

    @Override
    public Map<String, Tensor> run(Backend be, Map<String, Tensor> in, Params p) {
        Tensor x = in.get("x"), labels = in.get("labels"), gamma = in.get("gamma"), beta = in.get("beta");
        float eps = p.getFloat("eps", CondBatchNormOps.DEFAULT_EPS);
        int c = x.dim(1);
        CondBatchNormOps cbn = be.condBatchNorm();
        Map<String, Tensor> out = new LinkedHashMap<>();
        try (Tensor y = be.empty(DType.FLOAT32, x.shape().dims()); Tensor mean = be.empty(DType.FLOAT32, c);
             Tensor var = be.empty(DType.FLOAT32, c)) {
            cbn.forwardTraining(x, labels, gamma, beta, eps, 0f, null, null, y, mean, var);
            Tensor dx = be.empty(DType.FLOAT32, x.shape().dims());
            Tensor dg = be.empty(DType.FLOAT32, gamma.shape().dims()), db = be.empty(DType.FLOAT32, gamma.shape().dims());
            out.put("grad_x", dx);
            out.put("grad_gamma", dg);
            out.put("grad_beta", db);
            cbn.backward(x, labels, gamma, mean, var, eps, in.get("grad_y"), dx, dg, db);
        }
        return out;
    }
}
