package io.kubeforward.scale;

import io.kubernetes.client.openapi.ApiClient;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import okhttp3.Request;
import okhttp3.Response;
import okhttp3.ResponseBody;

/**
 * The API server's own {@code /metrics} (Prometheus text), read as admin. Only the series the report uses are kept,
 * and of those only the ones about EndpointSlices (a scrape is over a megabyte of text).
 */
final class ApiServerMetrics {

    static final Set<String> NAMES = Set.of("apiserver_request_total", "apiserver_longrunning_requests",
            "apiserver_cache_list_total", "apiserver_storage_list_total", "apiserver_watch_cache_consistent_read_total",
            "apiserver_watch_events_total", "apiserver_watch_cache_initializations_total", "watch_cache_capacity");

    private final ApiClient admin;

    ApiServerMetrics(ApiClient admin) {
        this.admin = admin;
    }

    /** One series: its name, labels and value. */
    record Series(String name, Map<String, String> labels, double value) {
    }

    /** Every kept series at one moment. */
    record Snapshot(List<Series> series) {

        /** The sum over the series named {@code name} whose labels include every pair of {@code match}. */
        double sum(String name, Map<String, String> match) {
            return series.stream().filter(s -> s.name.equals(name) && s.labels.entrySet().containsAll(match.entrySet()))
                    .mapToDouble(Series::value).sum();
        }

        /** Requests to the EndpointSlice API by verb and HTTP code, e.g. {@code LIST 200}. */
        Map<String, Double> endpointSliceRequests() {
            Map<String, Double> byVerb = new HashMap<>();
            for (Series s : series) {
                if (s.name.equals("apiserver_request_total")) {
                    byVerb.merge(s.labels.get("verb") + " " + s.labels.get("code"), s.value, Double::sum);
                }
            }
            return byVerb;
        }
    }

    Snapshot scrape() {
        Request request = new Request.Builder().url(admin.getBasePath() + "/metrics").build();
        try (Response response = admin.getHttpClient().newCall(request).execute(); ResponseBody body = response.body()) {
            if (!response.isSuccessful() || body == null) {
                throw new IllegalStateException("GET /metrics: HTTP " + response.code());
            }
            return parse(body.string());
        } catch (IOException e) {
            throw new UncheckedIOException("GET /metrics", e);
        }
    }

    static Snapshot parse(String text) {
        List<Series> kept = new ArrayList<>();
        for (String line : text.split("\n")) {
            if (line.isEmpty() || line.charAt(0) == '#') {
                continue;
            }
            int brace = line.indexOf('{');
            int space = line.lastIndexOf(' ');
            String name = brace > 0 ? line.substring(0, brace) : line.substring(0, space);
            if (!NAMES.contains(name)) {
                continue;
            }
            Map<String, String> labels = brace > 0 ? labels(line.substring(brace + 1, line.lastIndexOf('}'))) : Map.of();
            if (!"endpointslices".equals(labels.get("resource"))) {
                continue;
            }
            kept.add(new Series(name, labels, Double.parseDouble(line.substring(space + 1))));
        }
        return new Snapshot(List.copyOf(kept));
    }

    private static Map<String, String> labels(String text) {
        Map<String, String> labels = new HashMap<>();
        int i = 0;
        while (i < text.length()) {
            int eq = text.indexOf('=', i);
            int open = eq + 1; // a quote
            int close = text.indexOf('"', open + 1);
            while (text.charAt(close - 1) == '\\') {
                close = text.indexOf('"', close + 1);
            }
            labels.put(text.substring(i, eq), text.substring(open + 1, close));
            i = close + 1;
            if (i < text.length() && text.charAt(i) == ',') {
                i++;
            }
        }
        return labels;
    }
}
