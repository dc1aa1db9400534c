package sagan4j.ops;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import sagan4j.backend.Backend;
import sagan4j.backend.CondBatchNormOps;
import sagan4j.backend.DType;
import sagan4j.backend.Tensor;
import sagan4j.io.NpyArray;

/**
 * {@code cond-batchnorm}: per-class conditional batch norm, forward. Training (the default) normalises with
 * the biased batch statistics and returns them as {@code mean}, {@code var}; given {@code running_mean} and
 * {@code running_var} it also returns them updated (momentum, unbiased variance, as PyTorch). Eval
 * ({@code training=false}) needs {@code running_mean}, {@code running_var} and returns them as {@code mean},
 * {@code var} (the statistics it normalised with).
 */
final class CondBatchNormOp implements Op {
    @Override
    public String name() {
        return "cond-batchnorm";
    }

    @Override
    public String summary() {
        return "y = gamma[labels[b]]*(x - mean)/sqrt(var + eps) + beta[labels[b]], batch statistics over (B, H, W)";
    }

    @Override
    public List<Port> inputs(Params p) {
        return List.of(Port.of("x", "B,C,H,W", "input"), Port.labels("labels", "B", "class of each sample, in [0, K)"),
                Port.of("gamma", "K,C", "scale per class"), Port.of("beta", "K,C", "shift per class"),
                Port.optional("running_mean", "C", "running mean (needed when training=false; updated when training)"),
                Port.optional("running_var", "C", "running variance (likewise)"));
    }

    @Override
    public List<Port> outputs(Params p) {
        List<Port> out = new ArrayList<>(List.of(Port.of("y", "B,C,H,W", "output"),
                Port.of("mean", "C", "batch mean (training) or the running mean used (eval)"),
                Port.of("var", "C", "biased batch variance (training) or the running variance used (eval)")));
        if (p.getBool("training", true)) {
            out.add(Port.optional("running_mean", "C", "updated running mean, when running_mean was given"));
            out.add(Port.optional("running_var", "C", "updated running variance, when running_var was given"));
        }
        return out;
    }

    @Override
    public List<ParamSpec> params() {
        return List.of(ParamSpec.f("eps", "1e-5", "added to the variance"),
                ParamSpec.f("momentum", "0.1", "running = (1-momentum)*running + momentum*batch"),
                ParamSpec.b("training", "true", "batch statistics (true) or running statistics (false)"));
    }

    @Override
    public void check(Map<String, Integer> dims, Map<String, NpyArray> in, Params p) {
        CondBatchNormChecks.eps(name(), p);
        float m = p.getFloat("momentum", CondBatchNormOps.DEFAULT_MOMENTUM);
        if (!(m >= 0f && m <= 1f)) {
            throw new OpInputException("param momentum: expected a number in [0, 1], got " + m);
        }
        CondBatchNormChecks.labels(name(), in.get("labels"), dims.get("K"));
        boolean training = p.getBool("training", true);
        boolean hasMean = in.containsKey("running_mean"), hasVar = in.containsKey("running_var");
        if (!training || hasMean || hasVar) {
            for (String key : new String[] {"running_mean", "running_var"}) {
                if (!in.containsKey(key)) {
                    throw new OpInputException(name() + ": missing input '" + key + "' (expected shape (C="
                            + dims.get("C") + "); " + (training ? "running_mean and running_var go together)"
                            : "needed when training=false)"));
                }
            }
            float[] rv = in.get("running_var").floats();
            for (int i = 0; i < rv.length; i++) {
                if (rv[i] < 0f) {
                    throw new OpInputException(name() + ": input 'running_var' element " + i + " is " + rv[i]
                            + " (expected a variance >= 0)");
                }
            }
        }
        if (training) {
            CondBatchNormChecks.trainable(name(), in.get("x"));
        }
    }

    @Override
    public Map<String, Tensor> run(Backend be, Map<String, Tensor> in, Params p) {
        Tensor x = in.get("x"), labels = in.get("labels"), gamma = in.get("gamma"), beta = in.get("beta");
        Tensor rm = in.get("running_mean"), rv = in.get("running_var");
        float eps = p.getFloat("eps", CondBatchNormOps.DEFAULT_EPS);
        int c = x.dim(1);
        Map<String, Tensor> out = new LinkedHashMap<>();
        Tensor y = be.empty(DType.FLOAT32, x.shape().dims());
        out.put("y", y);
        if (p.getBool("training", true)) {
            Tensor mean = be.empty(DType.FLOAT32, c), var = be.empty(DType.FLOAT32, c);
            out.put("mean", mean);
            out.put("var", var);
            Tensor rmOut = null, rvOut = null;
            if (rm != null) {
                rmOut = be.empty(DType.FLOAT32, c);
                rvOut = be.empty(DType.FLOAT32, c);
                be.copy(rm, rmOut);
                be.copy(rv, rvOut);
                out.put("running_mean", rmOut);
                out.put("running_var", rvOut);
            }
            be.condBatchNorm().forwardTraining(x, labels, gamma, beta, eps,
                    p.getFloat("momentum", CondBatchNormOps.DEFAULT_MOMENTUM), rmOut, rvOut, y, mean, var);
        } else {
            Tensor mean = be.empty(DType.FLOAT32, c), var = be.empty(DType.FLOAT32, c);
            be.copy(rm, mean);
            be.copy(rv, var);
            out.put("mean", mean);
            out.put("var", var);
            be.condBatchNorm().forwardEval(x, labels, gamma, beta, rm, rv, eps, y);
        }
        return out;
    }
}
