package io.kubeforward.testing;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.util.ResourceLeakDetector;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Fails a test class if Netty reported a leaked buffer while it ran. Registered for every test class by
 * JUnit's extension auto-detection (src/test/resources/META-INF/services). Leaks are found when the GC
 * collects an unreleased buffer and the detector next runs, so this collects and allocates a few times.
 */
public final class LeakCheckExtension implements AfterAllCallback {

    @Override
    public void afterAll(ExtensionContext context) throws InterruptedException {
        if (ResourceLeakDetector.getLevel() != ResourceLeakDetector.Level.PARANOID) {
            return;
        }
        for (int round = 0; round < 3 && RecordingLeakDetector.LEAKS.isEmpty(); round++) {
            System.gc();
            Thread.sleep(50);
            for (int i = 0; i < 100; i++) {
                ByteBuf probe = PooledByteBufAllocator.DEFAULT.directBuffer(16);
                probe.release();
            }
        }
        if (!RecordingLeakDetector.LEAKS.isEmpty()) {
            List<String> leaks = new ArrayList<>(RecordingLeakDetector.LEAKS);
            RecordingLeakDetector.LEAKS.clear();
            throw new AssertionError(context.getDisplayName() + " leaked " + leaks.size() + " Netty buffer(s):\n"
                    + String.join("\n---\n", leaks));
        }
    }
}
