package io.kubeforward.testing;

import io.netty.util.ResourceLeakDetector;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Netty's leak detector, also recording each report so that {@link LeakCheckExtension} can fail the test
 * class that leaked. Installed for every test JVM with {@code -Dio.netty.customResourceLeakDetector}
 * (see pom.xml); test infrastructure, hence the static list.
 */
public final class RecordingLeakDetector<T> extends ResourceLeakDetector<T> {

    static final List<String> LEAKS = new CopyOnWriteArrayList<>();

    public RecordingLeakDetector(Class<?> resourceType, int samplingInterval) {
        super(resourceType, samplingInterval);
    }

    /** Netty looks for this constructor first (and logs an error when it is missing). */
    public RecordingLeakDetector(Class<?> resourceType, int samplingInterval, long maxActive) {
        super(resourceType, samplingInterval);
    }

    @Override
    protected void reportTracedLeak(String resourceType, String records) {
        LEAKS.add(resourceType + records);
        super.reportTracedLeak(resourceType, records);
    }

    @Override
    protected void reportUntracedLeak(String resourceType) {
        LEAKS.add(resourceType + " (untraced)");
        super.reportUntracedLeak(resourceType);
    }
}
