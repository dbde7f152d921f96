package io.kubeforward.discovery;

import java.util.random.RandomGenerator;

/** A "random" source whose every bounded draw is the largest possible: backoff waits become exactly their bounds. */
final class LongestJitter implements RandomGenerator {

    @Override
    public long nextLong() {
        throw new UnsupportedOperationException("only bounded draws");
    }

    @Override
    public long nextLong(long bound) {
        return bound - 1;
    }
}
