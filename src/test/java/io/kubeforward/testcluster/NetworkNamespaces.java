package io.kubeforward.testcluster;

import java.io.IOException;
import java.lang.invoke.MethodHandle;
import java.lang.reflect.Array;
import java.lang.reflect.Method;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;

/**
 * {@code setns(2)} for the calling thread, through the Foreign Function API. The project compiles at release 21,
 * where that API is a preview, so it is reached by reflection; the test JVM (25) has it final, and the surefire
 * argLine already grants native access.
 */
final class NetworkNamespaces {

    private static final int CLONE_NEWNET = 0x40000000;

    private NetworkNamespaces() {
    }

    /** Moves the calling thread into the network namespace bound at {@code nsFile} (e.g. /run/netns/NAME). */
    static void join(Path nsFile) throws Exception {
        try (FileChannel channel = FileChannel.open(nsFile)) {
            int fd = descriptorOf(nsFile);
            int rc = setns(fd);
            if (rc != 0) {
                throw new IllegalStateException("setns(" + nsFile + ", CLONE_NEWNET) failed: needs root (CAP_SYS_ADMIN)");
            }
        }
    }

    private static int setns(int fd) {
        try {
            return (int) Setns.HANDLE.invokeExact(fd, CLONE_NEWNET);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable e) {
            throw new IllegalStateException("calling setns", e);
        }
    }

    /**
     * The descriptor number of the open namespace file: Java does not expose it, so find the entry of
     * /proc/self/fd that leads to the same file (device and inode).
     */
    private static int descriptorOf(Path nsFile) throws IOException {
        Object wanted = fileKey(nsFile);
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            return fds.filter(fd -> wanted.equals(fileKeyOrNull(fd)))
                    .map(fd -> Integer.parseInt(fd.getFileName().toString()))
                    .findFirst()
                    .orElseThrow(() -> new IOException("no open descriptor for " + nsFile));
        }
    }

    private static Object fileKey(Path file) throws IOException {
        return List.of(Files.getAttribute(file, "unix:dev"), Files.getAttribute(file, "unix:ino"));
    }

    private static @Nullable Object fileKeyOrNull(Path fd) {
        try {
            return fileKey(fd);
        } catch (IOException | UnsupportedOperationException e) {
            return null;
        }
    }

    /** {@code int setns(int fd, int nstype)}, bound once. */
    private static final class Setns {
        static final MethodHandle HANDLE = bind();

        private static MethodHandle bind() {
            try {
                Class<?> linkerType = Class.forName("java.lang.foreign.Linker");
                Class<?> layoutType = Class.forName("java.lang.foreign.MemoryLayout");
                Class<?> descriptorType = Class.forName("java.lang.foreign.FunctionDescriptor");
                Class<?> optionType = Class.forName("java.lang.foreign.Linker$Option");
                Object linker = linkerType.getMethod("nativeLinker").invoke(null);
                Object lookup = linkerType.getMethod("defaultLookup").invoke(linker);
                Optional<?> symbol = (Optional<?>) Class.forName("java.lang.foreign.SymbolLookup")
                        .getMethod("find", String.class).invoke(lookup, "setns");
                Object javaInt = Class.forName("java.lang.foreign.ValueLayout").getField("JAVA_INT").get(null);
                Object arguments = Array.newInstance(layoutType, 2);
                Array.set(arguments, 0, javaInt);
                Array.set(arguments, 1, javaInt);
                Object descriptor = descriptorType.getMethod("of", layoutType, arguments.getClass())
                        .invoke(null, javaInt, arguments);
                Method downcall = linkerType.getMethod("downcallHandle",
                        Class.forName("java.lang.foreign.MemorySegment"), descriptorType, Array.newInstance(optionType, 0).getClass());
                return (MethodHandle) downcall.invoke(linker,
                        symbol.orElseThrow(() -> new IllegalStateException("libc has no setns")),
                        descriptor, Array.newInstance(optionType, 0));
            } catch (ReflectiveOperationException e) {
                throw new IllegalStateException("the Foreign Function API is unavailable (needs Java >= 22): " + e, e);
            }
        }
    }
}
