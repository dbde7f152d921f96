package io.kubeforward.upstream;

import io.netty.buffer.ByteBuf;

/** Receives the outcome of one exchange, on the event loop that started it. Exactly one method is called once. */
public interface ExchangeListener {

    /**
     * A reply that came from the upstream's address, carries the ID we sent and answers our question.
     * Ownership of {@code reply} passes to the listener. Its ID is still the upstream query ID.
     */
    void onReply(ByteBuf reply);

    void onFailure(ExchangeFailure failure);
}
