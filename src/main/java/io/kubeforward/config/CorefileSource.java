package io.kubeforward.config;

import io.kubeforward.config.Corefile.ServerBlockSyntax;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Reads a Corefile into the model: lex, parse the whole file, interpret every server block, then check that
 * no zone and port is served twice. Either everything is valid or a {@link ConfigException} names
 * {@code FILE:LINE}; nothing is applied before that.
 */
final class CorefileSource {

    private final EnvSubstitution env;

    CorefileSource(EnvSubstitution env) {
        this.env = Objects.requireNonNull(env, "env");
    }

    /** Reads the file at {@code path}; {@code path} as given is the FILE of every error location. */
    LoadedConfig load(String path) {
        byte[] content;
        try {
            content = Files.readAllBytes(Path.of(path));
        } catch (IOException | InvalidPathException e) {
            throw new ConfigException(path, "cannot read the Corefile (" + e + ")", e);
        }
        return read(path, content);
    }

    /**
     * Parses {@code content}, the bytes of the Corefile named {@code file}; the model remembers their digest
     * ({@link KubeforwardConfig#corefileSha256()}).
     */
    LoadedConfig read(String file, byte[] content) {
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder().decode(ByteBuffer.wrap(content)).toString();
        } catch (CharacterCodingException e) {
            throw new ConfigException(file, "cannot read the Corefile (" + e + ")", e);
        }
        LoadedConfig parsed = parse(file, text);
        KubeforwardConfig config = parsed.config();
        return new LoadedConfig(new KubeforwardConfig(config.servers(), config.origin(), config.status(), config.reload(),
                Optional.of(ContentDigest.sha256(content))), parsed.warnings());
    }

    /** Parses {@code text} as the Corefile named {@code file}. */
    LoadedConfig parse(String file, String text) {
        Corefile corefile = new CorefileParser(file).parse(new CorefileLexer(file, env).tokenize(text));
        if (corefile.serverBlocks().isEmpty()) {
            throw new ConfigException(file, "no server block (expected: ZONE[:PORT] { ... })");
        }
        List<ConfigWarning> warnings = new ArrayList<>();
        List<ServerBlock> servers = new ArrayList<>();
        StatusEndpoints.Builder status = new StatusEndpoints.Builder();
        for (ServerBlockSyntax block : corefile.serverBlocks()) {
            servers.add(new ServerBlockReader(block, warnings, status).read());
        }
        requireDistinctZones(corefile, servers);
        return new LoadedConfig(new KubeforwardConfig(servers, "Corefile " + file, status.build(), status.reload()), warnings);
    }

    private static void requireDistinctZones(Corefile corefile, List<ServerBlock> servers) {
        Map<String, String> defined = new HashMap<>();
        for (int i = 0; i < servers.size(); i++) {
            ServerBlock server = servers.get(i);
            for (int j = 0; j < server.zones().size(); j++) {
                String key = server.zones().get(j) + ":" + server.port();
                String location = corefile.serverBlocks().get(i).keys().get(j).location();
                String previous = defined.putIfAbsent(key, location);
                if (previous != null) {
                    throw new ConfigException(location, "zone " + key + " is already defined (at " + previous + ")");
                }
            }
        }
    }
}
