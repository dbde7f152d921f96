package io.kubeforward.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** Reads the tables of the docs, for tests that pin what a doc states against the code. */
public final class MarkdownTables {

    private MarkdownTables() {
    }

    /** The body rows of the first table after the line {@code heading}: cells trimmed, {@code \|} inside a cell kept. */
    public static List<List<String>> rows(Path doc, String heading) throws IOException {
        String text = Files.readString(doc);
        int at = text.indexOf("\n" + heading + "\n");
        assertThat(at).as("%s has the heading %s", doc, heading).isNotNegative();
        List<List<String>> rows = new ArrayList<>();
        boolean inTable = false;
        for (String line : text.substring(at + heading.length() + 2).split("\n")) {
            if (line.startsWith("|")) {
                inTable = true;
                if (!line.startsWith("|---")) {
                    rows.add(Arrays.stream(line.substring(1, line.length() - 1).split("(?<!\\\\)\\|")).map(String::strip).toList());
                }
            } else if (inTable) {
                break;
            }
        }
        return rows.subList(1, rows.size()); // without the header
    }

    /** A property or YAML key as its Java name: {@code snapshot-after} → {@code snapshotAfter}. */
    public static String camel(String kebab) {
        StringBuilder out = new StringBuilder();
        for (String part : kebab.split("-")) {
            out.append(out.isEmpty() ? part : Character.toUpperCase(part.charAt(0)) + part.substring(1));
        }
        return out.toString();
    }
}
