package io.kubeforward.server;

import java.util.List;

/**
 * Published once every DNS listener is bound and serving.
 *
 * @param listeners what was bound
 */
public record ListenersReadyEvent(List<BoundListener> listeners) {
}
