package sagan4j.eval;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What an evaluation found: the classifier's accuracy on the intended class of N generated images,
 * overall and per class; the Fréchet distance between its features on those images and on the real
 * held-out split; and the same distance for N real training images against the held-out split (the scale
 * a good generator approaches); plus the classifier's own accuracy on the held-out split.
 */
public record Evaluation(int samples, double accuracy, double[] perClass, double frechet, double frechetRealTrain,
                         double classifierHeldOutAccuracy) {
    public Map<String, Object> toMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("samples", samples);
        m.put("accuracy", accuracy);
        m.put("accuracy_per_class", java.util.Arrays.stream(perClass).boxed().toList());
        m.put("frechet", frechet);
        m.put("frechet_real_train", frechetRealTrain);
        m.put("classifier_held_out_accuracy", classifierHeldOutAccuracy);
        return m;
    }

    public String summary() {
        StringBuilder sb = new StringBuilder(String.format(java.util.Locale.ROOT,
                "accuracy %.1f%% on %d samples (classifier on real held-out: %.1f%%), Fréchet distance %.3f (real train vs held-out: %.3f); per class:",
                100 * accuracy, samples, 100 * classifierHeldOutAccuracy, frechet, frechetRealTrain));
        for (int k = 0; k < perClass.length; k++) {
            sb.append(String.format(java.util.Locale.ROOT, " %d:%.0f%%", k, 100 * perClass[k]));
        }
        return sb.toString();
    }
}
