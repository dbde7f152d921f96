package io.kubeforward.discovery;

import com.google.gson.reflect.TypeToken;
import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.openapi.ApiException;
import io.kubernetes.client.openapi.apis.DiscoveryV1Api;
import io.kubernetes.client.openapi.models.V1EndpointSlice;
import io.kubernetes.client.openapi.models.V1EndpointSliceList;
import io.kubernetes.client.openapi.models.V1ObjectMeta;
import io.kubernetes.client.openapi.models.V1Status;
import io.kubernetes.client.util.Watch;
import java.io.IOException;
import java.lang.reflect.Type;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import okhttp3.Call;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Lists and watches the EndpointSlices of one Service (one namespace, label selector
 * {@code kubernetes.io/service-name=NAME}, never cluster-wide) on a thread of its own, keeps them, and calls
 * {@code onChange} after every change. Written for thousands of nodes watching one API server (docs/scale.md):
 *
 * <ul>
 *   <li>The first list asks for resourceVersion {@code 0}, which the API server answers from its watch cache.</li>
 *   <li>A watch the server ends (its timeout, 5–10 min, jittered) is resumed at once from the last resourceVersion.
 *       Bookmarks keep that version recent even when the Service does not change (the API server sends one about
 *       once a minute when other EndpointSlices changed: a version newer than the watch has seen).</li>
 *   <li>A watch that breaks (connection lost, API server gone) is resumed from the last resourceVersion after a
 *       {@link Backoff} wait with full jitter: a network blip or a restarted load balancer costs no LIST.</li>
 *   <li>Only a 410 Gone (the server no longer has that version, e.g. after it restarted) leads to a new LIST, after a
 *       random wait within {@link #RELIST_SPREAD}, so that a cluster's nodes do not relist in the same second; it asks for
 *       "not older than" the last version, which the watch cache serves without a read from etcd and which never goes
 *       back in time.</li>
 *   <li>429 Too Many Requests waits at least its Retry-After.</li>
 * </ul>
 * Through every failure the slices stay as they were (the pool keeps its endpoints). At most {@link #MAX_SLICES}
 * slices are kept. The informer of client-java did none of this: it relisted after every broken watch, one second
 * later on every node at once.
 */
final class EndpointSliceListerWatcher implements AutoCloseable {

    static final String SERVICE_NAME_LABEL = "kubernetes.io/service-name";
    /** Far more than any Service has (the EndpointSlice controller puts up to 100 endpoints in one); a bound on memory. */
    static final int MAX_SLICES = 1_000;
    /** Lists needed by every node at once (after an API server restart) are spread over this long. */
    static final Duration RELIST_SPREAD = Duration.ofSeconds(20);
    /** Watches last between this and twice this (client-go's and client-java's choice), so renewals spread out. */
    static final Duration WATCH_TIMEOUT = Duration.ofMinutes(5);
    /** A LIST that takes longer than this is abandoned and retried (the API server's own request timeout is 60 s). */
    static final Duration LIST_TIMEOUT = Duration.ofSeconds(60);
    /** A watch that ends by itself sooner than this, having delivered nothing, counts as a failure (no busy loop). */
    private static final Duration SHORT_WATCH = Duration.ofSeconds(1);
    private static final Type EVENT = new TypeToken<Watch.Response<V1EndpointSlice>>() { }.getType();
    private static final Logger log = LoggerFactory.getLogger(EndpointSliceListerWatcher.class);

    private final Supplier<ApiClient> clients;
    /** Taken from {@link #clients} on this watcher's thread when first needed (making it loads client-java's JSON layer). */
    private ApiClient client;
    private DiscoveryV1Api api;
    private final String namespace;
    private final String selector;
    private final WatchStatus status;
    private final Runnable onChange;
    private final Backoff backoff;
    private final Duration relistSpread;
    private final Duration watchTimeout;
    private final Thread thread;
    private volatile Map<String, V1EndpointSlice> slices = Map.of();
    private volatile boolean synced;
    private volatile boolean running = true;
    /** The request in flight (LIST, or a watch until it streams), to cancel on close. */
    private volatile Call inFlight;
    private volatile Watch<V1EndpointSlice> watch;
    /** The last resourceVersion seen (list, event or bookmark); null until the first list and after 410 Gone. */
    private volatile String resourceVersion;
    /** What the next LIST asks for: 0 first, then the last version ("not older than"), "" if the server has none that new. */
    private String listFrom = "0";
    private boolean tooManySlicesLogged;

    EndpointSliceListerWatcher(Supplier<ApiClient> clients, String namespace, String serviceName, WatchStatus status, Runnable onChange) {
        this(clients, namespace, serviceName, status, onChange, new Backoff(Backoff.INITIAL, Backoff.MAX), RELIST_SPREAD, WATCH_TIMEOUT);
    }

    /** With its timing given (tests): {@code watchTimeout} is the shortest watch the server is asked for. */
    EndpointSliceListerWatcher(Supplier<ApiClient> clients, String namespace, String serviceName, WatchStatus status,
            Runnable onChange, Backoff backoff, Duration relistSpread, Duration watchTimeout) {
        this.clients = clients;
        this.namespace = namespace;
        this.selector = SERVICE_NAME_LABEL + "=" + serviceName;
        this.status = status;
        this.onChange = onChange;
        this.backoff = backoff;
        this.relistSpread = relistSpread;
        this.watchTimeout = watchTimeout;
        this.thread = new Thread(this::run, "endpointslices-watch-" + serviceName);
        thread.setDaemon(true);
    }

    void start() {
        thread.start();
    }

    /** Whether the slices have been listed at least once. */
    boolean hasSynced() {
        return synced;
    }

    /** The resourceVersion a lost watch would resume from (tests, logs); empty when a LIST is needed first. */
    String resourceVersion() {
        String version = resourceVersion;
        return version == null ? "" : version;
    }

    /** The Service's slices as last seen (kept through failures). */
    List<V1EndpointSlice> slices() {
        return List.copyOf(slices.values());
    }

    private void run() {
        while (running) {
            try {
                if (client == null) {
                    client = clients.get();
                    api = new DiscoveryV1Api(client);
                }
                if (resourceVersion == null) {
                    list();
                }
                watch();
            } catch (GoneException e) {
                status.failed(e);
                // Gone for every node that watched this server: relist "not older than" it, but not all in one second.
                if (resourceVersion != null) {
                    listFrom = resourceVersion;
                }
                resourceVersion = null;
                pause(backoff.spread(relistSpread));
            } catch (ApiException | IOException | RuntimeException e) {
                if (!running) {
                    return;
                }
                status.failed(e);
                backoff.failed();
                pause(max(backoff.next(), retryAfter(e)));
            }
        }
    }

    private void list() throws ApiException {
        Call call = api.listNamespacedEndpointSlice(namespace).labelSelector(selector)
                .resourceVersion(listFrom.isEmpty() ? null : listFrom).buildCall(null);
        call.timeout().timeout(LIST_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        V1EndpointSliceList list;
        inFlight = call;
        try {
            list = client.<V1EndpointSliceList>execute(call, V1EndpointSliceList.class).getData();
        } catch (ApiException e) {
            if (e.getCode() == 410 || e.getCode() == 504 && String.valueOf(e.getResponseBody()).contains("Too large resource version")) {
                listFrom = ""; // the server cannot serve "not older than" that version: a consistent read next time
            }
            throw e;
        } finally {
            inFlight = null;
        }
        Map<String, V1EndpointSlice> listed = new LinkedHashMap<>();
        for (V1EndpointSlice slice : list.getItems()) {
            keep(listed, slice);
        }
        slices = Map.copyOf(listed);
        resourceVersion = list.getMetadata() == null ? null : list.getMetadata().getResourceVersion();
        if (resourceVersion == null || resourceVersion.isEmpty()) {
            resourceVersion = null;
            throw new IllegalStateException("the API server listed the EndpointSlices without a resourceVersion");
        }
        synced = true;
        backoff.succeeded();
        status.listed();
        onChange.run();
    }

    private void watch() throws ApiException, IOException, GoneException {
        long timeoutSeconds = watchTimeout.toSeconds() + ThreadLocalRandom.current().nextLong(watchTimeout.toSeconds() + 1);
        Call call = api.listNamespacedEndpointSlice(namespace).labelSelector(selector).resourceVersion(resourceVersion)
                .allowWatchBookmarks(true).watch(true).timeoutSeconds((int) timeoutSeconds).buildCall(null);
        long opened = System.nanoTime();
        boolean delivered = false;
        try (Watch<V1EndpointSlice> open = open(call)) {
            watch = open;
            if (!running) {
                return;
            }
            status.watching(resourceVersion);
            while (open.hasNext()) {
                apply(open.next());
                if (!delivered) {
                    delivered = true;
                    backoff.succeeded();
                }
            }
        } catch (RuntimeException e) {
            // client-java reports a broken stream as a RuntimeException around the IOException
            if (e.getCause() instanceof IOException io) {
                throw io;
            }
            throw e;
        } finally {
            watch = null;
        }
        if (!delivered && System.nanoTime() - opened < SHORT_WATCH.toNanos()) {
            throw new IOException("the API server ended the watch at once, without an event");
        }
        backoff.succeeded(); // ended by the server's timeout: resume at once from the last version
    }

    /** Starts a watch; a 410 answered as the HTTP status (rather than as an ERROR event) is Gone too. */
    private Watch<V1EndpointSlice> open(Call call) throws ApiException, GoneException {
        inFlight = call;
        try {
            return Watch.createWatch(client, call, EVENT);
        } catch (ApiException e) {
            if (e.getCode() == 410) {
                throw new GoneException(String.valueOf(e.getResponseBody()).strip());
            }
            throw e;
        } finally {
            inFlight = null;
        }
    }

    private void apply(Watch.Response<V1EndpointSlice> event) throws ApiException, GoneException {
        switch (event.type) {
            case "ADDED", "MODIFIED" -> {
                Map<String, V1EndpointSlice> next = new LinkedHashMap<>(slices);
                keep(next, event.object);
                changed(next, event.object);
            }
            case "DELETED" -> {
                Map<String, V1EndpointSlice> next = new LinkedHashMap<>(slices);
                next.remove(name(event.object));
                changed(next, event.object);
            }
            case "BOOKMARK" -> resourceVersion = versionOf(event.object);
            case "ERROR" -> {
                V1Status error = event.status;
                int code = error == null || error.getCode() == null ? 0 : error.getCode();
                String message = error == null ? "ERROR event without a status" : error.getReason() + ": " + error.getMessage();
                if (code == 410) {
                    throw new GoneException(message);
                }
                throw new ApiException(code, "watch ERROR event: " + message);
            }
            default -> log.debug("{}: ignoring watch event of type {}", namespace, event.type);
        }
    }

    private void changed(Map<String, V1EndpointSlice> next, V1EndpointSlice slice) {
        slices = Map.copyOf(next);
        resourceVersion = versionOf(slice);
        onChange.run();
    }

    private void keep(Map<String, V1EndpointSlice> into, V1EndpointSlice slice) {
        String name = name(slice);
        if (into.size() >= MAX_SLICES && !into.containsKey(name)) {
            if (!tooManySlicesLogged) {
                tooManySlicesLogged = true;
                log.error("{} in {}: more than {} EndpointSlices; ignoring the others", selector, namespace, MAX_SLICES);
            }
            return;
        }
        into.put(name, slice);
    }

    private static String name(V1EndpointSlice slice) {
        V1ObjectMeta meta = slice.getMetadata();
        return meta == null || meta.getName() == null ? "" : meta.getName();
    }

    private String versionOf(V1EndpointSlice slice) {
        V1ObjectMeta meta = slice == null ? null : slice.getMetadata();
        return meta == null || meta.getResourceVersion() == null || meta.getResourceVersion().isEmpty() ? resourceVersion
                : meta.getResourceVersion();
    }

    /** The server's Retry-After (429, 503) in seconds, if any. */
    private static Duration retryAfter(Exception error) {
        if (error instanceof ApiException api && api.getResponseHeaders() != null) {
            List<String> values = api.getResponseHeaders().get("Retry-After");
            if (values != null && !values.isEmpty()) {
                try {
                    return Duration.ofSeconds(Math.min(60, Long.parseLong(values.getFirst().strip())));
                } catch (NumberFormatException ignored) {
                    // an HTTP date: the backoff alone
                }
            }
        }
        return Duration.ZERO;
    }

    private static Duration max(Duration a, Duration b) {
        return a.compareTo(b) >= 0 ? a : b;
    }

    private void pause(Duration wait) {
        if (wait.isZero() || !running) {
            return;
        }
        try {
            Thread.sleep(wait);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            running = false;
        }
    }

    /** Stops the loop and closes the open watch; the slices stay readable. */
    @Override
    public void close() {
        running = false;
        Call call = inFlight;
        if (call != null) {
            call.cancel();
        }
        Watch<V1EndpointSlice> open = watch;
        if (open != null) {
            try {
                open.close();
            } catch (IOException | RuntimeException ignored) {
                // closing a stream that is already gone
            }
        }
        thread.interrupt();
        try {
            thread.join(TimeUnit.SECONDS.toMillis(5));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** 410 Gone: the API server no longer has the resourceVersion asked for; only a new LIST helps. */
    static final class GoneException extends Exception {
        GoneException(String message) {
            super("HTTP 410 Gone: " + message);
        }
    }
}
