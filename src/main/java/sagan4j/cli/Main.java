package sagan4j.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import sagan4j.backend.OneLine;

/**
 * {@code java -jar sagan4j.jar COMMAND}. Exit codes: 0 success, 1 an unexpected failure (a bug: the
 * stack trace is printed), 2 bad input or an expected condition such as "no GPU" (one line, no trace).
 */
@Command(name = "sagan4j", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        description = "CUDA kernels for SAGAN and BigGAN, with a CPU reference backend.",
        subcommands = {TrainCommand.class, SweepCommand.class, SampleCommand.class, EvalCommand.class, DoctorCommand.class, OpCommand.class, BenchCommand.class, ModelCommand.class, ExportCommand.class,
                ImportCommand.class, KernelsCommand.class, DemoCommand.class,
                HelpCommand.class})
public final class Main implements Runnable {
    /** Exit code for bad input and expected conditions. */
    public static final int EXIT_USAGE = 2;

    public static void main(String[] args) throws java.io.IOException, InterruptedException {
        // OpenMP's settings must be in the environment before oneDNN loads: a child JVM gets them (OpenMpLaunch)
        OpenMpLaunch.endWithLauncher();
        java.util.Optional<Integer> child = OpenMpLaunch.relaunch(OpenMpLaunch.missing(OpenMpLaunch.threadsArgument(args)));
        System.exit(child.isPresent() ? child.get() : run(args));
    }

    /** Runs a command line and returns its exit code (used by tests). */
    public static int run(String... args) {
        CommandLine cl = new CommandLine(new Main());
        cl.setExecutionExceptionHandler(Main::handle);
        cl.setParameterExceptionHandler(Main::usageError);
        return cl.execute(args);
    }

    /** Exit 2 and one line for an expected failure ({@link Failures}), else the stack trace and exit 1. */
    static int handle(Exception e, CommandLine cl, CommandLine.ParseResult parsed) {
        String line = Failures.expectedMessage(e);
        if (line != null) {
            cl.getErr().println(OneLine.of("sagan4j " + cl.getCommandName() + ": " + line));
            return EXIT_USAGE;
        }
        e.printStackTrace(cl.getErr());
        return 1;
    }

    /** A command line picocli cannot parse: one line naming the problem and where the options are listed. */
    private static int usageError(CommandLine.ParameterException e, String[] args) {
        CommandLine cl = e.getCommandLine();
        String name = cl.getCommandSpec().qualifiedName(" ");
        cl.getErr().println(OneLine.of(name + ": " + String.valueOf(e.getMessage()).strip() + " (see '" + name + " --help')"));
        return EXIT_USAGE;
    }

    @Override
    public void run() {
        new CommandLine(this).usage(System.out);
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = Main.class.getPackage().getImplementationVersion();
            return new String[] {"sagan4j " + (v == null ? "(development build)" : v)};
        }
    }
}
