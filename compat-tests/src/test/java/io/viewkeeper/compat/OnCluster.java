package io.viewkeeper.compat;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.condition.DisabledIfSystemProperty;

/**
 * Marks a {@code *OnClusterTest} class: a compat class run against three replicas. It is left out when
 * {@code -Dcompat.target} already selects the reference ZooKeeper (which checks the expectations, not the cluster)
 * or the cluster (whose run of the base classes covers it).
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@Tag("cluster")
@DisabledIfSystemProperty(named = "compat.target", matches = "(?i)\\s*(zookeeper|zk|cluster)\\s*",
        disabledReason = "compat.target selects the server for every class")
@interface OnCluster {
}
