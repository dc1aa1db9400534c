package sagan4j.cli;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * OpenMP (oneDNN's thread pool, and PyTorch's in the peer) reads its settings from the environment once,
 * when the library loads, and Java cannot change its own environment. So the launcher runs the command
 * in a child JVM with the settings it needs, once:
 * <ul>
 *   <li>{@code OMP_WAIT_POLICY=passive} unless the user set a policy: on a busy machine libgomp's default
 *       spin-then-sleep (about 3 ms of spinning) makes a train step several times slower, because spinning
 *       workers and the machine's other threads take each other's time slices at every barrier; with it,
 *       unless the user set one, a short spin count ({@link #SPIN_COUNT}) so that back-to-back regions do not
 *       each wake a sleeping worker (docs/performance.md);</li>
 *   <li>{@code OMP_NUM_THREADS} when {@code bench step --threads N} asks for a count the process lacks.</li>
 * </ul>
 */
final class OpenMpLaunch {
    /** Set in the child so that it never relaunches again. */
    static final String MARK = "SAGAN4J_OMP_LAUNCHED";
    /** The launcher's pid, set in the child, which ends itself when that process is gone. */
    static final String LAUNCHER_PID = "SAGAN4J_LAUNCHER_PID";

    private OpenMpLaunch() {
    }

    /**
     * libgomp's spin count before a waiting worker sleeps, set with the passive policy: about 0.2 ms by
     * libgomp's own estimate of 100 000 spins per ms. A step is hundreds of short OpenMP regions back to back
     * (tiny: convolutions, reorders, attention's per-entry GEMMs), and with a spin count of 0 every region
     * first wakes a sleeping worker: tiny's batch-32 step at 2 threads took 147–168 ms with 0 and 103–114 ms
     * with 20 000 on the idle build machine (GEMMs 32–38 → 6–7 ms, reorders 25–29 → 13–20 ms), while with
     * two busy processes beside it the two were within that machine's noise (262–405 against 371–380 ms),
     * unlike libgomp's default of 300 000 there (docs/performance.md).
     */
    static final String SPIN_COUNT = "20000";

    /** The settings this process is missing (empty: run here). */
    static Map<String, String> missing(String threads) {
        return missing(System.getenv(), threads);
    }

    /** The same, for the environment {@code current}. */
    static Map<String, String> missing(Map<String, String> current, String threads) {
        Map<String, String> env = new java.util.HashMap<>();
        if (current.get(MARK) != null) {
            return env;
        }
        if (current.get("OMP_WAIT_POLICY") == null) {
            env.put("OMP_WAIT_POLICY", "passive");
            if (current.get("GOMP_SPINCOUNT") == null) {
                env.put("GOMP_SPINCOUNT", SPIN_COUNT);
            }
        }
        if (threads != null && !threads.equals(current.get("OMP_NUM_THREADS"))) {
            env.put("OMP_NUM_THREADS", threads);
        }
        return env;
    }

    /**
     * Runs this JVM's command line again with {@code env} added, its I/O inherited; the child's exit code,
     * or empty where this JVM's command line cannot be known (then the caller runs the command itself).
     */
    static Optional<Integer> relaunch(Map<String, String> env) throws IOException, InterruptedException {
        ProcessHandle.Info info = ProcessHandle.current().info();
        if (env.isEmpty() || info.command().isEmpty() || info.arguments().isEmpty()) {
            return Optional.empty();
        }
        List<String> cmd = new ArrayList<>();
        cmd.add(info.command().get());
        cmd.addAll(List.of(info.arguments().get()));
        ProcessBuilder pb = new ProcessBuilder(cmd).inheritIO();
        pb.environment().putAll(env);
        pb.environment().put(MARK, "1");
        pb.environment().put(LAUNCHER_PID, String.valueOf(ProcessHandle.current().pid()));
        Process child = pb.start();
        // a launcher stopped by SIGTERM (kill, a scheduler's time limit) takes its child with it; for SIGKILL,
        // which runs no hook, the child watches this process itself (endWithLauncher)
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            if (child.isAlive()) {
                child.destroy();
            }
        }, "sagan4j-stop-child"));
        return Optional.of(child.waitFor());
    }

    /**
     * In the child: halts this JVM when the launcher that started it ends (killed, even by SIGKILL), so that
     * a killed {@code sagan4j train} never goes on writing its run folder as an orphan. Halting mid-write is
     * as safe as the kill itself (every file but metrics.jsonl is renamed into place; docs/training.md).
     */
    static void endWithLauncher() {
        String pid = System.getenv(LAUNCHER_PID);
        if (pid == null) {
            return;
        }
        Runnable halt = () -> {
            System.err.println("sagan4j: the launcher (pid " + pid + ") ended; stopping");
            Runtime.getRuntime().halt(EXIT_LAUNCHER_GONE);
        };
        long id;
        try {
            id = Long.parseLong(pid);
        } catch (NumberFormatException e) {
            return; // not set by relaunch
        }
        ProcessHandle.of(id).ifPresentOrElse(h -> h.onExit().thenRun(halt), halt);
    }

    /** The exit status of a child whose launcher is gone (nobody reads it: 128 + SIGKILL, as if killed with it). */
    static final int EXIT_LAUNCHER_GONE = 137;

    /** The value of {@code --threads N} / {@code --threads=N} among the arguments, or null. */
    static String threadsArgument(String[] args) {
        for (int i = 0; i < args.length; i++) {
            if (args[i].equals("--threads") && i + 1 < args.length) {
                return args[i + 1];
            }
            if (args[i].startsWith("--threads=")) {
                return args[i].substring("--threads=".length());
            }
        }
        return null;
    }
}
