package io.kubeforward.dns;

import io.netty.buffer.ByteBuf;

/**
 * Checks that an upstream's message answers the query we sent: a response, one question, and the
 * same question (name compared case-insensitively, type and class exactly). The ID and the source
 * address are checked by the exchange that owns the socket.
 */
public final class ReplyValidator {

    private ReplyValidator() {
    }

    /**
     * @param reply       the upstream's message
     * @param query       the query as sent (its question starts at {@link DnsQuery#NAME_START})
     * @param questionEnd offset just past the query's question
     */
    public static boolean answersQuestion(ByteBuf reply, ByteBuf query, int questionEnd) {
        if (reply.readableBytes() < questionEnd || !DnsHeader.isResponse(reply) || DnsHeader.questionCount(reply) != 1) {
            return false;
        }
        int replyBase = reply.readerIndex();
        int queryBase = query.readerIndex();
        int nameLength = questionEnd - 4 - DnsQuery.NAME_START;
        if (!ZoneTable.sameNameIgnoreCase(reply, replyBase + DnsQuery.NAME_START, query, queryBase + DnsQuery.NAME_START, nameLength)) {
            return false;
        }
        return reply.getInt(replyBase + questionEnd - 4) == query.getInt(queryBase + questionEnd - 4);
    }

    /** Offset just past the question of a validated query-shaped message, for probes we built ourselves. */
    public static int questionEnd(ByteBuf msg) throws MalformedMessageException {
        int base = msg.readerIndex();
        return QueryParser.skipName(msg, base, msg.readableBytes(), DnsQuery.NAME_START) + 4;
    }
}
