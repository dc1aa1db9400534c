package sagan4j.mutation;

import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

import org.junit.platform.engine.TestExecutionResult;
import org.junit.platform.engine.support.descriptor.MethodSource;
import org.junit.platform.launcher.Launcher;
import org.junit.platform.launcher.LauncherDiscoveryRequest;
import org.junit.platform.launcher.TestExecutionListener;
import org.junit.platform.launcher.TestIdentifier;
import org.junit.platform.launcher.core.LauncherDiscoveryRequestBuilder;
import org.junit.platform.launcher.core.LauncherFactory;

/**
 * {@code FailFastTests CLASS...}: runs the JUnit test classes one after the other, in the order given, and stops
 * the JVM at the first failing test (exit 1, one line "FAILED test: first line of the error" on stdout), so that
 * a mutant costs only the time to its first failure. Exit 0 when every test passed. Aborted tests (failed
 * assumptions) do not count as failures.
 */
public final class FailFastTests {
    private FailFastTests() {
    }

    public static void main(String[] args) {
        Launcher launcher = LauncherFactory.create();
        long[] tests = {0};
        TestExecutionListener stopAtFirstFailure = new TestExecutionListener() {
            @Override
            public void executionFinished(TestIdentifier id, TestExecutionResult result) {
                if (id.isTest()) {
                    tests[0]++;
                }
                if (result.getStatus() == TestExecutionResult.Status.FAILED) {
                    String why = result.getThrowable().map(t -> t.getClass().getSimpleName() + ": " + firstLine(t.getMessage()))
                            .orElse("(no error)");
                    System.out.println("FAILED " + id.getDisplayName() + " in " + id.getUniqueId() + ": " + why);
                    System.out.flush();
                    Runtime.getRuntime().halt(1);
                }
            }
        };
        for (String cls : args) {
            LauncherDiscoveryRequest request = LauncherDiscoveryRequestBuilder.request().selectors(selectClass(cls)).build();
            var plan = launcher.discover(request);
            // a parameterized test is a container until it runs: count test methods, plain or templated
            long found = plan.countTestIdentifiers(t -> t.getSource().filter(MethodSource.class::isInstance).isPresent());
            if (found == 0) {
                System.out.println("FAILED " + cls + ": no tests found");
                Runtime.getRuntime().halt(2);
            }
            launcher.execute(plan, stopAtFirstFailure);
        }
        System.out.println("PASSED " + tests[0] + " tests in " + args.length + " classes");
    }

    private static String firstLine(String s) {
        if (s == null) {
            return "";
        }
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }
}
