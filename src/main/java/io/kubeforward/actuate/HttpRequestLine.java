package io.kubeforward.actuate;

import java.util.List;
import java.util.Map;

/**
 * What the routes of an {@link HttpEndpointServer} see of a request: nothing here reads a body.
 *
 * @param method     the method, upper case ({@code HEAD} is answered as {@code GET} without the body)
 * @param path       the decoded path, without the query
 * @param parameters the query's parameters
 * @param accept     the {@code Accept} header, or empty
 */
public record HttpRequestLine(String method, String path, Map<String, List<String>> parameters, String accept) {

    boolean isRead() {
        return "GET".equals(method) || "HEAD".equals(method);
    }
}
