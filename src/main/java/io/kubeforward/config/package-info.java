/**
 * Configuration: the immutable model ({@link io.kubeforward.config.KubeforwardConfig}) and the two sources
 * that feed it, a CoreDNS-style Corefile and Spring properties ({@code kubeforward.*}).
 */
package io.kubeforward.config;
