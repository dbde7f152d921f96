/** DNS listeners: Netty UDP and TCP sockets per server block and bind address, and the event loops they run on. */
package io.kubeforward.server;
