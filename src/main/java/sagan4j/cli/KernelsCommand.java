package sagan4j.cli;

import java.util.Map;
import java.util.concurrent.Callable;

import picocli.CommandLine.Command;
import sagan4j.cuda.runtime.Fatbin;

/** {@code sagan4j kernels}: what the packed fatbin(s) hold — SASS and PTX per architecture. Needs no GPU. */
@Command(name = "kernels", description = "List the architectures the packed kernels were compiled for.")
final class KernelsCommand implements Callable<Integer> {
    @Override
    public Integer call() {
        for (Map.Entry<String, byte[]> image : Fatbin.packagedImages().entrySet()) {
            Fatbin fb = Fatbin.parse(image.getValue());
            System.out.println(image.getKey() + " (" + image.getValue().length + " bytes): " + fb.describe());
        }
        return 0;
    }
}
