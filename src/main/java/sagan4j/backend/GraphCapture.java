package sagan4j.backend;

import java.util.function.Predicate;

/**
 * Capturing a region of queued work once and replaying it after that (CUDA graphs): a capability that only
 * some backends have, offered by {@link Backend#graphs()}. A region is work that queues the same operations on
 * the same tensors every time it runs with an equal key (so the key names what the work depends on, such as
 * the batch shape). Its inputs must be copied into fixed tensors before it runs and its results read from fixed
 * tensors after it; inside, it must not upload, download or synchronise.
 */
public interface GraphCapture {
    /** Runs {@code work}: captured once and replayed after that while capture is on, else just run. */
    void run(Object key, Runnable work);

    /** Turns capturing regions on or off (on by default); a region run while off just runs. */
    void setEnabled(boolean on);

    boolean enabled();

    /** Destroys the captured regions whose keys match (their owner is closing). */
    void drop(Predicate<Object> keys);

    /** What became of the region {@code key} (captured or why not), or null when it never ran. */
    String report(Object key);
}
