package io.kubeforward.discovery;

import com.google.gson.reflect.TypeToken;
import io.kubernetes.client.informer.ListerWatcher;
import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.openapi.ApiException;
import io.kubernetes.client.openapi.apis.DiscoveryV1Api;
import io.kubernetes.client.openapi.models.V1EndpointSlice;
import io.kubernetes.client.openapi.models.V1EndpointSliceList;
import io.kubernetes.client.util.CallGeneratorParams;
import io.kubernetes.client.util.Watch;
import io.kubernetes.client.util.Watchable;

/**
 * Lists and watches the EndpointSlices of one Service: one namespace, label selector
 * {@code kubernetes.io/service-name=NAME}, never cluster-wide. Waits with {@link Backoff} before calling
 * the API again after a failure (client-java's reflector alone would retry every second).
 */
final class EndpointSliceListerWatcher implements ListerWatcher<V1EndpointSlice, V1EndpointSliceList> {

    static final String SERVICE_NAME_LABEL = "kubernetes.io/service-name";

    private final ApiClient client;
    private final DiscoveryV1Api api;
    private final String namespace;
    private final String selector;
    private final WatchStatus status;
    private final Backoff backoff = new Backoff(Backoff.INITIAL, Backoff.MAX);

    EndpointSliceListerWatcher(ApiClient client, String namespace, String serviceName, WatchStatus status) {
        this.client = client;
        this.api = new DiscoveryV1Api(client);
        this.namespace = namespace;
        this.selector = SERVICE_NAME_LABEL + "=" + serviceName;
        this.status = status;
    }

    @Override
    public V1EndpointSliceList list(CallGeneratorParams params) throws ApiException {
        pauseAfterFailure();
        try {
            V1EndpointSliceList list = api.listNamespacedEndpointSlice(namespace).labelSelector(selector)
                    .resourceVersion(params.resourceVersion).timeoutSeconds(params.timeoutSeconds).execute();
            backoff.succeeded();
            status.listed();
            return list;
        } catch (ApiException | RuntimeException e) {
            failed(e);
            throw e;
        }
    }

    @Override
    public Watchable<V1EndpointSlice> watch(CallGeneratorParams params) throws ApiException {
        try {
            return Watch.createWatch(client, api.listNamespacedEndpointSlice(namespace).labelSelector(selector)
                            .resourceVersion(params.resourceVersion).watch(true).allowWatchBookmarks(true)
                            .timeoutSeconds(params.timeoutSeconds).buildCall(null),
                    new TypeToken<Watch.Response<V1EndpointSlice>>() { }.getType());
        } catch (ApiException | RuntimeException e) {
            failed(e);
            throw e;
        }
    }

    /** The informer's reflector reports watch errors here (including 410 Gone, which makes it relist). */
    void failed(Throwable error) {
        backoff.failed();
        status.failed(error);
    }

    private void pauseAfterFailure() throws ApiException {
        try {
            backoff.pause();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ApiException("interrupted");
        }
    }
}
