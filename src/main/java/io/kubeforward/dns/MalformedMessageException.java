package io.kubeforward.dns;

/**
 * A message that does not follow the wire format. Thrown for client input on purpose (without a stack
 * trace, since hostile input is expected and cheap to produce); {@link #rcode()} says how to answer.
 */
public final class MalformedMessageException extends Exception {

    /** Not answerable at all: shorter than a header, or a response sent to us. Dropped silently. */
    public static final int DROP = -1;

    private final int rcode;

    public MalformedMessageException(String message, int rcode) {
        super(message, null, false, false);
        this.rcode = rcode;
    }

    /** The rcode to answer with ({@link Rcodes#FORMERR}, {@link Rcodes#NOTIMP}) or {@link #DROP}. */
    public int rcode() {
        return rcode;
    }
}
