package sagan4j.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import sagan4j.backend.Backend;
import sagan4j.backend.ConfigException;
import sagan4j.io.AtomicFiles;
import sagan4j.io.Npy;
import sagan4j.io.NpyArray;
import sagan4j.ops.Op;
import sagan4j.ops.OpRunner;
import sagan4j.ops.Ops;
import sagan4j.ops.ParamSpec;
import sagan4j.ops.Params;
import sagan4j.ops.Port;

/**
 * {@code sagan4j op NAME --device cpu|cuda --in KEY=FILE.npy ... --out DIR [--param KEY=VALUE ...]}:
 * runs one op on .npy inputs and writes {@code DIR/KEY.npy} for each output. Every input is read and
 * checked before anything runs; outputs are written only when all of them were computed, each one
 * atomically.
 */
@Command(name = "op", description = "Run one op on .npy inputs and write its outputs as .npy files.")
final class OpCommand implements Callable<Integer> {
    @Parameters(index = "0", arity = "0..1", paramLabel = "NAME", description = "op name (see --list)")
    String name;

    @Option(names = "--list", description = "print every op with its keys and shapes")
    boolean list;

    @Option(names = "--device", defaultValue = "cpu", description = "cpu (oneDNN), reference or cuda (default: ${DEFAULT-VALUE})")
    String device;

    @Option(names = "--in", paramLabel = "KEY=FILE", description = "an input .npy file")
    Map<String, Path> inputs = new LinkedHashMap<>();

    @Option(names = "--out", paramLabel = "DIR", description = "folder for the output .npy files")
    Path out;

    @Option(names = "--param", paramLabel = "KEY=VALUE", description = "an op parameter")
    Map<String, String> params = new LinkedHashMap<>();

    @Override
    public Integer call() throws IOException {
        if (list) {
            printList();
            return 0;
        }
        if (name == null) {
            throw new ConfigException("op: expected an op NAME or --list");
        }
        Op op = Ops.get(name);
        if (out == null) {
            throw new ConfigException(name + ": missing --out DIR");
        }
        if (Files.exists(out) && !Files.isDirectory(out)) {
            throw new ConfigException(name + ": --out " + out + " exists and is not a folder");
        }
        Params p = new Params(params);
        Map<String, NpyArray> in = new LinkedHashMap<>();
        for (Map.Entry<String, Path> e : inputs.entrySet()) {
            in.put(e.getKey(), Npy.read(e.getValue()));
        }
        OpRunner.validate(op, in, p);
        Map<String, NpyArray> results;
        try (Backend be = Devices.open(device)) {
            results = OpRunner.run(op, be, in, p);
        }
        Files.createDirectories(out);
        for (Map.Entry<String, NpyArray> e : results.entrySet()) {
            AtomicFiles.write(out.resolve(e.getKey() + ".npy"), Npy.encode(e.getValue()));
        }
        for (Map.Entry<String, NpyArray> e : results.entrySet()) {
            System.out.println(out.resolve(e.getKey() + ".npy") + "  " + e.getValue().shapeString());
        }
        return 0;
    }

    private static void printList() {
        for (Op op : Ops.all()) {
            Params none = Params.none();
            System.out.println(op.name() + " — " + op.summary());
            System.out.println("  in:    " + String.join("  ", op.inputs(none).stream().map(Port::describe).toList()));
            System.out.println("  out:   " + String.join("  ", op.outputs(none).stream().map(Port::describe).toList()));
            List<ParamSpec> ps = op.params();
            if (!ps.isEmpty()) {
                System.out.println("  param: " + String.join("  ",
                        ps.stream().map(s -> s.key() + "=" + s.dflt() + " (" + s.help() + ")").toList()));
            }
        }
    }
}
