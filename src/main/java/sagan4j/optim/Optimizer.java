package sagan4j.optim;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import sagan4j.backend.Backend;
import sagan4j.backend.OptimOps;
import sagan4j.backend.ConfigException;
import sagan4j.io.CheckpointException;
import sagan4j.backend.Tensor;
import sagan4j.io.NpyArray;
import sagan4j.nn.Parameter;

/**
 * An optimizer over param groups, as {@code torch.optim.Optimizer}: {@link #step()} applies one update to every
 * parameter from its accumulated gradient, {@link #zeroGrad()} clears those gradients, and
 * {@link #stateDict()} / {@link #loadStateDict} save and restore what it keeps between steps (a resumed run
 * continues exactly where the saved one stopped). A {@link LrSchedule}, when set, sets each group's learning
 * rate before every step. Its state is a few tensors of each parameter's shape (its slots: Adam's m and v),
 * zeros at the start. Close it when done: it owns the state tensors, not the parameters.
 */
public abstract class Optimizer implements AutoCloseable {
    protected final Backend be;
    private final List<ParamGroup> groups;
    private final List<Parameter> params;
    private final List<String> slots;
    /** state.get(i)[s]: slot s of parameter i (params order), the parameter's shape. */
    private final List<Tensor[]> state = new ArrayList<>();
    private LrSchedule schedule;
    private long steps;
    private OptimOps.ZeroGroup gradients;
    private boolean closed;

    /** @param slots the names of the state tensors each parameter gets (zeros), e.g. {@code m}, {@code v} */
    protected Optimizer(List<ParamGroup> groups, List<String> slots) {
        if (groups.isEmpty()) {
            throw new ConfigException("optimizer: needs at least one param group, got none");
        }
        Backend first = groups.get(0).params().get(0).value().backend();
        List<Parameter> all = new ArrayList<>();
        Set<String> names = new HashSet<>(); // parameter names are unique in a model; the state is saved by them
        for (ParamGroup g : groups) {
            for (Parameter p : g.params()) {
                if (!names.add(p.name())) {
                    throw new ConfigException("optimizer: " + p.name() + " is listed twice (in one param group or two)");
                }
                if (p.value().backend() != first) {
                    throw new ConfigException("optimizer: " + p.name() + " is on backend " + p.value().backend().name()
                            + ", expected " + first.name());
                }
                all.add(p);
            }
        }
        this.be = first;
        this.groups = List.copyOf(groups);
        this.params = List.copyOf(all);
        this.slots = List.copyOf(slots);
        try {
            for (Parameter p : params) {
                Tensor[] ts = new Tensor[slots.size()];
                state.add(ts);
                for (int k = 0; k < ts.length; k++) {
                    ts[k] = be.zeros(p.value().shape().dims());
                }
            }
        } catch (RuntimeException e) {
            closeState();
            throw e;
        }
    }

    /** Slot {@code slot} of the group's parameter {@code index}. */
    protected final Tensor slot(ParamGroup group, int index, int slot) {
        return state.get(params.indexOf(group.params().get(index)))[slot];
    }

    public List<ParamGroup> paramGroups() {
        return groups;
    }

    /** Every parameter, group by group. */
    public List<Parameter> params() {
        return params;
    }

    /** The updates done (t of the last one; 0 before the first). */
    public long steps() {
        return steps;
    }

    /** From the next step on, each group's lr ← its initial lr · schedule.factor(t); null: leave the lrs as set. */
    public void schedule(LrSchedule schedule) {
        this.schedule = schedule;
    }

    /** One update t = steps() + 1 of every parameter, at the groups' learning rates (after the schedule's). */
    public final void step() {
        requireOpen("step");
        long t = steps + 1;
        if (schedule != null) {
            double f = schedule.factor(t);
            if (!(f >= 0) || !Double.isFinite(f)) {
                throw new ConfigException("lr schedule: factor at step " + t + " must be finite and >= 0, got " + f);
            }
            for (ParamGroup g : groups) {
                g.lr((float) (g.initialLr() * f));
            }
        }
        update(t);
        steps = t;
    }

    /** Every parameter's gradient ← 0 (one launch on CUDA). */
    public void zeroGrad() {
        requireOpen("zeroGrad");
        if (gradients == null) {
            gradients = be.optim().zeroGroup(params.stream().map(Parameter::grad).toList());
        }
        be.optim().zero(gradients);
    }

