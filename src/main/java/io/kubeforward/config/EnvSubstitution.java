package io.kubeforward.config;

import java.util.Objects;
import java.util.Optional;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * CoreDNS environment substitution inside a token: {@code {$NAME}} and {@code {%NAME%}} are replaced by the
 * variable's value, or by nothing when it is not set (as CoreDNS). The result stays one token even when the
 * value contains spaces.
 */
final class EnvSubstitution {

    private static final Pattern REFERENCE = Pattern.compile("\\{\\$([^{}$%]+)}|\\{%([^{}$%]+)%}");

    private final Function<String, Optional<String>> environment;

    /** @param environment looks a variable up, e.g. {@code name -> Optional.ofNullable(System.getenv(name))} */
    EnvSubstitution(Function<String, Optional<String>> environment) {
        this.environment = Objects.requireNonNull(environment, "environment");
    }

    /** Substitution from the process environment. */
    static EnvSubstitution fromSystem() {
        return new EnvSubstitution(name -> Optional.ofNullable(System.getenv(name)));
    }

    String apply(String text) {
        if (text.indexOf('{') < 0) {
            return text;
        }
        Matcher m = REFERENCE.matcher(text);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            String name = m.group(1) != null ? m.group(1) : m.group(2);
            m.appendReplacement(out, Matcher.quoteReplacement(environment.apply(name).orElse("")));
        }
        m.appendTail(out);
        return out.toString();
    }
}
