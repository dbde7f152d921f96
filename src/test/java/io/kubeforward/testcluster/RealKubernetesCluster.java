package io.kubeforward.testcluster;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Inherited;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Runs the annotated test class against a real etcd + kube-apiserver on 127.0.0.1 (the "cluster" tier).
 * Test methods, constructors and lifecycle methods may declare {@link KubernetesCluster} or
 * {@link io.kubernetes.client.openapi.ApiClient} (the admin client) parameters.
 *
 * <p>Without built binaries ({@code test-cluster/cluster build}) the class is skipped, unless
 * {@code KUBEFORWARD_REQUIRE_CLUSTER=true}, where that is a failure.
 */
@Documented
@Inherited
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@Tag("cluster")
@ExtendWith(KubernetesClusterExtension.class)
public @interface RealKubernetesCluster {

    /** Which cluster the class gets. */
    Scope scope() default Scope.SHARED;

    enum Scope {
        /**
         * One cluster for every class of the test run that asks for it: started once (a start costs seconds),
         * stopped when the run ends. Classes isolate themselves with their own namespaces, and a class that
         * stops the API server starts it again before it ends.
         */
        SHARED,
        /** A cluster of its own, started before the class and stopped after it: for tests that need a pristine store. */
        PER_CLASS
    }
}
