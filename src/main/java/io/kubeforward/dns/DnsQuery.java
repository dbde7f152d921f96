package io.kubeforward.dns;

/**
 * What the server needs to know about one client query, read from its raw bytes by {@link QueryParser}.
 * Offsets are relative to the start of the message.
 *
 * @param id              the client's message ID
 * @param flags           the header flags word
 * @param nameEnd         offset just past the question name
 * @param questionEnd     offset just past the question (name, type, class)
 * @param qtype           question type
 * @param qclass          question class
 * @param udpPayloadSize  largest UDP reply the client accepts: its EDNS size (at least 512), else 512
 * @param hasEdns         whether the query carries an OPT record
 * @param dnssecOk        the EDNS DO bit
 */
public record DnsQuery(
        int id,
        int flags,
        int nameEnd,
        int questionEnd,
        int qtype,
        int qclass,
        int udpPayloadSize,
        boolean hasEdns,
        boolean dnssecOk) {

    /** Where the question name starts: right after the header. */
    public static final int NAME_START = DnsHeader.LENGTH;

    public static final int MIN_UDP_PAYLOAD = 512;

    public boolean checkingDisabled() {
        return (flags & DnsHeader.FLAG_CD) != 0;
    }

    public boolean recursionDesired() {
        return (flags & DnsHeader.FLAG_RD) != 0;
    }
}
