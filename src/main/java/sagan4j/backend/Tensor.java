package sagan4j.backend;

/**
 * A typed, shaped handle to memory owned by one {@link Backend}: a Java array on the CPU backend, a
 * device allocation on CUDA. Layers see only this handle and the Backend; the storage behind it is the
 * backend's business. A tensor made by {@link #reshape} shares its parent's storage and does not free it.
 */
public final class Tensor implements AutoCloseable {
    /** What a backend keeps behind a tensor. */
    public interface Storage {
        /** Returns the memory to its owner; called once, when the owning tensor is closed. */
        void release();
    }

    private final Backend backend;
    private final Shape shape;
    private final DType dtype;
    private final Storage storage;
    private final Tensor parent;
    private boolean closed;

    Tensor(Backend backend, Shape shape, DType dtype, Storage storage, Tensor parent) {
        this.backend = backend;
        this.shape = shape;
        this.dtype = dtype;
        this.storage = storage;
        this.parent = parent;
    }

    public Backend backend() {
        return backend;
    }

    public Shape shape() {
        return shape;
    }

    public DType dtype() {
        return dtype;
    }

    public int rank() {
        return shape.rank();
    }

    public int dim(int i) {
        return shape.dim(i);
    }

    public long size() {
        return shape.size();
    }

    /** Bytes of memory this tensor covers. */
    public long bytes() {
        return shape.size() * dtype.bytes();
    }

    /** The backend's storage; only the owning backend calls this. */
    public <S extends Storage> S storage(Class<S> type) {
        if (isClosed()) {
            throw new IllegalStateException("tensor " + shape + " " + dtype.label() + " was already closed");
        }
        return type.cast(storage);
    }

    /** A tensor with another shape of the same element count over the same storage. */
    public Tensor reshape(int... dims) {
        Shape s = Shape.of(dims);
        if (s.size() != shape.size()) {
            throw new ShapeException("reshape: " + shape + " has " + shape.size() + " elements, "
                    + s + " has " + s.size());
        }
        return new Tensor(backend, s, dtype, storage, parent != null ? parent : this);
    }

    public boolean isClosed() {
        return closed || (parent != null && parent.isClosed());
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (parent == null) {
            storage.release();
        }
    }

    @Override
    public String toString() {
        return "Tensor" + shape + " " + dtype.label() + " on " + backend.name();
    }
}
