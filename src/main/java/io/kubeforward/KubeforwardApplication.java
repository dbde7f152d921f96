package io.kubeforward;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;

/** Entry point: a node-local DNS forwarder. */
@SpringBootApplication
@ConfigurationPropertiesScan
public class KubeforwardApplication {

    public static void main(String[] args) {
        SpringApplication.run(KubeforwardApplication.class, args);
    }
}
