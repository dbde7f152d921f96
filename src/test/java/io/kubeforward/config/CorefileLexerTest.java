package io.kubeforward.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class CorefileLexerTest {

    private static final Map<String, String> ENV = Map.of("UPSTREAM", "10.0.0.10", "ZONE", "cluster.local",
            "SPACED", "a b");

    private static List<CorefileToken> tokenize(String text) {
        return new CorefileLexer("Corefile", new EnvSubstitution(name -> Optional.ofNullable(ENV.get(name))))
                .tokenize(text);
    }

    private static List<String> texts(String text) {
        return tokenize(text).stream().map(CorefileToken::text).toList();
    }

    static Stream<Arguments> splitsWordsAsCoreDns() {
        return Stream.of(
                Arguments.of("a b\tc", List.of("a", "b", "c")),
                Arguments.of("a # comment { }\nb", List.of("a", "b")),
                Arguments.of("a#comment right after a word", List.of("a")),
                Arguments.of("\"quoted word\" x", List.of("quoted word", "x")),
                Arguments.of("\"esc \\\" quote\"", List.of("esc \" quote")),
                Arguments.of("\"back\\\\slash\"", List.of("back\\slash")),
                Arguments.of("\"keep \\n\"", List.of("keep \\n")),
                Arguments.of("\"\"", List.of("")),
                Arguments.of("\"# not a comment\"", List.of("# not a comment")),
                Arguments.of("`raw \\\" {$UPSTREAM}`", List.of("raw \\\" {$UPSTREAM}")),
                Arguments.of("a\"b\"", List.of("a\"b\"")),
                Arguments.of("{$UPSTREAM}:53", List.of("10.0.0.10:53")),
                Arguments.of("{%ZONE%}:53", List.of("cluster.local:53")),
                Arguments.of("x{$MISSING}y", List.of("xy")),
                Arguments.of("\"{$SPACED}\" {$SPACED}", List.of("a b", "a b")),
                Arguments.of("{ } {", List.of("{", "}", "{")),
                Arguments.of("a\r\nb", List.of("a", "b")));
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @MethodSource
    void splitsWordsAsCoreDns(String text, List<String> expected) {
        assertThat(texts(text)).isEqualTo(expected);
    }

    @Test
    void tracksTheLineOfEveryToken() {
        List<CorefileToken> tokens = tokenize(".:53 {\n  # comment\n  forward . \"1.1.1.1\"\n}\n");
        assertThat(tokens).extracting(CorefileToken::line).containsExactly(1, 1, 3, 3, 3, 4);
    }

    @Test
    void aQuotedStringSpanningLinesEndsOnItsLastLine() {
        List<CorefileToken> tokens = tokenize("a \"x\ny\" b\nc `r\n\ns` d");
        assertThat(tokens).extracting(CorefileToken::text).containsExactly("a", "x\ny", "b", "c", "r\n\ns", "d");
        assertThat(tokens).extracting(CorefileToken::line).containsExactly(1, 1, 2, 3, 3, 5);
        assertThat(tokens).extracting(CorefileToken::endLine).containsExactly(1, 2, 2, 3, 5, 5);
    }

    @Test
    void aQuotedBraceIsTextNotADelimiter() {
        List<CorefileToken> tokens = tokenize("\"{\" {");
        assertThat(tokens.get(0).isOpenBrace()).isFalse();
        assertThat(tokens.get(1).isOpenBrace()).isTrue();
    }

    @Test
    void anUnterminatedQuoteNamesTheLineWhereItStarts() {
        assertThatThrownBy(() -> tokenize("a\nb \"never\nclosed"))
                .isInstanceOf(ConfigException.class)
                .hasMessage("Corefile:2: unterminated quoted string (missing '\"')");
        assertThatThrownBy(() -> tokenize("\n\n`raw"))
                .hasMessage("Corefile:3: unterminated raw string (missing '`')");
    }
}
