package io.kubeforward;

import io.kubeforward.config.CorefileWatcher;
import io.kubeforward.config.KubeforwardConfig;
import io.kubeforward.config.KubeforwardProperties;
import java.nio.file.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.ApplicationArguments;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.SmartLifecycle;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Applies a changed Corefile ({@code reload}) the way an upgrade is applied: a complete new application is
 * started beside the running one (every port is shared with SO_REUSEPORT), and only once it has started is the
 * old one shut down (readiness DOWN, lameduck, drain). Nothing is half-applied: if the new configuration does
 * not start (a port taken, say), it is reported and the running one keeps serving.
 */
@Configuration(proxyBeanMethods = false)
class ReloadConfiguration {

    private static final Logger log = LoggerFactory.getLogger(ReloadConfiguration.class);

    @Bean
    SmartLifecycle corefileReload(KubeforwardConfig config, KubeforwardProperties properties, ConfigurableApplicationContext context,
            ApplicationArguments arguments) {
        return new SmartLifecycle() {
            private CorefileWatcher watcher;
            private volatile boolean running;

            @Override
            public void start() {
                if (config.reload().isPresent() && config.corefileSha256().isPresent() && !properties.corefile().isBlank()) {
                    // From the digest of what was loaded: a change written since then is noticed at the first check.
                    watcher = new CorefileWatcher(Path.of(properties.corefile()), config.reload().get(),
                            config.corefileSha256().get(), () -> restart(context, arguments.getSourceArgs()));
                    watcher.start();
                }
                running = true;
            }

            @Override
            public void stop() {
                if (watcher != null) {
                    watcher.close();
                }
                running = false;
            }

            @Override
            public boolean isRunning() {
                return running;
            }
        };
    }

    private static void restart(ConfigurableApplicationContext current, String[] args) {
        Thread thread = new Thread(() -> {
            try {
                new SpringApplicationBuilder(KubeforwardApplication.class).run(args);
            } catch (RuntimeException e) {
                log.error("The changed Corefile did not start ({}); the running configuration keeps serving", e.toString());
                return;
            }
            current.close();
        }, "corefile-reload-apply");
        thread.setDaemon(false);
        thread.start();
    }
}
