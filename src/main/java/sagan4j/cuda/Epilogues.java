package sagan4j.cuda;

import sagan4j.backend.Backend;

/** The activation codes of kernels/epilogue.cu (EPI_RELU, EPI_LEAKY_RELU, EPI_TANH). */
final class Epilogues {
    static final int RELU = 0;
    static final int LEAKY_RELU = 1;
    static final int TANH = 2;

    private Epilogues() {
    }

    static int code(Backend.Activation f) {
        return switch (f) {
            case RELU -> RELU;
            case LEAKY_RELU -> LEAKY_RELU;
            case TANH -> TANH;
        };
    }
}
