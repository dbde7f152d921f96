package io.kubeforward.config;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.ConfigurationPropertySources;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;
import org.springframework.boot.env.YamlPropertySourceLoader;
import org.springframework.core.env.PropertySource;
import org.springframework.core.io.ClassPathResource;

/** Binds {@link KubeforwardProperties} the way Spring does at startup, without an application context. */
final class TestProperties {

    private TestProperties() {
    }

    static KubeforwardProperties bind(Map<String, String> properties) {
        return new Binder(new MapConfigurationPropertySource(properties))
                .bindOrCreate("kubeforward", KubeforwardProperties.class);
    }

    /** Binds a YAML file from the classpath, e.g. {@code application-local.yaml}. */
    static KubeforwardProperties bindYaml(String resource) throws IOException {
        List<PropertySource<?>> sources = new ArrayList<>(
                new YamlPropertySourceLoader().load(resource, new ClassPathResource(resource)));
        return new Binder(ConfigurationPropertySources.from(sources))
                .bindOrCreate("kubeforward", KubeforwardProperties.class);
    }

    static LoadedConfig map(Map<String, String> properties) {
        return new PropertiesMapper().map(bind(properties).servers());
    }
}
