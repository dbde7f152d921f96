package io.kubeforward.actuate;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;

/** The actuator's JSON: what a JSON parser reads back, for every shape the endpoints return. */
class JsonWriterTest {

    record Inner(String name, Optional<Instant> at, double rtt) {
    }

    record Outer(List<Inner> items, boolean ok, long count, Map<String, Object> extra, Thread.State state) {
    }

    @Test
    void writesRecordsMapsListsAndScalars() {
        Map<String, Object> extra = new LinkedHashMap<>();
        extra.put("quote\"back\\slash", "line\nbreak\ttab\u0001");
        extra.put("none", null);
        extra.put("nan", Double.NaN);
        String json = JsonWriter.write(new Outer(List.of(new Inner("a", Optional.of(Instant.parse("2026-12-02T19:00:00.123Z")), 1.5),
                new Inner("b", Optional.empty(), -1)), true, 42L, extra, Thread.State.RUNNABLE));
        JsonNode node = new ObjectMapper().readTree(json);
        assertThat(node.get("items").get(0).get("name").asString()).isEqualTo("a");
        assertThat(node.get("items").get(0).get("at").asString()).isEqualTo("2026-12-02T19:00:00.123Z");
        assertThat(node.get("items").get(0).get("rtt").asDouble()).isEqualTo(1.5);
        assertThat(node.get("items").get(1).get("at").isNull()).isTrue();
        assertThat(node.get("ok").asBoolean()).isTrue();
        assertThat(node.get("count").asLong()).isEqualTo(42);
        assertThat(node.get("extra").get("quote\"back\\slash").asString()).isEqualTo("line\nbreak\ttab\u0001");
        assertThat(node.get("extra").get("none").isNull()).isTrue();
        assertThat(node.get("extra").get("nan").isNull()).as("NaN is not JSON").isTrue();
        assertThat(node.get("state").asString()).isEqualTo("RUNNABLE");
    }
}
