package io.kubeforward.upstream;

import io.kubeforward.config.Policy;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;

/** The order in which a query tries the members of a pool. Implementations never modify {@code members}. */
public sealed interface SelectionPolicy {

    /** The members in the order to try them; may return {@code members} itself when the order is fixed. */
    Upstream[] order(Upstream[] members);

    static SelectionPolicy of(Policy policy) {
        return switch (policy) {
            case RANDOM -> new RandomOrder();
            case ROUND_ROBIN -> new RoundRobin();
            case SEQUENTIAL -> new Sequential();
            case LEAST_OUTSTANDING -> new LeastOutstanding();
        };
    }

    /** A fresh random permutation per query (CoreDNS {@code random}). */
    final class RandomOrder implements SelectionPolicy {
        @Override
        public Upstream[] order(Upstream[] members) {
            Upstream[] order = members.clone();
            ThreadLocalRandom random = ThreadLocalRandom.current();
            for (int i = order.length - 1; i > 0; i--) {
                int j = random.nextInt(i + 1);
                Upstream swap = order[i];
                order[i] = order[j];
                order[j] = swap;
            }
            return order;
        }
    }

    /** The declared order rotated by one on every query (CoreDNS {@code round_robin}). */
    final class RoundRobin implements SelectionPolicy {
        private final AtomicInteger next = new AtomicInteger();

        @Override
        public Upstream[] order(Upstream[] members) {
            int n = members.length;
            if (n <= 1) {
                return members;
            }
            int start = Math.floorMod(next.getAndIncrement(), n);
            Upstream[] order = new Upstream[n];
            for (int i = 0; i < n; i++) {
                order[i] = members[(start + i) % n];
            }
            return order;
        }
    }

    /** Always the declared order (CoreDNS {@code sequential}). */
    final class Sequential implements SelectionPolicy {
        @Override
        public Upstream[] order(Upstream[] members) {
            return members;
        }
    }

    /** Fewest queries in flight first, then the lowest smoothed round-trip time, then declared order. */
    final class LeastOutstanding implements SelectionPolicy {
        @Override
        public Upstream[] order(Upstream[] members) {
            Upstream[] order = members.clone();
            // Insertion sort: pools are small (at most a few dozen) and the array is nearly sorted.
            for (int i = 1; i < order.length; i++) {
                Upstream key = order[i];
                int keyInFlight = key.inFlight();
                long keyRtt = key.rttEwmaNanos();
                int j = i - 1;
                while (j >= 0 && isWorse(order[j], keyInFlight, keyRtt)) {
                    order[j + 1] = order[j];
                    j--;
                }
                order[j + 1] = key;
            }
            return order;
        }

        private static boolean isWorse(Upstream candidate, int inFlight, long rtt) {
            int candidateInFlight = candidate.inFlight();
            return candidateInFlight > inFlight || (candidateInFlight == inFlight && candidate.rttEwmaNanos() > rtt);
        }
    }
}
