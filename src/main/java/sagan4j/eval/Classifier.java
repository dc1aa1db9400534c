package sagan4j.eval;

import java.util.SplittableRandom;

import sagan4j.backend.Backend;
import sagan4j.backend.LayerOps;
import sagan4j.backend.Tensor;
import sagan4j.nn.Activation;
import sagan4j.nn.Conv2d;
import sagan4j.nn.Linear;
import sagan4j.nn.Module;
import sagan4j.nn.Resampling;

/**
 * The evaluation classifier, small enough to train on a CPU in a few minutes ({@link ClassifierTraining}):
 * <pre>
 *   x (B, C, R, R) → [conv 3×3 → ReLU → max-pool 2×2] × 3 (width w, 2w, 4w) → (B, 4w·(R/8)²)
 *     → Linear → ReLU = features (B, F) → Linear → logits (B, K)
 * </pre>
 * The features (penultimate layer) are what the Fréchet distance compares.
 */
public final class Classifier extends Module {
    private final Conv2d[] convs = new Conv2d[3];
    private final Activation[] relus = new Activation[3];
    private final Resampling[] pools = new Resampling[3];
    private final Linear hidden;
    private final Activation hiddenRelu;
    private final Linear out;
    private final int flat;
    private final int featureCount;
    private Tensor features;

    public Classifier(Backend be, int channels, int resolution, int classes, int width, int featureCount, long seed) {
        super(be, "C");
        SplittableRandom rng = new SplittableRandom(seed);
        int cin = channels;
        for (int i = 0; i < 3; i++) {
            int cout = width << i;
            convs[i] = add(new Conv2d(be, child("conv" + i), cin, cout, 3, true, rng));
            relus[i] = add(Activation.relu(be, child("relu" + i)));
            pools[i] = add(new Resampling(be, child("pool" + i), LayerOps.Resample.MAX_POOL));
            cin = cout;
        }
        flat = cin * (resolution / 8) * (resolution / 8);
        this.featureCount = featureCount;
        hidden = add(new Linear(be, child("hidden"), flat, featureCount, true, rng));
        hiddenRelu = add(Activation.relu(be, child("hidden_relu")));
        out = add(new Linear(be, child("out"), featureCount, classes, true, rng));
    }

    /** logits (B, K); {@link #features()} holds the penultimate activations afterwards. */
    public Tensor forward(Tensor x) {
        Tensor h = x;
        for (int i = 0; i < 3; i++) {
            h = pools[i].forward(relus[i].forward(convs[i].forward(h)));
        }
        features = hiddenRelu.forward(hidden.forward(h.reshape(x.dim(0), flat)));
        return out.forward(features);
    }

    /** F, the width of {@link #features()}. */
    public int featureCount() {
        return featureCount;
    }

    /** The features (B, F) of the last forward. */
    public Tensor features() {
        return features;
    }

    /** dLogits (B, K) → every weight gradient accumulated. */
    public void backward(Tensor dLogits) {
        Tensor d = hidden.backward(hiddenRelu.backward(out.backward(dLogits)));
        int b = dLogits.dim(0);
        int c = convs[2].weight().parameter().value().dim(0), side = (int) Math.round(Math.sqrt(flat / (double) c));
        d = d.reshape(b, c, side, side); // back from the flattened (B, 4w·(R/8)²) to (B, 4w, R/8, R/8)
        for (int i = 2; i >= 0; i--) {
            d = convs[i].backward(relus[i].backward(pools[i].backward(d)));
        }
    }
}
