/** DNS listeners: Netty UDP and TCP sockets per server block and bind address (on the shared {@code eventloop}s). */
package io.kubeforward.server;
