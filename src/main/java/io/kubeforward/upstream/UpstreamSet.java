package io.kubeforward.upstream;

import java.util.Arrays;
import java.util.List;

/**
 * An immutable snapshot of a pool's members, read by the query path with one volatile read.
 *
 * @param members the members in declaration (or discovery) order; the array is never modified
 * @param version increases by one on every change
 */
public record UpstreamSet(Upstream[] members, long version) {

    public static final UpstreamSet EMPTY = new UpstreamSet(new Upstream[0], 0);

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
        return o instanceof UpstreamSet other && version == other.version && Arrays.equals(members, other.members);
    }

    @Override
    public int hashCode() {
        return Long.hashCode(version) * 31 + Arrays.hashCode(members);
    }

    @Override
    public String toString() {
        return "UpstreamSet" + Arrays.toString(members) + "@" + version;
    }
}
