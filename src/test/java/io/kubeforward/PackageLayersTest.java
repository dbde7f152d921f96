package io.kubeforward;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Which package of {@code src/main/java/io/kubeforward} uses which, read from the sources (imports and fully
 * qualified names in code; comments and string literals do not count). The listener package {@code server} sits
 * above {@code forward}, {@code upstream} and {@code cache}; the event loops they share live in {@code eventloop},
 * below all of them (issue 15, item 5).
 */
class PackageLayersTest {

    private static final Path MAIN = Path.of("src/main/java/io/kubeforward");
    private static final Pattern REFERENCE = Pattern.compile("\\bio\\.kubeforward\\.([a-z]+)\\.");

    @Test
    void forwardUpstreamCacheAndTheEventLoopsNeverUseTheListenerPackage() {
        Map<String, Set<String>> uses = packageGraph();
        assertThat(uses).containsKeys("server", "forward", "upstream", "cache", "eventloop");
        for (String lower : List.of("forward", "upstream", "cache", "eventloop")) {
            assertThat(uses.get(lower)).as("packages used by %s", lower).doesNotContain("server");
        }
    }

    @Test
    void theEventLoopsUseNoOtherPackageOfKubeforward() {
        assertThat(packageGraph().get("eventloop")).isEmpty();
    }

    @Test
    void noTwoPackagesUseEachOtherEvenThroughOthers() {
        assertThat(cycle(packageGraph())).as("a cycle of package uses").isEmpty();
    }

    /** The scanner itself: an import and an inline name count; the file's own package, comments and strings do not. */
    @Test
    void theScannerSeesImportsAndQualifiedNamesButNotCommentsOrStrings() {
        String source = """
                package io.kubeforward.forward;
                import io.kubeforward.dns.DnsQuery;
                /** See {@link io.kubeforward.actuate.UpstreamsEndpoint}. */
                class X { // io.kubeforward.metrics.Gone
                    Object a = io.kubeforward.config.IpText.class;
                    String b = "io.kubeforward.discovery.Nope";
                    Object c = new io.kubeforward.forward.X();
                }
                """;
        assertThat(references(source, "forward")).containsExactlyInAnyOrder("dns", "config");
    }

    private static Map<String, Set<String>> packageGraph() {
        Map<String, Set<String>> graph = new TreeMap<>();
        try (Stream<Path> files = Files.walk(MAIN)) {
            for (Path file : files.filter(f -> f.toString().endsWith(".java")).toList()) {
                Path relative = MAIN.relativize(file);
                if (relative.getNameCount() < 2) {
                    continue; // the application's wiring in io.kubeforward itself may use everything
                }
                String pkg = relative.getName(0).toString();
                graph.computeIfAbsent(pkg, k -> new TreeSet<>()).addAll(references(Files.readString(file), pkg));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return graph;
    }

    /** The packages of kubeforward that {@code source} (a file of package {@code own}) refers to in its code. */
    static Set<String> references(String source, String own) {
        Set<String> found = new TreeSet<>();
        Matcher m = REFERENCE.matcher(codeOnly(source));
        while (m.find()) {
            found.add(m.group(1));
        }
        found.remove(own);
        return found;
    }

    /** {@code source} with comments, string and character literals (and text blocks) blanked out. */
    private static String codeOnly(String source) {
        StringBuilder out = new StringBuilder(source.length());
        int i = 0;
        while (i < source.length()) {
            if (source.startsWith("//", i)) {
                int end = source.indexOf('\n', i);
                i = end < 0 ? source.length() : end;
            } else if (source.startsWith("/*", i)) {
                int end = source.indexOf("*/", i + 2);
                i = end < 0 ? source.length() : end + 2;
            } else if (source.startsWith("\"\"\"", i)) {
                int end = source.indexOf("\"\"\"", i + 3);
                i = end < 0 ? source.length() : end + 3;
            } else if (source.charAt(i) == '"' || source.charAt(i) == '\'') {
                char quote = source.charAt(i++);
                while (i < source.length() && source.charAt(i) != quote && source.charAt(i) != '\n') {
                    i += source.charAt(i) == '\\' ? 2 : 1;
                }
                i++;
            } else {
                out.append(source.charAt(i++));
                continue;
            }
            out.append(' ');
        }
        return out.toString();
    }

    /** A path a → b → ... → a through {@code graph}, if there is one. */
    private static Optional<List<String>> cycle(Map<String, Set<String>> graph) {
        for (String start : graph.keySet()) {
            Optional<List<String>> found = pathBack(graph, start, start, new ArrayList<>(List.of(start)), new TreeSet<>());
            if (found.isPresent()) {
                return found;
            }
        }
        return Optional.empty();
    }

    private static Optional<List<String>> pathBack(Map<String, Set<String>> graph, String start, String at, List<String> path,
            Set<String> visited) {
        for (String next : graph.getOrDefault(at, Set.of())) {
            if (next.equals(start)) {
                List<String> cycle = new ArrayList<>(path);
                cycle.add(start);
                return Optional.of(cycle);
            }
            if (visited.add(next)) {
                path.add(next);
                Optional<List<String>> found = pathBack(graph, start, next, path, visited);
                if (found.isPresent()) {
                    return found;
                }
                path.remove(path.size() - 1);
            }
        }
        return Optional.empty();
    }
}
