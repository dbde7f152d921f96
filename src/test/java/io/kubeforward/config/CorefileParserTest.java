package io.kubeforward.config;

import static org.assertj.core.api.Assertions.assertThat;

import io.kubeforward.config.Corefile.Directive;
import io.kubeforward.config.Corefile.Key;
import io.kubeforward.config.Corefile.ServerBlockSyntax;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class CorefileParserTest {

    private static Corefile parse(String text) {
        return new CorefileParser("Corefile").parse(
                new CorefileLexer("Corefile", new EnvSubstitution(name -> Optional.empty())).tokenize(text));
    }

    @Test
    void readsServerBlocksDirectivesArgumentsAndNestedBlocks() {
        Corefile corefile = parse("""
                .:53 {
                    errors
                    forward . 1.1.1.1 8.8.8.8 {
                        max_fails 3
                        health_check 1s no_rec
                    }
                }
                example.org {
                }
                """);
        assertThat(corefile.serverBlocks()).hasSize(2);
        ServerBlockSyntax first = corefile.serverBlocks().get(0);
        assertThat(first.keys()).containsExactly(new Key(".:53", "Corefile:1"));
        assertThat(first.directives()).containsExactly(
                new Directive("errors", List.of(), "Corefile:2", false, List.of()),
                new Directive("forward", List.of(".", "1.1.1.1", "8.8.8.8"), "Corefile:3", true, List.of(
                        new Directive("max_fails", List.of("3"), "Corefile:4", false, List.of()),
                        new Directive("health_check", List.of("1s", "no_rec"), "Corefile:5", false, List.of()))));
        assertThat(corefile.serverBlocks().get(1).directives()).isEmpty();
        assertThat(corefile.serverBlocks().get(1).location()).isEqualTo("Corefile:8");
    }

    @Test
    void keysMaySpanLinesAfterATrailingCommaOrBeSeparatedByCommas() {
        Corefile corefile = parse("a.local,\n  b.local, c.local d.local {\n}\n");
        assertThat(corefile.serverBlocks().get(0).keys()).extracting(Key::text)
                .containsExactly("a.local", "b.local", "c.local", "d.local");
        assertThat(corefile.serverBlocks().get(0).keys()).extracting(Key::location)
                .containsExactly("Corefile:1", "Corefile:2", "Corefile:2", "Corefile:2");
    }

    @Test
    void aBlockMayOpenAndCloseOnOneLine() {
        Corefile corefile = parse(". { forward . 1.1.1.1 { force_tcp } }\n");
        Directive forward = corefile.serverBlocks().get(0).directives().get(0);
        assertThat(forward.args()).containsExactly(".", "1.1.1.1");
        assertThat(forward.block()).extracting(Directive::name).containsExactly("force_tcp");
    }

    @Test
    void anEmptyBlockIsStillABlock() {
        Directive cache = parse(". {\n cache {\n }\n}").serverBlocks().get(0).directives().get(0);
        assertThat(cache.hasBlock()).isTrue();
        assertThat(cache.block()).isEmpty();
    }

    @Test
    void aQuotedArgumentSpanningLinesKeepsTheRestOfItsLastLineAsArguments() {
        Directive d = parse(". {\n log \"a\nb\" c\n d\n}").serverBlocks().get(0).directives().get(0);
        assertThat(d.args()).containsExactly("a\nb", "c");
    }

    @Test
    void anEmptyFileHasNoServerBlocks() {
        assertThat(parse("# only a comment\n\n").serverBlocks()).isEmpty();
    }
}
