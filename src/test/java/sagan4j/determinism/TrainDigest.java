package sagan4j.determinism;

import java.util.ArrayList;
import java.util.List;

import sagan4j.backend.Backend;
import sagan4j.reference.ReferenceBackend;
import sagan4j.onednn.OneDnnBackend;
import sagan4j.testing.TinyTraining;

/**
 * tiny (width 8, batch 4, seed 1) trained {@code steps} steps on a CPU backend; the run-state digest after
 * each step. Also the child JVM's main of {@link HostDeterminismTest}: {@code TrainDigest reference|cpu STEPS}
 * prints one line per step, "digest=HEX".
 */
public final class TrainDigest {
    private TrainDigest() {
    }

    static Backend open(String name) {
        return name.equals("reference") ? new ReferenceBackend() : OneDnnBackend.open();
    }

    static List<String> run(Backend be, int steps) {
        List<String> out = new ArrayList<>();
        try (TinyTraining run = new TinyTraining(be, TinyTraining.config(8, 4))) {
            for (int s = 0; s < steps; s++) {
                run.step();
                out.add(run.digest());
            }
        }
        return out;
    }

    public static void main(String[] args) {
        try (Backend be = open(args[0])) {
            for (String d : run(be, Integer.parseInt(args[1]))) {
                System.out.println("digest=" + d);
            }
        }
    }
}
