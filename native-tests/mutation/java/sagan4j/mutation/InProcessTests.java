package sagan4j.mutation;

import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectUniqueId;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.junit.platform.engine.TestExecutionResult;
import org.junit.platform.launcher.Launcher;
import org.junit.platform.launcher.TestExecutionListener;
import org.junit.platform.launcher.TestIdentifier;
import org.junit.platform.launcher.TestPlan;
import org.junit.platform.launcher.core.LauncherDiscoveryRequestBuilder;
import org.junit.platform.launcher.core.LauncherFactory;

/**
 * Runs JUnit test classes in this JVM, through a given class loader (the mutant's: see {@link MutantLoaders}),
 * one test method (or parameterised template) at a time, and stops at the first failure, so that a mutant costs
 * only the time to its first failing test. Aborted tests (failed assumptions) do not count
 * as failures.
 */
final class InProcessTests {
    /** failed: some test failed; line: the first failure ("test: error"), or "PASSED n tests". */
    record Outcome(boolean failed, String line) {
    }

    private final Launcher launcher = LauncherFactory.create();
    private final ExecutorService worker = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "mutation-tests");
        t.setDaemon(true);
        return t;
    });

    /**
     * @param timeoutSeconds a generous bound that only catches a mutant that makes a test loop forever; that
     *                       mutant counts as caught, and the JVM cannot safely go on (the looping thread keeps
     *                       running), so the caller stops there
     */
    Outcome run(ClassLoader loader, List<String> classes, long timeoutSeconds) throws InterruptedException {
        Future<Outcome> f = worker.submit(() -> runAll(loader, classes));
        try {
            return f.get(timeoutSeconds, TimeUnit.SECONDS);
        } catch (TimeoutException e) {
            return null;
        } catch (ExecutionException e) {
            Throwable t = e.getCause();
            return new Outcome(true, "the test run itself threw " + t);
        }
    }

    /**
     * The test units (methods and templates, by unique id) in the order they run: first the given class order,
     * then move-to-front: the unit that caught the last mutant runs first for the next one, since mutants of
     * one file come one after another and are mostly caught by the same test.
     */
    private List<String> units;

    private Outcome runAll(ClassLoader loader, List<String> classes) {
        Thread.currentThread().setContextClassLoader(loader);   // JUnit loads test classes by name through it
        if (units == null) {
            units = discover(classes);
            if (units.isEmpty()) {
                return new Outcome(true, "no tests found in " + classes + " (not on the class path?)");
            }
        }
        long tests = 0;
        for (int i = 0; i < units.size(); i++) {
            String unit = units.get(i);
            FirstFailure listener = new FirstFailure();
            launcher.execute(LauncherDiscoveryRequestBuilder.request().selectors(selectUniqueId(unit)).build(), listener);
            tests += listener.tests;
            if (listener.failure.isPresent()) {
                units.remove(i);
                units.add(0, unit);
                return new Outcome(true, listener.failure.get());
            }
        }
        return new Outcome(false, "PASSED " + tests + " tests in " + classes.size() + " classes");
    }

    private List<String> discover(List<String> classes) {
        List<String> out = new ArrayList<>();
        for (String cls : classes) {
            TestPlan plan = launcher.discover(LauncherDiscoveryRequestBuilder.request().selectors(selectClass(cls)).build());
            for (TestIdentifier root : plan.getRoots()) {
                for (TestIdentifier c : plan.getChildren(root)) {
                    plan.getChildren(c).forEach(u -> out.add(u.getUniqueId()));   // engine → class → methods and templates
                }
            }
        }
        return out;
    }

    private static final class FirstFailure implements TestExecutionListener {
        Optional<String> failure = Optional.empty();
        long tests;

        @Override
        public void executionFinished(TestIdentifier id, TestExecutionResult result) {
            if (id.isTest()) {
                tests++;
            }
            if (result.getStatus() == TestExecutionResult.Status.FAILED && failure.isEmpty()) {
                String why = result.getThrowable().map(t -> t.getClass().getSimpleName() + ": " + firstLine(t.getMessage()))
                        .orElse("(no error)");
                String where = id.getUniqueId().replaceAll(".*\\[class:([^\\]]*)\\].*", "$1");
                failure = Optional.of(where + " " + id.getDisplayName() + ": " + why);
            }
        }
    }

    private static String firstLine(String s) {
        if (s == null) {
            return "";
        }
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }
}
