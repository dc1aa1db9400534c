package sagan4j.onednn;

import static org.bytedeco.dnnl.global.dnnl.*;

import org.bytedeco.dnnl.dnnl_engine;
import org.bytedeco.dnnl.dnnl_exec_arg_t;
import org.bytedeco.dnnl.dnnl_memory;
import org.bytedeco.dnnl.dnnl_memory_desc;
import org.bytedeco.dnnl.dnnl_primitive;
import org.bytedeco.dnnl.dnnl_primitive_desc;
import org.bytedeco.dnnl.dnnl_stream;
import org.bytedeco.dnnl.dnnl_version_t;
import org.bytedeco.javacpp.Loader;
import org.bytedeco.javacpp.Pointer;

/**
 * oneDNN's C API through the JavaCPP presets: loading, the CPU engine and its stream, and the few calls
 * sagan4j makes, each with its status checked (one exception naming the call and the status). Memory
 * handles passed as {@code void*} must be position-0 pointers: JavaCPP adds a position in BYTES there.
 */
final class Dnnl implements AutoCloseable {
    private final dnnl_engine engine = new dnnl_engine();
    private final dnnl_stream stream = new dnnl_stream();
    /** Memory objects and primitives made by {@link #memory} and {@link #primitive} and not yet destroyed. */
    private int liveHandles;

    private Dnnl() {
        check(dnnl_engine_create(engine, dnnl_cpu, 0), "dnnl_engine_create(cpu)");
        check(dnnl_stream_create(stream, engine, dnnl_stream_default_flags), "dnnl_stream_create");
    }

    /** Loads the natives (unpacked once into ~/.javacpp/cache) and makes the engine; throws if they cannot load. */
    static Dnnl open() {
        try {
            Loader.load(org.bytedeco.dnnl.global.dnnl.class);
        } catch (UnsatisfiedLinkError | NoClassDefFoundError | ExceptionInInitializerError | IllegalStateException e) {
            // JavaCPP reports natives it cannot unpack or link as one of these
            throw new OneDnnUnavailableException("oneDNN natives could not load on " + System.getProperty("os.name") + " "
                    + System.getProperty("os.arch") + ": " + e, e);
        }
        return new Dnnl();
    }

    dnnl_engine engine() {
        return engine;
    }

    /** "3.8.1 (OpenMP)": the library's version and CPU threading runtime. */
    static String version() {
        dnnl_version_t v = dnnl_version();
        String runtime = v.cpu_runtime() == DNNL_RUNTIME_OMP ? "OpenMP" : "runtime " + v.cpu_runtime();
        return v.major() + "." + v.minor() + "." + v.patch() + " (" + runtime + ")";
    }

    /** Throws naming {@code what} unless {@code status} is dnnl_success. */
    static void check(int status, String what) {
        if (status != dnnl_success) {
            throw new OneDnnException(what + " failed: " + statusName(status));
        }
    }

    private static String statusName(int status) {
        if (status == dnnl_out_of_memory) {
            return "dnnl_out_of_memory";
        } else if (status == dnnl_invalid_arguments) {
            return "dnnl_invalid_arguments";
        } else if (status == dnnl_unimplemented) {
            return "dnnl_unimplemented";
        } else if (status == dnnl_runtime_error) {
            return "dnnl_runtime_error";
        }
        return "status " + status;
    }

    /** A plain float32 descriptor with a format tag (dnnl_nchw, dnnl_oihw, dnnl_format_tag_any, ...). */
    static dnnl_memory_desc desc(long[] dims, int tag) {
        dnnl_memory_desc md = new dnnl_memory_desc();
        check(dnnl_memory_desc_create_with_tag(md, dims.length, dims, dnnl_f32, tag), "dnnl_memory_desc_create_with_tag");
        return md;
    }

    /** A float32 descriptor with explicit strides (in elements). */
    static dnnl_memory_desc desc(long[] dims, long[] strides) {
        dnnl_memory_desc md = new dnnl_memory_desc();
        check(dnnl_memory_desc_create_with_strides(md, dims.length, dims, dnnl_f32, strides),
                "dnnl_memory_desc_create_with_strides");
        return md;
    }

    /** A memory object over {@code md} with no handle yet (bound by {@link #bind} before each run). */
    dnnl_memory memory(dnnl_memory_desc md) {
        dnnl_memory m = new dnnl_memory();
        check(dnnl_memory_create(m, md, engine, null), "dnnl_memory_create");
        liveHandles++;
        return m;
    }

    /** Points {@code m} at {@code data} (a position-0 native buffer large enough for its descriptor). */
    static void bind(dnnl_memory m, Pointer data) {
        if (data.position() != 0) {
            throw new IllegalArgumentException("oneDNN handles must be position-0 pointers, got position " + data.position());
        }
        check(dnnl_memory_set_data_handle(m, data), "dnnl_memory_set_data_handle");
    }

    dnnl_primitive primitive(dnnl_primitive_desc pd, String what) {
        dnnl_primitive p = new dnnl_primitive();
        check(dnnl_primitive_create(p, pd), "dnnl_primitive_create(" + what + ")");
        liveHandles++;
        return p;
    }

    void destroy(dnnl_primitive p) {
        check(dnnl_primitive_destroy(p), "dnnl_primitive_destroy");
        liveHandles--;
    }

    void destroy(dnnl_memory m) {
        check(dnnl_memory_destroy(m), "dnnl_memory_destroy");
        liveHandles--;
    }

    /** Memory objects and primitives still alive (the leak test holds this flat over training and 0 after close). */
    int liveHandles() {
        return liveHandles;
    }

    /** A reorder from {@code from} to {@code to} (plain ⇄ blocked). */
    dnnl_primitive reorder(dnnl_memory_desc from, dnnl_memory_desc to) {
        dnnl_primitive_desc pd = new dnnl_primitive_desc();
        check(dnnl_reorder_primitive_desc_create(pd, from, engine, to, engine, null), "dnnl_reorder_primitive_desc_create");
        try {
            return primitive(pd, "reorder");
        } finally {
            check(dnnl_primitive_desc_destroy(pd), "dnnl_primitive_desc_destroy");
        }
    }

    /** Arguments of one primitive: pairs of DNNL_ARG_* and memory, prebuilt once. */
    static dnnl_exec_arg_t args(Object... argAndMemory) {
        int n = argAndMemory.length / 2;
        dnnl_exec_arg_t a = new dnnl_exec_arg_t(n);
        for (int i = 0; i < n; i++) {
            a.position(i).arg((Integer) argAndMemory[2 * i]).memory((dnnl_memory) argAndMemory[2 * i + 1]);
        }
        return a.position(0);
    }

    /** Runs {@code p} and waits for it (the CPU stream is in order; waiting keeps every op complete on return). */
    void execute(dnnl_primitive p, dnnl_exec_arg_t args, int count, String what) {
        check(dnnl_primitive_execute(p, stream, count, args), "dnnl_primitive_execute(" + what + ")");
        check(dnnl_stream_wait(stream), "dnnl_stream_wait(" + what + ")");
    }

    @Override
    public void close() {
        check(dnnl_stream_destroy(stream), "dnnl_stream_destroy");
        check(dnnl_engine_destroy(engine), "dnnl_engine_destroy");
    }
}
