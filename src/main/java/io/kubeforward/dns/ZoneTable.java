package io.kubeforward.dns;

import io.netty.buffer.ByteBuf;
import java.util.List;

/**
 * Finds the longest zone that a query name belongs to, comparing wire-format labels in place
 * (ASCII case-insensitive), so routing allocates nothing.
 */
public final class ZoneTable {

    private final byte[][] zones;

    /** @param normalizedZones lower-case absolute names such as {@code "cluster.local."} or {@code "."} */
    public ZoneTable(List<String> normalizedZones) {
        zones = new byte[normalizedZones.size()][];
        for (int i = 0; i < zones.length; i++) {
            zones[i] = DnsMessages.encodeName(normalizedZones.get(i));
        }
    }

    /**
     * Index of the longest zone containing the name at {@link DnsQuery#NAME_START} of {@code msg}, or -1.
     *
     * @param nameEnd offset just past the (uncompressed, validated) name
     */
    public int longestMatch(ByteBuf msg, int nameEnd) {
        int base = msg.readerIndex();
        int offset = DnsQuery.NAME_START;
        while (offset < nameEnd) {
            int suffixLength = nameEnd - offset;
            for (int z = 0; z < zones.length; z++) {
                if (zones[z].length == suffixLength && equalsIgnoreCase(msg, base + offset, zones[z])) {
                    return z; // the first match walking from the left is the longest suffix
                }
            }
            int labelLength = msg.getUnsignedByte(base + offset);
            if (labelLength == 0) {
                break;
            }
            offset += 1 + labelLength;
        }
        return -1;
    }

    /** Whether the name lies within {@code zone} (equal to it or below it). */
    public boolean contains(ByteBuf msg, int nameEnd) {
        return longestMatch(msg, nameEnd) >= 0;
    }

    private static boolean equalsIgnoreCase(ByteBuf msg, int from, byte[] lowerWire) {
        for (int i = 0; i < lowerWire.length; i++) {
            int b = msg.getByte(from + i);
            if (b >= 'A' && b <= 'Z') {
                b += 'a' - 'A';
            }
            if (b != lowerWire[i]) {
                return false;
            }
        }
        return true;
    }

    static boolean sameNameIgnoreCase(ByteBuf a, int aFrom, ByteBuf b, int bFrom, int length) {
        for (int i = 0; i < length; i++) {
            int x = a.getByte(aFrom + i);
            int y = b.getByte(bFrom + i);
            if (x != y) {
                if (x >= 'A' && x <= 'Z') {
                    x += 'a' - 'A';
                }
                if (y >= 'A' && y <= 'Z') {
                    y += 'a' - 'A';
                }
                if (x != y) {
                    return false;
                }
            }
        }
        return true;
    }
}
