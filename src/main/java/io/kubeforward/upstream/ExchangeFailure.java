package io.kubeforward.upstream;

/** Why an exchange with an upstream produced no usable reply. */
public enum ExchangeFailure {
    /** No valid reply within the attempt's timeout. */
    TIMEOUT,
    /** The upstream refused the connection (TCP RST or ICMP port unreachable) or could not be reached. */
    CONNECTION_REFUSED,
    /** The connection closed before the reply arrived. */
    CONNECTION_CLOSED,
    /** The query could not be written. */
    WRITE_FAILED,
    /** Too many queries in flight on this socket; the next upstream should be tried. */
    OVERLOADED,
    /** The upstream left the pool while the query was in flight. */
    REMOVED
}
