package dev.sva.replica;

import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.stereotype.Component;

/**
 * {@code replica} in the readiness group: {@code OUT_OF_SERVICE} while this replica is not current
 * (starting and catching up, fenced, its change feed lost), so a load balancer routes to the others;
 * {@code UP} when it is, or when the process is alone (H2).
 */
@Component("replica")
class ReplicaHealth implements HealthIndicator {

    private final ReplicaSet replicas;

    ReplicaHealth(ReplicaSet replicas) {
        this.replicas = replicas;
    }

    @Override
    public Health health() {
        if (!replicas.enabled()) {
            return Health.up().withDetail("replicas", "alone: the embedded database serves one process").build();
        }
        String why = replicas.notCurrentBecause();
        Health.Builder health = why == null ? Health.up() : Health.outOfService().withDetail("reason", why);
        return health.withDetail("id", replicas.id()).withDetail("listening", replicas.listening()).build();
    }
}
