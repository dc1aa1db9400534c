package sagan4j.testing;

import java.io.File;
import java.io.IOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import sagan4j.cuda.natives.ChildProcess;

/**
 * Runs a class's {@code main} in a child JVM on this test's class path, with extra environment variables and
 * JVM options: for what only a fresh process shows (what the emulator reports at exit, a different thread count
 * or emulated thread order fixed at start-up). Output is stdout and stderr together; a hang fails after
 * {@link ChildProcess#HANG_BOUND_MINUTES} (a bound on hangs, not a time budget).
 */
public final class ChildJvm {
    private ChildJvm() {
    }

    public static ChildProcess.Result run(Class<?> main, List<String> jvmOptions, Map<String, String> env, String... args)
            throws IOException, InterruptedException {
        return ChildProcess.run(builder(main, jvmOptions, env, args));
    }

    /**
     * The same child started and left running, its output (stdout and stderr) going to {@code log}: for a test
     * that watches what it writes and kills it ({@code destroyForcibly}) at a moment of its choosing.
     */
    public static Process start(Path log, Class<?> main, List<String> jvmOptions, Map<String, String> env, String... args) throws IOException {
        return builder(main, jvmOptions, env, args).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    }

    private static ProcessBuilder builder(Class<?> main, List<String> jvmOptions, Map<String, String> env, String... args) {
        String java = ProcessHandle.current().info().command()
                .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        List<String> cmd = new ArrayList<>(List.of(java, "-Xss4m"));
        cmd.addAll(jvmOptions);
        cmd.addAll(List.of("-cp", classPath(), main.getName()));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.environment().putAll(env);
        return pb;
    }

    /**
     * This JVM's class path, plus what a URLClassLoader above this class adds: the JUnit console
     * (native-tests/emulate.sh, the GPU bundle) loads the tests through one, from its --class-path.
     */
    static String classPath() {
        List<String> parts = new ArrayList<>();
        for (ClassLoader l = ChildJvm.class.getClassLoader(); l != null; l = l.getParent()) {
            if (l instanceof URLClassLoader u) {
                for (URL url : u.getURLs()) {
                    try {
                        parts.add(Path.of(url.toURI()).toString());
                    } catch (URISyntaxException | IllegalArgumentException e) {
                        throw new IllegalStateException("class path entry " + url + " is not a local file", e);
                    }
                }
            }
        }
        parts.add(System.getProperty("java.class.path"));
        return String.join(File.pathSeparator, parts);
    }
}
