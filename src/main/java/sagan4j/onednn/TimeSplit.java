package sagan4j.onednn;

/**
 * Where the backend's time goes, accumulated over its life: copies between the heap tensors and native
 * buffers, oneDNN reorders (NCHW ⇄ blocked), oneDNN convolutions, oneDNN GEMMs (dnnl_sgemm), and attention's
 * row softmax on oneDNN (OneDnnRowSoftmax). The rest of a step is Java. Two System.nanoTime reads per counted call (~50 ns) against calls of 0.1–10 ms.
 */
public final class TimeSplit {
    long stageNs;
    long reorderNs;
    long convNs;
    long gemmNs;
    long softmaxNs;

    /** A copy of the counters, in milliseconds: staging, reorders, convolutions, GEMMs, attention's softmax. */
    public double[] millis() {
        return new double[] {stageNs / 1e6, reorderNs / 1e6, convNs / 1e6, gemmNs / 1e6, softmaxNs / 1e6};
    }
}
