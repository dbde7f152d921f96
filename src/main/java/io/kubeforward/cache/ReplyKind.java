package io.kubeforward.cache;

/** What a cacheable reply is, which decides the cache it goes to and how long it stays there. */
enum ReplyKind {
    /** NOERROR answering the question, or NOERROR with no answer and no SOA (CoreDNS): the success cache. */
    SUCCESS,
    /** NXDOMAIN or NODATA with an SOA (RFC 2308): the denial cache, for the SOA's negative TTL. */
    DENIAL,
    /** SERVFAIL: the denial cache, for the {@code servfail} duration only; never served stale. */
    SERVFAIL
}
