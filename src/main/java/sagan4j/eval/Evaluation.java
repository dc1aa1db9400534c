package sagan4j.eval;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What an evaluation found: the classifier's accuracy on the intended class of N generated images,
 * overall and per class, and the Fréchet distance between its features on those images and on
 * {@code realSamples} real held-out images; beside them, their real-data counterparts at the same N
 * ({@code realSamples}, which is N unless a split has fewer images): the classifier's accuracy on those
 * held-out images, and the Fréchet distance of as many real training images to them (the scale a good
 * generator approaches, the distance's own bias at this N included). {@code truncation}: the samples' z was
 * truncated at ±t (0: none).
 */
public record Evaluation(int samples, int realSamples, double truncation, double accuracy, double[] perClass, double frechet, double frechetRealTrain,
                         double classifierHeldOutAccuracy) {
    public Map<String, Object> toMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("samples", samples);
        m.put("real_samples", realSamples);
        m.put("truncation", truncation);
        m.put("accuracy", accuracy);
        m.put("accuracy_per_class", java.util.Arrays.stream(perClass).boxed().toList());
        m.put("frechet", frechet);
        m.put("frechet_real_train", frechetRealTrain);
        m.put("classifier_held_out_accuracy", classifierHeldOutAccuracy);
        return m;
    }

    public String summary() {
        StringBuilder sb = new StringBuilder(String.format(java.util.Locale.ROOT,
                "accuracy %.1f%% on %d samples (on %d real held-out images: %.1f%%), Fréchet distance %.3f (%d real train images vs held-out: %.3f); per class:",
                100 * accuracy, samples, realSamples, 100 * classifierHeldOutAccuracy, frechet, realSamples, frechetRealTrain));
        if (truncation > 0) {
            sb.insert(0, String.format(java.util.Locale.ROOT, "z truncated at ±%s: ", truncation));
        }
        for (int k = 0; k < perClass.length; k++) {
            sb.append(String.format(java.util.Locale.ROOT, " %d:%.0f%%", k, 100 * perClass[k]));
        }
        return sb.toString();
    }
}
