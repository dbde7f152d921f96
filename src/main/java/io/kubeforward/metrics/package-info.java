/** Micrometer meters, owned per component and resolved ahead of time so the query path only increments. */
package io.kubeforward.metrics;
