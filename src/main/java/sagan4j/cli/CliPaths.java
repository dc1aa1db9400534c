package sagan4j.cli;

import java.nio.file.InvalidPathException;
import java.nio.file.Path;

import sagan4j.backend.ConfigException;

/** A path given as text on the command line, or one line naming the flag when it cannot be a path (a NUL, bad encoding). */
final class CliPaths {
    private CliPaths() {
    }

    static Path of(String flag, String text) {
        try {
            return Path.of(text);
        } catch (InvalidPathException e) {
            throw new ConfigException(flag + ": expected a path, got '" + text + "' (" + e.getReason() + ")");
        }
    }
}
