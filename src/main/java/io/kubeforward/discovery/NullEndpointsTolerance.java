package io.kubeforward.discovery;

import com.google.gson.Gson;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.TypeAdapter;
import com.google.gson.TypeAdapterFactory;
import com.google.gson.reflect.TypeToken;
import com.google.gson.stream.JsonReader;
import com.google.gson.stream.JsonWriter;
import io.kubernetes.client.openapi.JSON;
import io.kubernetes.client.openapi.models.V1EndpointSlice;
import io.kubernetes.client.openapi.models.V1EndpointSliceList;
import java.io.IOException;

/**
 * Works around client-java 24 rejecting an EndpointSlice whose {@code endpoints} is {@code null} — what the API
 * server returns for a Service scaled to zero. Without this the list and watch fail to parse, the watch loop can
 * never resync, and kubeforward would keep the old endpoints forever. Patches {@code null} to {@code []} before
 * client-java's own validation. client-java's JSON is process-wide, so this is installed once, there.
 */
final class NullEndpointsTolerance implements TypeAdapterFactory {

    private static final Object LOCK = new Object();
    private static boolean installed;

    static void install() {
        synchronized (LOCK) {
            if (!installed) {
                JSON.setGson(JSON.getGson().newBuilder().registerTypeAdapterFactory(new NullEndpointsTolerance()).create());
                installed = true;
            }
        }
    }

    @Override
    public <T> TypeAdapter<T> create(Gson gson, TypeToken<T> type) {
        Class<? super T> raw = type.getRawType();
        if (raw != V1EndpointSlice.class && raw != V1EndpointSliceList.class) {
            return null;
        }
        TypeAdapter<T> delegate = gson.getDelegateAdapter(this, type);
        TypeAdapter<JsonElement> elements = gson.getAdapter(JsonElement.class);
        boolean list = raw == V1EndpointSliceList.class;
        return new TypeAdapter<>() {
            @Override
            public void write(JsonWriter out, T value) throws IOException {
                delegate.write(out, value);
            }

            @Override
            public T read(JsonReader in) throws IOException {
                JsonElement tree = elements.read(in);
                if (list && tree.isJsonObject() && tree.getAsJsonObject().get("items") instanceof JsonArray items) {
                    items.forEach(NullEndpointsTolerance::patch);
                } else {
                    patch(tree);
                }
                return delegate.fromJsonTree(tree);
            }
        };
    }

    private static void patch(JsonElement slice) {
        if (slice instanceof JsonObject object && (!object.has("endpoints") || object.get("endpoints").isJsonNull())) {
            object.add("endpoints", new JsonArray());
        }
    }
}
