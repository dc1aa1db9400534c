package sagan4j.backend;

/**
 * A setting is unusable: a command-line flag, an entry of a config file, a model preset or override, a
 * hyper-parameter such as a learning rate, or flags that do not go together. The message names the setting
 * (its flag where it has one), what was expected and what was given, in one line.
 */
public class ConfigException extends InvalidInputException {
    private static final long serialVersionUID = 1L;

    public ConfigException(String message) {
        super(message);
    }
}
