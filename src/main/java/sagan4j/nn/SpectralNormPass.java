package sagan4j.nn;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import sagan4j.backend.Backend;
import sagan4j.backend.SpectralNormOps;

/**
 * Every reparameterised spectral-norm weight of a network normalised in one go before its forward, instead of
 * one by one inside each layer's forward: a {@link SpectralNormOps.Group} per (iterations, eps) — one per network
 * in practice, so on CUDA one launch for all of G's or D's weights (launches, not arithmetic, bound a
 * SAGAN-32 step on a GPU). Each weight's power iteration reads and writes only its own u, v, σ and W/σ, so doing them
 * together leaves exactly the state the per-layer forwards would; the layers' forwards then find W/σ ready
 * ({@link SpectralNormWeight#markPrepared}). The groups are made on the first pass and kept while the set of
 * tensors is the same (their descriptors hold device addresses), so a warm pass allocates nothing.
 */
final class SpectralNormPass implements AutoCloseable {
    private record Key(int iterations, float eps) {
    }

    private final Backend be;
    private final List<SpectralNormWeight> weights;
    private final Map<Key, SpectralNormOps.Group> groups = new LinkedHashMap<>();

    SpectralNormPass(Backend be, List<SpectralNormWeight> weights) {
        this.be = be;
        this.weights = List.copyOf(weights);
    }

    void run() {
        Map<Key, List<SpectralNormWeight>> byKey = new LinkedHashMap<>();
        Map<Key, List<SpectralNormOps.Weight>> entries = new LinkedHashMap<>();
        for (SpectralNormWeight w : weights) {
            if (w.reparameterised()) {
                Key k = new Key(w.passIterations(), w.eps());
                byKey.computeIfAbsent(k, x -> new ArrayList<>()).add(w);
                entries.computeIfAbsent(k, x -> new ArrayList<>()).add(w.groupEntry());
            }
        }
        for (Map.Entry<Key, List<SpectralNormOps.Weight>> e : entries.entrySet()) {
            Key k = e.getKey();
            SpectralNormOps.Group g = groups.get(k);
            if (g == null || !g.weights().equals(e.getValue())) {
                if (g != null) {
                    g.close();
                }
                g = be.spectralNorm().group(e.getValue());
                groups.put(k, g);
            }
            be.spectralNorm().forward(g, k.iterations(), k.eps());
            byKey.get(k).forEach(SpectralNormWeight::markPrepared);
        }
    }

    @Override
    public void close() {
        groups.values().forEach(SpectralNormOps.Group::close);
        groups.clear();
    }
}
