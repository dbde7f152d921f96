package io.kubeforward;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The shipped jar runs with Spring AOT (bin/kubeforward: {@code -Dspring.aot.enabled=true}): its bean definitions,
 * conditions included, were fixed when the jar was built, with the default profile. A {@code @Conditional...} or
 * {@code @Profile} on kubeforward's own beans would therefore be decided at build time, not by the node's profile or
 * properties; those beans decide at run time instead (a {@code @Bean} method returning null, as node setup and the
 * readiness file do).
 */
class AotFrozenConditionsTest {

    private static final Path MAIN = Path.of("src/main/java/io/kubeforward");
    private static final Pattern CONDITION = Pattern.compile("^\\s*@(Conditional\\w*|Profile)\\b", Pattern.MULTILINE);

    @Test
    void noBeanOfKubeforwardDependsOnAConditionThatAotWouldFreeze() throws IOException {
        List<String> found = new ArrayList<>();
        try (Stream<Path> files = Files.walk(MAIN)) {
            for (Path file : files.filter(f -> f.toString().endsWith(".java")).toList()) {
                var matcher = CONDITION.matcher(Files.readString(file));
                while (matcher.find()) {
                    found.add(MAIN.relativize(file) + ": @" + matcher.group(1));
                }
            }
        }
        assertThat(found).as("conditions on kubeforward's beans (decided when the jar is built under Spring AOT)").isEmpty();
    }

    @Test
    void theScannerFindsAConditionOnALineOfItsOwn() {
        assertThat(CONDITION.matcher("class A {\n    @ConditionalOnProperty(\"x\")\n    @Bean B b() {}\n}").find()).isTrue();
        assertThat(CONDITION.matcher("/** not {@code @Profile} in a comment's text */").find()).isFalse();
    }
}
