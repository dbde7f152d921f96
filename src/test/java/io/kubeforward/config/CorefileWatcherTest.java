package io.kubeforward.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

/**
 * The reload watcher starts from the content that was loaded, not from the file as it is when the watcher starts
 * (issue 15, item 6). {@code CorefileReloadTest} once missed a broken Corefile written right after a good reload:
 * the new watcher took the digest of the file at its own start, so a change written between the load and that
 * moment counted as applied. Here the change is written in exactly that window, on purpose.
 */
@ExtendWith(OutputCaptureExtension.class)
class CorefileWatcherTest {

    private static final ReloadOptions EVERY_2S = new ReloadOptions(Duration.ofSeconds(2), Duration.ZERO);
    private static final String GOOD = ".:1053 {\n    reload 2s 0s\n    forward . 127.0.0.1:5301\n}\n";
    private static final String OTHER = ".:1053 {\n    reload 2s 0s\n    forward . 127.0.0.1:5302\n}\n";
    private static final String BROKEN = ".:1053 {\n    reload 2s 0s\n    forward . not-an-address\n}\n";

    @TempDir
    Path dir;

    private final CorefileSource source = new CorefileSource(new EnvSubstitution(name -> Optional.empty()));

    @Test
    void theModelRemembersTheDigestOfTheBytesItWasReadFrom() throws Exception {
        Path file = Files.writeString(dir.resolve("Corefile"), GOOD);
        KubeforwardConfig loaded = source.load(file.toString()).config();
        assertThat(loaded.corefileSha256()).contains(ContentDigest.sha256(GOOD.getBytes()));
        assertThat(loaded.corefileSha256()).isNotEqualTo(Optional.of(ContentDigest.sha256(OTHER.getBytes())));
    }

    /** Writes {@link #GOOD}, loads it, then writes {@code change} (if any) before any watcher exists: the window. */
    private Loaded loadThenChange(String change) throws Exception {
        Path file = Files.writeString(dir.resolve("Corefile"), GOOD);
        String loaded = source.load(file.toString()).config().corefileSha256().orElseThrow();
        if (change != null) {
            Files.writeString(file, change);
        }
        return new Loaded(file, loaded);
    }

    private record Loaded(Path file, String sha256) {
    }

    @Test
    void aValidChangeWrittenBetweenTheLoadAndTheWatchersStartIsApplied() throws Exception {
        Loaded loaded = loadThenChange(OTHER);
        CountDownLatch applied = new CountDownLatch(1);
        try (CorefileWatcher watcher = new CorefileWatcher(loaded.file(), EVERY_2S, loaded.sha256(), applied::countDown)) {
            watcher.start();
            assertThat(applied.await(10, TimeUnit.SECONDS)).as("the change was applied").isTrue();
        }
    }

    @Test
    void aBrokenChangeWrittenInThatWindowIsReportedOnce(CapturedOutput output) throws Exception {
        Loaded loaded = loadThenChange(BROKEN);
        CountDownLatch applied = new CountDownLatch(1);
        try (CorefileWatcher watcher = new CorefileWatcher(loaded.file(), EVERY_2S, loaded.sha256(), applied::countDown)) {
            watcher.start();
            await().atMost(Duration.ofSeconds(10)).until(() -> output.getAll().contains("changed but is not valid"));
            Thread.sleep(EVERY_2S.interval().toMillis() + 500); // one more check: the same broken content is not reported again
        }
        assertThat(applied.getCount()).as("nothing applied").isEqualTo(1);
        assertThat(output.getAll()).containsOnlyOnce("changed but is not valid")
                .contains(loaded.file() + ":3: forward: ");
    }

    @Test
    void theLoadedContentUnchangedIsNeverReapplied() throws Exception {
        Loaded loaded = loadThenChange(null);
        CountDownLatch applied = new CountDownLatch(1);
        try (CorefileWatcher watcher = new CorefileWatcher(loaded.file(), EVERY_2S, loaded.sha256(), applied::countDown)) {
            watcher.start();
            assertThat(applied.await(EVERY_2S.interval().toMillis() + 1500, TimeUnit.MILLISECONDS)).isFalse();
        }
    }
}
