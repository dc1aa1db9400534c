package sagan4j.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code sagan4j help [COMMAND]}: the usage of one command, or of sagan4j. Picocli's built-in help command
 * (and any command marked as a help command) stops checking the line once it is matched, so
 * {@code help --nosuch} and {@code help train extra} printed usage and exited 0; this is an ordinary
 * command taking at most one command name and nothing else, so a mistyped line is a usage error (exit 2).
 */
@Command(name = "help", mixinStandardHelpOptions = true, description = "Show the usage of sagan4j or of one command.")
final class HelpCommand implements Runnable {
    @Spec
    CommandSpec spec;

    @Parameters(arity = "0..1", paramLabel = "COMMAND", description = "the command to describe")
    String command;

    @Override
    public void run() {
        CommandLine parent = spec.commandLine().getParent();
        CommandLine target = command == null ? parent : parent.getSubcommands().get(command);
        if (target == null) {
            throw new CommandLine.ParameterException(spec.commandLine(), "unknown command '" + command + "' (expected one of "
                    + String.join(", ", parent.getSubcommands().keySet()) + ")");
        }
        target.usage(spec.commandLine().getOut());
        spec.commandLine().getOut().flush();
    }
}
