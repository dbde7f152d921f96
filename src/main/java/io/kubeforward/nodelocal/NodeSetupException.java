package io.kubeforward.nodelocal;

/** A node setup step failed; the message names the command and what it printed. */
public final class NodeSetupException extends RuntimeException {

    public NodeSetupException(String message) {
        super(message);
    }
}
