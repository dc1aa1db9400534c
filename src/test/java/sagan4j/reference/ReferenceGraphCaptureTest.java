package sagan4j.reference;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

import sagan4j.backend.Backend;
import sagan4j.backend.Tensor;

/**
 * Graph capture is a capability the host backends lack: {@code graphs()} is empty, and
 * {@code Backend.captureOrRun} then runs the region itself, once per call, in the caller's order (what
 * TrainStep relies on for the CPU devices), while {@code dropCaptures} has nothing to drop.
 */
class ReferenceGraphCaptureTest {
    @Test
    void withoutGraphsARegionRunsDirectlyEveryTime() {
        try (Backend be = new ReferenceBackend(); Tensor x = be.fromHost(new float[] {1f, 2f}, 2)) {
            assertTrue(be.graphs().isEmpty(), "the reference has no graph capture");
            List<Object> ran = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                int call = i;
                be.captureOrRun("step", () -> {
                    ran.add(call);
                    be.scale(x, 2f);
                });
            }
            assertEquals(List.of(0, 1, 2), ran, "each call runs the work once, at once");
            assertArrayEquals(new float[] {8f, 16f}, be.toHostFloats(x), "its ops ran on the backend");
            be.dropCaptures(key -> true);
            be.captureOrRun("step", () -> ran.add("after drop"));
            assertEquals("after drop", ran.get(3));
        }
    }
}
