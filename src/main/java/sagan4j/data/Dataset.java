package sagan4j.data;

/**
 * Images with labels, indexed 0..size−1, as {@code torch.utils.data.Dataset}: what a {@link DataLoader}
 * draws from in the order a {@link Sampler} gives. {@link ImageSet} is the in-memory one that every reader
 * ({@link FashionMnist}, {@link Cifar10}, {@link ImageFolder}, {@link Synthetic}) produces.
 */
public interface Dataset {
    /** For logs and messages (e.g. "fashion-mnist train"). */
    String name();

    int size();

    /** Labels lie in [0, classes). */
    int classes();

    /** Image {@code i} and its label. */
    Example get(int i);
}
