package sagan4j.cuda.natives;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import jcuda.jcublas.JCublas2;
import jcuda.jcublas.cublasHandle;

/**
 * Runs in a child JVM for {@link CudaNativesChildJvmTest}: loads with the given site-packages roots and cache,
 * prints the report as {@code key=value} lines, then calls {@code JCublas2.cublasCreate} when cuBLAS loaded.
 *
 * <p>Arguments: site-packages roots (colon-separated), cache root.
 */
public final class ChildMain {

    private ChildMain() {}

    public static void main(String[] args) {
        List<Path> roots = new ArrayList<>();
        for (String s : args[0].split(":")) {
            roots.add(Path.of(s));
        }
        CudaNatives.Options options = new CudaNatives.Options(LibrarySearch.of(List.of(), roots), Path.of(args[1]));
        NativeReport r = CudaNatives.load(options);
        System.out.println("TEXT-BEGIN");
        System.out.println(r.toText());
        System.out.println("TEXT-END");
        for (NativeReport.Library l : List.of(r.driver(), r.cublas(), r.cudnn())) {
            String n = l.name();
            System.out.println(n + ".loaded=" + l.loaded());
            System.out.println(n + ".version=" + l.version());
            System.out.println(n + ".runtimeVersion=" + l.runtimeVersion());
            System.out.println(n + ".path=" + l.path());
            System.out.println(n + ".jniPath=" + l.jniPath());
            System.out.println(n + ".relinked=" + l.relinked());
            System.out.println(n + ".relinkDetail=" + l.relinkDetail());
            System.out.println(n + ".reason=" + l.reason());
            System.out.println(n + ".notes=" + String.join(" | ", l.notes()));
            System.out.println(n + ".missingSymbols=" + String.join(",", l.missingSymbols()));
        }
        System.out.println("jniDir=" + r.jniDir());
        for (Path p : r.preloaded()) {
            System.out.println("preloaded=" + p);
        }
        System.out.println("sameReport=" + (CudaNatives.load() == r));
        System.out.println("tmpdirRestored=" + System.getProperty("java.io.tmpdir").equals(args.length > 2 ? args[2] : ""));
        if (r.cublas().loaded()) {
            cublasHandle h = new cublasHandle();
            int rc = JCublas2.cublasCreate(h);
            System.out.println("cublasCreate=" + rc + " handle=" + h);
        }
        for (Path p : Diagnostics.mappedFiles()) {
            String name = p.getFileName().toString();
            if (name.startsWith("libcu") || name.startsWith("libnvrtc") || name.startsWith("libJCu")) {
                System.out.println("mapped=" + p);
            }
        }
        System.out.println("CHILD-DONE");
    }
}
