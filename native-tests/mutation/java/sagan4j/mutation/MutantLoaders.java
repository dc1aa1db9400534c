package sagan4j.mutation;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.MalformedURLException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Path;
import java.util.List;

/**
 * Class loaders for running many mutants in one JVM. The packages below the Backend seam (which never import the
 * mutated layers and models) are loaded once by a shared loader, so that the CPU reference stays JIT-compiled from
 * one mutant to the next; everything else of sagan4j (the mutated packages, whatever uses them, the tests) is
 * loaded anew for each mutant, from its shadow directory first, then the compiled classes and test classes.
 */
final class MutantLoaders implements AutoCloseable {
    /** Packages shared by every mutant: none of them imports sagan4j.nn or sagan4j.models. */
    private static final List<String> SHARED = List.of("sagan4j.backend.", "sagan4j.host.", "sagan4j.reference.", "sagan4j.io.");

    private final Path classes;
    private final Path testClasses;
    private final URLClassLoader shared;

    MutantLoaders(Path classes, Path testClasses) {
        this.classes = classes;
        this.testClasses = testClasses;
        ClassLoader app = MutantLoaders.class.getClassLoader();
        this.shared = new URLClassLoader("mutation-shared", new URL[] {url(classes)}, app) {
            @Override
            protected Class<?> loadClass(String name, boolean resolve) throws ClassNotFoundException {
                if (name.startsWith("sagan4j.") && SHARED.stream().noneMatch(name::startsWith)) {
                    throw new ClassNotFoundException(name + " is loaded per mutant");
                }
                return super.loadClass(name, resolve);
            }
        };
    }

    /** A fresh loader for one mutant whose recompiled classes are in {@code shadow}; close it after the run. */
    URLClassLoader forMutant(Path shadow) {
        return new URLClassLoader("mutant", new URL[] {url(shadow), url(classes), url(testClasses)}, shared);
    }

    private static URL url(Path dir) {
        try {
            return dir.toAbsolutePath().toUri().toURL();
        } catch (MalformedURLException e) {
            throw new IllegalArgumentException(dir.toString(), e);
        }
    }

    @Override
    public void close() {
        try {
            shared.close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
