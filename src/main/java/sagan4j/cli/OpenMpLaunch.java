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
 *       spin-then-sleep makes a train step several times slower, because spinning workers and the machine's
 *       other threads take each other's time slices at every barrier (docs/performance.md);</li>
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

    /** The settings this process is missing (empty: run here). */
    static Map<String, String> missing(String threads) {
        Map<String, String> env = new java.util.HashMap<>();
        if (System.getenv(MARK) != null) {
            return env;
        }
        if (System.getenv("OMP_WAIT_POLICY") == null) {
            env.put("OMP_WAIT_POLICY", "passive");
        }
        if (threads != null && !threads.equals(System.getenv("OMP_NUM_THREADS"))) {
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
