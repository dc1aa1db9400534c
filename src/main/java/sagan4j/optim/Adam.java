package sagan4j.optim;

import java.util.ArrayList;
import java.util.List;

import sagan4j.backend.OptimOps;
import sagan4j.backend.Tensor;
import sagan4j.nn.Parameter;

/**
 * Adam (Kingma and Ba 2015) with bias correction, as {@code torch.optim.Adam} without weight decay: moments m
 * and v beside every parameter, each param group updated by one multi-tensor call of the backend
 * ({@link OptimOps#adam(OptimOps.AdamGroup, OptimOps.AdamArgs)}: on CUDA one launch per group, the step count
 * kept on the device) at the group's learning rate and this optimizer's β1, β2 and eps.
 */
public final class Adam extends Optimizer {
    private final AdamOptions options;
    private final List<OptimOps.AdamGroup> kernelGroups = new ArrayList<>();

    /** One group of {@code params} at {@code options.lr()}. */
    public Adam(List<Parameter> params, AdamOptions options) {
        this(options, new ParamGroup(params, options.lr()));
    }

    /** Several groups, each at its own learning rate ({@code options.lr()} is then unused). */
    public Adam(AdamOptions options, ParamGroup... groups) {
        super(List.of(groups), List.of("m", "v"));
        this.options = options;
        try {
            for (ParamGroup g : groups) {
                List<Tensor> m = new ArrayList<>(), v = new ArrayList<>();
                for (int i = 0; i < g.params().size(); i++) {
                    m.add(slot(g, i, 0));
                    v.add(slot(g, i, 1));
                }
                kernelGroups.add(be.optim().adamGroup(g.params().stream().map(Parameter::value).toList(),
                        g.params().stream().map(Parameter::grad).toList(), m, v));
            }
        } catch (RuntimeException e) {
            close();
            throw e;
        }
    }

    public AdamOptions options() {
        return options;
    }

    @Override
    protected void update(long t) {
        for (int i = 0; i < kernelGroups.size(); i++) {
            OptimOps.AdamGroup k = kernelGroups.get(i);
            be.optim().adam(k, options.args(paramGroups().get(i).lr()));
            // the kernel group counts its own updates (on CUDA on the device); it follows this optimizer's count
            assert k.step() == t : "adam group at step " + k.step() + ", optimizer at " + t;
        }
    }

    @Override
    protected void stepsRestored(long t) {
        kernelGroups.forEach(k -> k.setStep(t));
    }

    @Override
    protected void release() {
        kernelGroups.forEach(OptimOps.AdamGroup::close);
    }
}
