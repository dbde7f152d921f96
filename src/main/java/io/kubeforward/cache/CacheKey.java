package io.kubeforward.cache;

import io.kubeforward.dns.DnsQuery;
import io.netty.buffer.ByteBuf;
import java.util.Arrays;

/**
 * What a reply is cached under: the question name's wire bytes in lower case, the type, the class, and the
 * query's DO and CD bits (a DNSSEC-aware or checking-disabled answer is a different answer).
 */
final class CacheKey {

    private static final int DNSSEC_OK = 1;
    private static final int CHECKING_DISABLED = 2;

    private final byte[] bytes;
    private final int hash;

    private CacheKey(byte[] bytes) {
        this.bytes = bytes;
        this.hash = Arrays.hashCode(bytes);
    }

    static CacheKey of(ByteBuf query, DnsQuery parsed) {
        int nameLength = parsed.nameEnd() - DnsQuery.NAME_START;
        byte[] bytes = new byte[nameLength + 5];
        query.getBytes(query.readerIndex() + DnsQuery.NAME_START, bytes, 0, nameLength);
        for (int i = 0; i < nameLength; i++) {
            // Label length bytes are at most 63, so only letters fall in this range.
            byte b = bytes[i];
            if (b >= 'A' && b <= 'Z') {
                bytes[i] = (byte) (b + ('a' - 'A'));
            }
        }
        bytes[nameLength] = (byte) (parsed.qtype() >>> 8);
        bytes[nameLength + 1] = (byte) parsed.qtype();
        bytes[nameLength + 2] = (byte) (parsed.qclass() >>> 8);
        bytes[nameLength + 3] = (byte) parsed.qclass();
        bytes[nameLength + 4] = (byte) ((parsed.dnssecOk() ? DNSSEC_OK : 0) | (parsed.checkingDisabled() ? CHECKING_DISABLED : 0));
        return new CacheKey(bytes);
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof CacheKey key && hash == key.hash && Arrays.equals(bytes, key.bytes);
    }

    @Override
    public int hashCode() {
        return hash;
    }

    @Override
    public String toString() {
        return "CacheKey" + Arrays.toString(bytes);
    }
}
