package sagan4j.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import sagan4j.backend.ConfigException;
import sagan4j.reference.ReferenceBackend;
import sagan4j.io.CheckpointException;
import sagan4j.io.NpyArray;
import sagan4j.io.NpyFormatException;
import sagan4j.io.SafeTensors;
import sagan4j.io.StreamedSafeTensors;
import sagan4j.testing.Fuzz;

/** Regression tests for what the checkpoint fuzzing found, and bad arguments through the checkpoint API. */
class CheckpointBadInputTest {
    @TempDir
    Path tmp;

    private Path checkpoint(Map<String, String> meta) throws IOException {
        Path f = tmp.resolve("step-00000001.safetensors");
        StreamedSafeTensors.write(f, CheckpointFuzzTest.seedTensors(), meta);
        return f;
    }

    /** The file with its JSON header edited, the data left as written (the checksum covers only the data). */
    private static void patchHeader(Path f, String from, String to) throws IOException {
        byte[] b = Files.readAllBytes(f);
        int n = (int) java.nio.ByteBuffer.wrap(b).order(java.nio.ByteOrder.LITTLE_ENDIAN).getLong();
        String header = new String(b, 8, n, StandardCharsets.UTF_8);
        assertTrue(header.contains(from), from + " in " + header);
        byte[] h = header.replace(from, to).getBytes(StandardCharsets.UTF_8);
        java.nio.ByteBuffer out = java.nio.ByteBuffer.allocate(8 + h.length + b.length - 8 - n).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        out.putLong(h.length).put(h).put(b, 8 + n, b.length - 8 - n);
        Files.write(f, out.array());
    }

    private static <T extends RuntimeException> T oneLine(Class<T> type, org.junit.jupiter.api.function.Executable r, String contains) {
        T e = assertThrows(type, r);
        assertTrue(Fuzz.isOneLine(e.getMessage()) && e.getMessage().contains(contains), e.getMessage());
        return e;
    }

    @Test
    void aShapeEntryBeyondIntIsAFormatErrorNotArithmeticException() throws IOException {
        Path f = checkpoint(CheckpointFuzzTest.seedMetadata());
        // was: Math.toIntExact threw ArithmeticException out of the streamed reader
        patchHeader(f, "\"shape\":[10,4]", "\"shape\":[4294967296,10,4]");
        oneLine(NpyFormatException.class, () -> StreamedSafeTensors.read(f, true), f.toString());
    }

    @Test
    void aCheckpointWithoutItsChecksumDoesNotLoad() throws IOException {
        Path f = checkpoint(CheckpointFuzzTest.seedMetadata());
        patchHeader(f, "\"sha256\"", "\"sha25x\"");
        oneLine(NpyFormatException.class, () -> StreamedSafeTensors.read(f, true), "has no sha256");
        assertEquals(4, StreamedSafeTensors.read(f).tensors().size(), "a plain .safetensors file needs none");
    }

    @Test
    void metadataCountersAndConfigThatDoNotParseAreOneLine() throws IOException {
        Map<String, String> meta = CheckpointFuzzTest.seedMetadata();
        meta.put("classes", "1x");
        Path f = checkpoint(meta);
        // was: NumberFormatException (exit 1 with a stack trace)
        oneLine(CheckpointException.class, () -> SavedRun.open(f, null, System.err), "metadata 'classes' is '1x'");
        meta.put("classes", "10");
        meta.put("config", "{\"batch\": [1]}");
        Path g = checkpoint(meta);
        oneLine(ConfigException.class, () -> SavedRun.open(g, null, System.err), "setting 'batch' is a list");
        meta.put("config", "[1, 2");
        Path h = checkpoint(meta);
        // was: IllegalArgumentException from the JSON parser (exit 1)
        oneLine(ConfigException.class, () -> SavedRun.open(h, null, System.err), "(its config metadata): not JSON");
    }

    @Test
    void restoreRefusesADtypeChangeAndBadCountersBeforeLoadingAnything() {
        TrainConfig cfg = new TrainConfig().set("dataset", "synthetic").set("ch", "8").set("batch", "4");
        try (ReferenceBackend be = new ReferenceBackend(); TrainStep step = TrainSetup.fromConfig(be, cfg, cfg.model(10))) {
            Map<String, NpyArray> tensors = new LinkedHashMap<>(RunState.tensors(step));
            Map<String, String> meta = RunState.metadata(step, cfg, 10);
            String adam = tensors.keySet().stream().filter(k -> k.startsWith(RunState.ADAM_G)).findFirst().orElseThrow();
            NpyArray a = tensors.get(adam);
            tensors.put(adam, NpyArray.ofInts(new int[(int) a.size()], a.shape()));
            // was: NullPointerException in the Adam state's load (floats() of an I32 tensor)
            oneLine(CheckpointException.class, () -> RunState.restore(step, tensors, meta, "c.safetensors"), adam + " is I32");
            tensors.put(adam, a);
            meta.put("d_steps", "-3");
            oneLine(CheckpointException.class, () -> RunState.restore(step, tensors, meta, "c.safetensors"), "metadata 'd_steps' is '-3'");
            meta.remove("step");
            oneLine(CheckpointException.class, () -> RunState.restore(step, tensors, meta, "c.safetensors"), "metadata 'step' is missing");
        }
    }

    @Test
    void aDamagedPointerDoesNotStopTheNewestGoodFileFromLoading() throws IOException {
        Path dir = Files.createDirectories(tmp.resolve("ck"));
        Checkpoints ck = new Checkpoints(dir);
        ck.save(1, CheckpointFuzzTest.seedTensors(), CheckpointFuzzTest.seedMetadata(), 3);
        Path newer = ck.save(2, CheckpointFuzzTest.seedTensors(), CheckpointFuzzTest.seedMetadata(), 3);
        // was (before newest() stopped consulting latest): MalformedInputException and InvalidPathException
        Files.write(dir.resolve(Checkpoints.LATEST), new byte[] {(byte) 0xff, (byte) 0xfe, 0});
        assertEquals(newer, ck.newest(System.err).file());
        Files.write(dir.resolve(Checkpoints.LATEST), "step-00000001.safetensors\0\n".getBytes(StandardCharsets.UTF_8));
        assertEquals(newer, ck.newest(System.err).file());
    }

    @Test
    void javaApiRejectsNullsInOneLine() {
        npe(() -> new Checkpoints(null), "Checkpoints: dir is null");
        npe(() -> new Checkpoints(tmp).newest(null), "Checkpoints.newest: log is null");
        npe(() -> StreamedSafeTensors.read(null), "StreamedSafeTensors.read: file is null");
        npe(() -> SafeTensors.read(null), "SafeTensors.read: file is null");
        npe(() -> SafeTensors.parse("x", null), "SafeTensors.parse: bytes is null");
        npe(() -> sagan4j.io.Npy.read(null), "Npy.read: file is null");
        npe(() -> sagan4j.io.Npy.parse(null, new byte[0]), "Npy.parse: name is null");
        npe(() -> ConfigFile.read(null, new TrainConfig()), "ConfigFile.read: file is null");
    }

    private static void npe(org.junit.jupiter.api.function.Executable r, String start) {
        NullPointerException e = assertThrows(NullPointerException.class, r);
        assertTrue(Fuzz.isOneLine(e.getMessage()) && e.getMessage().startsWith(start), e.getMessage());
    }
}
