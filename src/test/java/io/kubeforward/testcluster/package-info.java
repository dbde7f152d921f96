/**
 * The cluster test tier: a real kube-apiserver and etcd on loopback ({@link io.kubeforward.testcluster.RealKubernetesCluster}),
 * and network-namespace test hosts ({@link io.kubeforward.testcluster.NetnsTestHost}) for addresses the API server
 * accepts in EndpointSlices, which loopback addresses are not. See docs/testing.md.
 */
@NullMarked
package io.kubeforward.testcluster;

import org.jspecify.annotations.NullMarked;
