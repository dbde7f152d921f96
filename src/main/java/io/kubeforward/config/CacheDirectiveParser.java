package io.kubeforward.config;

import io.kubeforward.config.CacheOptions.Prefetch;
import io.kubeforward.config.CacheOptions.ServeStale;
import io.kubeforward.config.CacheOptions.StaleMode;
import io.kubeforward.config.Corefile.Directive;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.BiConsumer;

/**
 * {@code cache [TTL] [ZONES...] [{ OPTIONS }]} → {@link CacheOptions}, with CoreDNS's options: {@code success}
 * and {@code denial CAPACITY [TTL [MINTTL]]}, {@code prefetch AMOUNT [DURATION [PERCENTAGE%]]},
 * {@code serve_stale [DURATION [immediate|verify]]}, {@code servfail DURATION},
 * {@code disable success|denial [ZONES...]} and {@code keepttl}. TTLs are whole seconds, durations Go durations.
 * Each option may be given once ({@code disable} once per cache).
 */
final class CacheDirectiveParser {

    private static final String OWNER = "cache";
    private static final int MANY = Integer.MAX_VALUE;
    private static final Map<String, Option> OPTIONS = Map.of(
            "success", new Option(1, 3, (args, b) -> b.success(capacity(args), seconds(args, 1), seconds(args, 2))),
            "denial", new Option(1, 3, (args, b) -> b.denial(capacity(args), seconds(args, 1), seconds(args, 2))),
            "prefetch", new Option(1, 3, CacheDirectiveParser::prefetch),
            "serve_stale", new Option(0, 2, CacheDirectiveParser::serveStale),
            "servfail", new Option(1, 1, (args, b) -> b.servfail(GoDuration.parse(args.get(0)))),
            "disable", new Option(1, MANY, (args, b) -> b.disable(args.get(0), args.subList(1, args.size()))),
            "keepttl", new Option(0, 0, (args, b) -> b.keepTtl(true)));

    private final CacheOptionsBuilder builder = new CacheOptionsBuilder();
    private final Map<String, String> seen = new HashMap<>();

    private CacheDirectiveParser() {
    }

    /** @param blockZones the server block's zones, cached when the directive names none */
    static CacheOptions parse(Directive directive, List<String> blockZones) {
        CacheDirectiveParser parser = new CacheDirectiveParser();
        parser.arguments(directive);
        for (Directive line : directive.block()) {
            parser.option(line);
        }
        try {
            return parser.builder.build(blockZones);
        } catch (IllegalArgumentException e) {
            throw directive.error(OWNER + ": " + e.getMessage());
        }
    }

    /** {@code [TTL] [ZONES...]}: a first argument that is a number is the TTL (CoreDNS), the rest are zones. */
    private void arguments(Directive directive) {
        List<String> args = directive.args();
        int zonesFrom = 0;
        if (!args.isEmpty() && args.get(0).matches("[-+]?\\d+")) {
            zonesFrom = 1;
            try {
                builder.ttl(Duration.ofSeconds(ForwardOptionParser.number(args.get(0))));
            } catch (IllegalArgumentException e) {
                throw directive.error(OWNER + ": " + e.getMessage());
            }
        } else if (!args.isEmpty() && looksLikeDuration(args.get(0))) {
            throw directive.error(OWNER + ": TTL '" + args.get(0) + "' is not a number of seconds (expected: cache [TTL] [ZONES...], e.g. cache 30)");
        }
        for (String zone : args.subList(zonesFrom, args.size())) {
            try {
                builder.addZone(zone);
            } catch (IllegalArgumentException e) {
                throw directive.error(OWNER + ": ZONE " + e.getMessage());
            }
        }
    }

    private void option(Directive line) {
        String name = line.name();
        if (name.equals("serve_stale_policy")) {
            throw line.error(OWNER + ": option 'serve_stale_policy' is not supported");
        }
        Option option = OPTIONS.get(name);
        if (option == null) {
            throw line.error(OWNER + ": unknown option '" + name + "'");
        }
        OptionLines.requireArgs(line, OWNER, option.minArgs(), option.maxArgs());
        OptionLines.requireNoBlock(line, OWNER);
        String key = name.equals("disable") ? name + " " + line.args().get(0) : name;
        String first = seen.putIfAbsent(key, line.location());
        if (first != null) {
            throw line.error(OWNER + ": " + key + ": given twice (first at " + first + ")");
        }
        try {
            option.apply().accept(line.args(), builder);
        } catch (IllegalArgumentException e) {
            throw line.error(OWNER + ": " + name + ": " + e.getMessage());
        }
    }

    private static int capacity(List<String> args) {
        String text = args.get(0);
        try {
            return Integer.parseInt(text);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("capacity '" + text + "' is not a number");
        }
    }

    /** The TTL argument at {@code index} in seconds, if given. */
    private static Optional<Duration> seconds(List<String> args, int index) {
        if (index >= args.size()) {
            return Optional.empty();
        }
        String text = args.get(index);
        try {
            return Optional.of(Duration.ofSeconds(Integer.parseInt(text)));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException((index == 1 ? "TTL" : "min TTL") + " '" + text + "' is not a number of seconds");
        }
    }

    /** {@code prefetch AMOUNT [DURATION [PERCENTAGE%]]}. */
    private static void prefetch(List<String> args, CacheOptionsBuilder builder) {
        int amount = ForwardOptionParser.number(args.get(0));
        Duration duration = args.size() > 1 ? GoDuration.parse(args.get(1)) : Prefetch.DEFAULT_DURATION;
        int percentage = Prefetch.DEFAULT_PERCENTAGE;
        if (args.size() > 2) {
            String text = args.get(2);
            if (!text.endsWith("%")) {
                throw new IllegalArgumentException("percentage '" + text + "' must end with '%' (e.g. 10%)");
            }
            percentage = ForwardOptionParser.number(text.substring(0, text.length() - 1));
        }
        builder.prefetch(amount, duration, percentage);
    }

    /** {@code serve_stale [DURATION [immediate|verify]]}. */
    private static void serveStale(List<String> args, CacheOptionsBuilder builder) {
        Duration duration = args.isEmpty() ? ServeStale.DEFAULT_DURATION : GoDuration.parse(args.get(0));
        StaleMode mode = args.size() > 1 ? CacheOptionsBuilder.staleMode(args.get(1)) : StaleMode.IMMEDIATE;
        builder.serveStale(duration, mode);
    }

    private static boolean looksLikeDuration(String text) {
        try {
            GoDuration.parse(text);
            return true;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    /** Argument count bounds and what to do with the arguments. */
    private record Option(int minArgs, int maxArgs, BiConsumer<List<String>, CacheOptionsBuilder> apply) {
    }
}
