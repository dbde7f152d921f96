package io.kubeforward.scale;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;
import okhttp3.HttpUrl;
import okhttp3.Interceptor;
import okhttp3.Response;

/**
 * Every API request the simulated nodes make, as their HTTP clients see it: when it was sent, when its answer (the
 * response headers; for a watch, the start of the stream) came back, LIST or WATCH, the HTTP code or a failure, and
 * the {@code resourceVersion} asked for. The server's own {@code apiserver_request_total} is the authority for
 * totals; this adds the exact times, so the harness can draw LISTs per second and tell when each node watched again.
 */
final class RequestLog {

    static final int MAX_ENTRIES = 2_000_000;
    static final int FAILED = -1;

    /** One request: {@code code} is the HTTP status, or {@link #FAILED} when no answer came (refused, reset). */
    record Entry(int node, long sentNanos, long answeredNanos, boolean watch, int code, String resourceVersion) {
        boolean list() {
            return !watch;
        }
    }

    private final List<Entry> entries = new ArrayList<>();
    private final AtomicLong dropped = new AtomicLong();

    /** The interceptor for node {@code node}'s client. */
    Interceptor forNode(int node) {
        return chain -> {
            HttpUrl url = chain.request().url();
            boolean watch = "true".equals(url.queryParameter("watch"));
            String rv = url.queryParameter("resourceVersion");
            long sent = System.nanoTime();
            try {
                Response response = chain.proceed(chain.request());
                add(new Entry(node, sent, System.nanoTime(), watch, response.code(), rv == null ? "" : rv));
                return response;
            } catch (IOException | RuntimeException e) {
                add(new Entry(node, sent, System.nanoTime(), watch, FAILED, rv == null ? "" : rv));
                throw e;
            }
        };
    }

    private synchronized void add(Entry entry) {
        if (entries.size() < MAX_ENTRIES) {
            entries.add(entry);
        } else {
            dropped.incrementAndGet();
        }
    }

    /** The entries answered at or after {@code sinceNanos} that match {@code filter}, in the order they were logged. */
    synchronized List<Entry> since(long sinceNanos, Predicate<Entry> filter) {
        List<Entry> out = new ArrayList<>();
        for (Entry e : entries) {
            if (e.answeredNanos >= sinceNanos && filter.test(e)) {
                out.add(e);
            }
        }
        return out;
    }

    long dropped() {
        return dropped.get();
    }
}
