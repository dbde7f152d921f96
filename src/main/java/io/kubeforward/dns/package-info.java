/** DNS wire-format helpers for the hot path: read what is needed from raw bytes, never re-encode. */
package io.kubeforward.dns;
