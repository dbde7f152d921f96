package io.kubeforward.actuate;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.RecordComponent;
import java.time.temporal.TemporalAccessor;
import java.util.Collection;
import java.util.Map;
import java.util.Optional;
import org.springframework.boot.health.actuate.endpoint.CompositeHealthDescriptor;
import org.springframework.boot.health.actuate.endpoint.HealthDescriptor;
import org.springframework.boot.health.actuate.endpoint.IndicatedHealthDescriptor;
import org.springframework.boot.health.actuate.endpoint.SystemHealthDescriptor;
import org.springframework.boot.health.contributor.Status;

/**
 * The actuator's JSON, written by hand for the few shapes it has: maps, collections, records (their components in
 * order), strings, numbers, booleans, enums, times (ISO-8601), {@code Optional} (its value or null), and the health
 * descriptors in the shape Spring Boot's actuator gives them ({@code status}, {@code description} if any,
 * {@code components}, {@code details}, {@code groups}; empty ones left out). Anything else is written as its string.
 */
final class JsonWriter {

    private JsonWriter() {
    }

    static String write(Object value) {
        StringBuilder out = new StringBuilder(256);
        value(out, value);
        return out.toString();
    }

    private static void value(StringBuilder out, Object value) {
        switch (value) {
            case null -> out.append("null");
            case CharSequence text -> string(out, text.toString());
            case Boolean bool -> out.append(bool);
            case Double d when d.isNaN() || d.isInfinite() -> out.append("null");
            case Float f when f.isNaN() || f.isInfinite() -> out.append("null");
            case Number number -> out.append(number);
            case Enum<?> constant -> string(out, constant.name());
            case Optional<?> optional -> value(out, optional.orElse(null));
            case TemporalAccessor time -> string(out, time.toString());
            case Status status -> string(out, status.getCode());
            case HealthDescriptor health -> health(out, health);
            case Map<?, ?> map -> {
                out.append('{');
                boolean first = true;
                for (Map.Entry<?, ?> entry : map.entrySet()) {
                    first = member(out, first, String.valueOf(entry.getKey()));
                    value(out, entry.getValue());
                }
                out.append('}');
            }
            case Collection<?> items -> {
                out.append('[');
                boolean first = true;
                for (Object item : items) {
                    if (!first) {
                        out.append(',');
                    }
                    first = false;
                    value(out, item);
                }
                out.append(']');
            }
            case Record record -> {
                out.append('{');
                boolean first = true;
                for (RecordComponent component : record.getClass().getRecordComponents()) {
                    first = member(out, first, component.getName());
                    value(out, component(record, component));
                }
                out.append('}');
            }
            default -> string(out, value.toString());
        }
    }

    private static void health(StringBuilder out, HealthDescriptor health) {
        out.append('{');
        member(out, true, "status");
        string(out, health.getStatus().getCode());
        if (!health.getStatus().getDescription().isEmpty()) {
            member(out, false, "description");
            string(out, health.getStatus().getDescription());
        }
        if (health instanceof CompositeHealthDescriptor composite) {
            optionalMember(out, "components", composite.getComponents());
            optionalMember(out, "details", composite.getDetails());
        }
        if (health instanceof IndicatedHealthDescriptor indicated) {
            optionalMember(out, "details", indicated.getDetails());
        }
        if (health instanceof SystemHealthDescriptor system && system.getGroups() != null && !system.getGroups().isEmpty()) {
            member(out, false, "groups");
            value(out, system.getGroups());
        }
        out.append('}');
    }

    private static void optionalMember(StringBuilder out, String name, Map<String, ?> map) {
        if (map != null && !map.isEmpty()) {
            member(out, false, name);
            value(out, map);
        }
    }

    private static boolean member(StringBuilder out, boolean first, String name) {
        if (!first) {
            out.append(',');
        }
        string(out, name);
        out.append(':');
        return false;
    }

    private static Object component(Record record, RecordComponent component) {
        try {
            return component.getAccessor().invoke(record);
        } catch (IllegalAccessException | InvocationTargetException e) {
            throw new IllegalStateException("cannot read " + record.getClass().getSimpleName() + "." + component.getName(), e);
        }
    }

    private static void string(StringBuilder out, String text) {
        out.append('"');
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                default -> {
                    if (c < 0x20 || c == '\u2028' || c == '\u2029') {
                        out.append(String.format("\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        out.append('"');
    }
}