    /** What a checkpoint saves: the step count, the groups' learning rates and the state tensors, on the host. */
    public final StateDict stateDict() {
        requireOpen("stateDict");
        return new StateDict(steps, groups.stream().map(ParamGroup::lr).toList(), stateTensors());
    }

    /**
     * Restores a {@link #stateDict()} (of an optimizer over the same parameters): everything is checked first —
     * one line naming what does not match — and only then loaded.
     */
    public final void loadStateDict(StateDict state) {
        requireOpen("loadStateDict");
        if (state.steps() < 0) {
            throw new CheckpointException("optimizer state: step count must be >= 0, got " + state.steps());
        }
        if (state.lrs().size() != groups.size()) {
            throw new CheckpointException("optimizer state: has " + state.lrs().size() + " learning rate(s), expected one per param group ("
                    + groups.size() + ")");
        }
        state.lrs().forEach(ParamGroup::checkedLr);
        Map<String, int[]> want = slotShapes();
        Map<String, NpyArray> got = state.tensors();
        if (!want.keySet().equals(got.keySet())) {
            TreeSet<String> missing = new TreeSet<>(want.keySet()), extra = new TreeSet<>(got.keySet());
            missing.removeAll(got.keySet());
            extra.removeAll(want.keySet());
            throw new CheckpointException("optimizer state: does not match the optimizer's parameters (missing "
                    + (missing.isEmpty() ? "nothing" : missing.first()) + ", unexpected " + (extra.isEmpty() ? "nothing" : extra.first()) + ")");
        }
        for (Map.Entry<String, int[]> e : want.entrySet()) {
            NpyArray a = got.get(e.getKey());
            if (!a.isFloat() || !Arrays.equals(a.shape(), e.getValue())) {
                throw new CheckpointException("optimizer state: " + e.getKey() + " is " + (a.isFloat() ? "F32" : "I32") + " " + a.shapeString()
                        + ", expected F32 " + Arrays.toString(e.getValue()));
            }
        }
        for (int i = 0; i < params.size(); i++) {
            for (int k = 0; k < slots.size(); k++) {
                be.upload(got.get(slotName(i, k)).floats(), this.state.get(i)[k]);
            }
        }
        for (int i = 0; i < groups.size(); i++) {
            groups.get(i).lr(state.lrs().get(i));
        }
        stepsRestored(state.steps());
        steps = state.steps();
    }

    private String slotName(int param, int slot) {
        return params.get(param).name() + "." + slots.get(slot);
    }

    /** The state tensors' names and shapes, in params then slot order. */
    private Map<String, int[]> slotShapes() {
        Map<String, int[]> out = new LinkedHashMap<>();
        for (int i = 0; i < params.size(); i++) {
            for (int k = 0; k < slots.size(); k++) {
                out.put(slotName(i, k), params.get(i).value().shape().dims());
            }
        }
        return out;
    }

    /** The state tensors read back to the host, by name. */
    private Map<String, NpyArray> stateTensors() {
        Map<String, NpyArray> out = new LinkedHashMap<>();
        for (int i = 0; i < params.size(); i++) {
            for (int k = 0; k < slots.size(); k++) {
                out.put(slotName(i, k), NpyArray.ofFloats(be.toHostFloats(state.get(i)[k]), params.get(i).value().shape().dims()));
            }
        }
        return out;
    }

    /** Applies update t (1-based) at each group's current lr. */
    protected abstract void update(long t);

    /** The state was restored: the next update is t + 1 (a backend that counts steps itself follows). */
    protected abstract void stepsRestored(long t);

    /** Frees what the subclass holds (backend group tables); the state tensors are freed here. */
    protected abstract void release();

    private void closeState() {
        state.forEach(ts -> Arrays.stream(ts).filter(t -> t != null).forEach(Tensor::close));
        state.clear();
    }

    private void requireOpen(String op) {
        if (closed) {
            throw new IllegalStateException("optimizer." + op + ": the optimizer was already closed");
        }
    }

    @Override
    public final void close() {
        if (!closed) {
            closed = true;
            if (gradients != null) {
                gradients.close();
            }
            release();
            closeState();
        }
    }
}
