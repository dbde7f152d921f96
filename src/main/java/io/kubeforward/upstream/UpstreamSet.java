package io.kubeforward.upstream;

import java.util.Arrays;
import java.util.List;

/**
 * An immutable snapshot of a pool's members, read by the query path with one volatile read.
 *
 * @param members   the members in declaration (or discovery) order; the array is never modified
 * @param preferred the members in the node's topology zone (a subset of members), empty when there is no
 *                  zone preference; never modified
 * @param others    the members that are not preferred (all of them when there is no preference)
 * @param version   increases by one on every change
 */
public record UpstreamSet(Upstream[] members, Upstream[] preferred, Upstream[] others, long version) {

    public static final UpstreamSet EMPTY = new UpstreamSet(new Upstream[0], new Upstream[0], new Upstream[0], 0);

    /** Whether {@code upstream} is one of the preferred (zone-local) members. */
    public boolean isPreferred(Upstream upstream) {
        for (Upstream p : preferred) {
            if (p == upstream) {
                return true;
            }
        }
        return false;
    }

    public boolean isEmpty() {
        return members.length == 0;
    }

    public int size() {
        return members.length;
    }

    public List<Upstream> asList() {
        return List.of(members);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof UpstreamSet other && version == other.version && Arrays.equals(members, other.members)
                && Arrays.equals(preferred, other.preferred);
    }

    @Override
    public int hashCode() {
        return (Long.hashCode(version) * 31 + Arrays.hashCode(members)) * 31 + Arrays.hashCode(preferred);
    }

    @Override
    public String toString() {
        return "UpstreamSet" + Arrays.toString(members) + "@" + version;
    }
}
