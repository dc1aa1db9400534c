package sagan4j.host;

import static sagan4j.host.HostStorage.floats;
import static sagan4j.host.HostStorage.ints;

import java.util.List;

import sagan4j.backend.Backend;
import sagan4j.backend.LayerOps;
import sagan4j.backend.Tensor;

/**
 * What the layer primitives of the two host backends share: the ops whose loops are {@link HostArrays}'s (they
 * move or count values, with no arithmetic for a backend to do its own way) and the direct count of non-finite
 * values. The arithmetic ops stay in each backend's subclass.
 */
public abstract class HostLayerOps extends LayerOps {
    /** Elements per (b, c) pair: 1 for (B, C), H·W for (B, C, H, W). */
    protected static int inner(Tensor t) {
        return t.shape().sizeAsInt() / (t.dim(0) * t.dim(1));
    }

    /** {@code impl}: the name {@code impls()} lists ("reference", "java"). */
    protected HostLayerOps(Backend backend, String impl) {
        super(backend, List.of(impl));
    }

    @Override
    protected final void doConcat(List<Tensor> parts, Tensor whole, boolean toWhole) {
        HostArrays.concat(parts.stream().map(HostStorage::floats).toList(),
                parts.stream().map(t -> t.shape().sizeAsInt() / whole.dim(0)).toList(), floats(whole), whole.dim(0), toWhole);
    }

    @Override
    protected final void doGatherRows(Tensor table, Tensor labels, Tensor out) {
        HostArrays.gatherRows(floats(table), table.dim(0), table.dim(1), ints(labels), floats(out));
    }

    @Override
    protected final void doScatterAddRows(Tensor dOut, Tensor labels, Tensor dTable) {
        HostArrays.scatterAddRows(floats(dOut), ints(labels), dTable.dim(0), dTable.dim(1), floats(dTable));
    }

    @Override
    protected final void doZeroDiagonal(Tensor m) {
        HostArrays.zeroDiagonal(floats(m), m.rank() == 3 ? m.dim(0) : 1, m.dim(-1));
    }

    /** Counted directly: the host has the values, so the dot screen would only add a pass. */
    @Override
    protected final long doCountNonFinite(Tensor x) {
        return HostArrays.countNonFinite(floats(x), x.shape().sizeAsInt());
    }
}
