package sagan4j.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import sagan4j.io.AtomicFiles;
import sagan4j.io.NpyArray;

/**
 * The states a kill can leave, made by hand: a checkpoint renamed before {@code latest} was rewritten, a
 * metrics line cut short, temporary files of interrupted writes. Each is what KillResumeTest can only hit
 * by chance.
 */
class RunFolderRecoveryTest {
    @TempDir
    Path tmp;

    private static Map<String, NpyArray> state(float v) {
        return Map.of("G.w", NpyArray.ofFloats(new float[] {v, v + 1}, 2));
    }

    @Test
    void theNewestCheckpointWinsOverAStaleLatest() throws IOException {
        Checkpoints ck = new Checkpoints(tmp.resolve("checkpoints"));
        ck.save(1, state(1), Map.of("step", "1"), 3);
        ck.save(2, state(2), Map.of("step", "2"), 3);
        // killed between the rename of step 2 and the rewrite of latest: latest still names step 1
        Files.writeString(ck.dir().resolve(Checkpoints.LATEST), Checkpoints.fileName(1) + "\n");
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        Checkpoints.Loaded l = ck.newest(new PrintStream(log, true, StandardCharsets.UTF_8));
        assertEquals(ck.dir().resolve(Checkpoints.fileName(2)), l.file());
        assertEquals(2f, l.contents().tensors().get("G.w").floats()[0]);
        assertEquals("", log.toString(StandardCharsets.UTF_8));
    }

    @Test
    void aCutMetricsLineIsDroppedOnResume() throws IOException {
        Path file = tmp.resolve("metrics.jsonl");
        Metrics m = new Metrics(file);
        for (long step = 1; step <= 3; step++) {
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("step", step);
            row.put("g_loss", 0.5 * step);
            m.append(row);
        }
        String whole = Files.readString(file);
        assertEquals(3, whole.lines().count());
        Files.writeString(file, whole + "{\"step\":4,\"g_lo"); // a kill inside the fourth line's write
        Metrics resumed = new Metrics(file);
        resumed.resumeAt(2);
        assertEquals(List.of(1L, 2L), resumed.rows().stream().map(r -> ((Number) r.get("step")).longValue()).toList());
        assertEquals(String.join("", whole.lines().limit(2).map(l -> l + "\n").toList()), Files.readString(file));
        Metrics all = new Metrics(file);
        Files.writeString(file, whole + "{\"step\":4,\"g_lo");
        all.resumeAt(10);
        assertEquals(3, all.rows().size(), "the cut line is not a row");
        assertTrue(Files.readString(file).endsWith("\n"));
    }

    @Test
    void leftoverTemporaryFilesAreRecognisedAndRemoved() throws IOException {
        Path dir = Files.createDirectories(tmp.resolve("run"));
        AtomicFiles.write(dir.resolve("config.json"), "{}\n".getBytes(StandardCharsets.UTF_8));
        Path left = Files.writeString(dir.resolve(".step-00000007.safetensors.1234567890123.tmp"), "part");
        Path alsoLeft = Files.writeString(dir.resolve(".loss.png.42.tmp"), "part");
        Path notOurs = Files.writeString(dir.resolve("notes.tmp"), "mine");
        Path hiddenButNotTemp = Files.writeString(dir.resolve(".keep"), "");
        assertTrue(AtomicFiles.isTemporary(left) && AtomicFiles.isTemporary(alsoLeft));
        assertFalse(AtomicFiles.isTemporary(notOurs) || AtomicFiles.isTemporary(hiddenButNotTemp)
                || AtomicFiles.isTemporary(dir.resolve("config.json")));
        assertEquals(2, AtomicFiles.removeLeftovers(dir));
        assertFalse(Files.exists(left) || Files.exists(alsoLeft));
        assertTrue(Files.exists(notOurs) && Files.exists(hiddenButNotTemp) && Files.exists(dir.resolve("config.json")));
        assertEquals(0, AtomicFiles.removeLeftovers(tmp.resolve("absent")));
    }
}
