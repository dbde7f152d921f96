package io.kubeforward.scale;

import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.openapi.ApiException;
import io.kubernetes.client.openapi.apis.CoreV1Api;
import io.kubernetes.client.openapi.models.AuthenticationV1TokenRequest;
import io.kubernetes.client.openapi.models.V1TokenRequestSpec;
import io.kubernetes.client.util.ClientBuilder;
import io.kubernetes.client.util.KubeConfig;
import java.io.IOException;
import java.io.StringReader;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.SocketFactory;

/**
 * Makes each simulated node's own API client, as a real node has one: its own token for the ServiceAccount (minted
 * with the TokenRequest API, as the kubelet does for a pod), its own HTTP client and connection, and its requests
 * recorded in the {@link RequestLog}. Every node connects from {@link #NODE_SOURCE} (another loopback address), so the
 * harness can count and cut exactly the nodes' connections ({@code ss ... src 127.0.0.2}).
 */
final class NodeClients {

    static final InetAddress NODE_SOURCE = loopback("127.0.0.2");
    private static final Pattern TOKEN_LINE = Pattern.compile("(?m)^(\\s*token: ).*$");

    private final String kubeconfig;
    private final Path kubeconfigFile;
    private final CoreV1Api admin;
    private final String namespace;
    private final String serviceAccount;
    private final RequestLog log;

    /**
     * @param kubeconfigFile a token kubeconfig for {@code serviceAccount} (from {@code cluster kubeconfig-for})
     */
    NodeClients(Path kubeconfigFile, ApiClient admin, String namespace, String serviceAccount, RequestLog log) {
        try {
            this.kubeconfig = Files.readString(kubeconfigFile);
        } catch (IOException e) {
            throw new UncheckedIOException("reading " + kubeconfigFile, e);
        }
        if (!TOKEN_LINE.matcher(kubeconfig).find()) {
            throw new IllegalArgumentException(kubeconfigFile + ": no token (expected a kubeconfig from cluster kubeconfig-for)");
        }
        this.kubeconfigFile = kubeconfigFile;
        this.admin = new CoreV1Api(admin);
        this.namespace = namespace;
        this.serviceAccount = serviceAccount;
        this.log = log;
    }

    /** Node {@code node}'s client: a token of its own, a connection of its own. Not yet prepared for watching. */
    ApiClient create(int node) throws ApiException {
        String token = admin.createNamespacedServiceAccountToken(serviceAccount, namespace, new AuthenticationV1TokenRequest()
                .spec(new V1TokenRequestSpec().audiences(List.of()).expirationSeconds(48 * 3600L))).execute().getStatus().getToken();
        String text = TOKEN_LINE.matcher(kubeconfig).replaceFirst("$1" + Matcher.quoteReplacement(token));
        try {
            KubeConfig config = KubeConfig.loadKubeConfig(new StringReader(text));
            config.setFile(kubeconfigFile.toFile());
            ApiClient client = ClientBuilder.kubeconfig(config).build();
            client.setHttpClient(client.getHttpClient().newBuilder().socketFactory(new BoundSocketFactory(NODE_SOURCE))
                    .addInterceptor(log.forNode(node)).build());
            return client;
        } catch (IOException e) {
            throw new UncheckedIOException("client for node " + node, e);
        }
    }

    /** Closes a client's connections and threads (OkHttp keeps them otherwise). */
    static void shutDown(ApiClient client) {
        client.getHttpClient().dispatcher().executorService().shutdown();
        client.getHttpClient().connectionPool().evictAll();
    }

    private static InetAddress loopback(String address) {
        try {
            return InetAddress.getByName(address);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Sockets bound to one local address before they connect. */
    private static final class BoundSocketFactory extends SocketFactory {
        private final InetAddress source;

        BoundSocketFactory(InetAddress source) {
            this.source = source;
        }

        @Override
        public Socket createSocket() throws IOException {
            Socket socket = new Socket();
            socket.bind(new InetSocketAddress(source, 0));
            return socket;
        }

        @Override
        public Socket createSocket(String host, int port) throws IOException {
            return connected(new InetSocketAddress(host, port));
        }

        @Override
        public Socket createSocket(String host, int port, InetAddress localHost, int localPort) throws IOException {
            return connected(new InetSocketAddress(host, port));
        }

        @Override
        public Socket createSocket(InetAddress host, int port) throws IOException {
            return connected(new InetSocketAddress(host, port));
        }

        @Override
        public Socket createSocket(InetAddress address, int port, InetAddress localAddress, int localPort) throws IOException {
            return connected(new InetSocketAddress(address, port));
        }

        private Socket connected(InetSocketAddress target) throws IOException {
            Socket socket = createSocket();
            socket.connect(target);
            return socket;
        }
    }
}
