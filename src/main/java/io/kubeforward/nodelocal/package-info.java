/**
 * Node setup as node-local-dns does it: a dummy interface holding the local IPs, and NOTRACK/ACCEPT rules so
 * that DNS to those IPs bypasses conntrack; added after the listeners serve, re-checked periodically,
 * removed on shutdown.
 */
package io.kubeforward.nodelocal;
