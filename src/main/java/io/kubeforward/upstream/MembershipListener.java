package io.kubeforward.upstream;

/** Told when a pool gains or loses a member (health checks and metrics follow membership). */
public interface MembershipListener {

    void added(Upstream upstream);

    void removed(Upstream upstream);
}
