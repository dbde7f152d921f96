/** Forwarding: route a query to its rule, try upstreams in policy order within a deadline, relay the reply. */
package io.kubeforward.forward;
