package dev.sva.replica;

import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * Settings under {@code sva.replicas.*} (README, "Several replicas").
 *
 * @param enabled   whether this process is one of a replica set; unset: yes on PostgreSQL, no on H2 (which
 *                  serves one process); {@code true} on H2 is refused at start
 * @param heartbeat how often the lease is renewed (default 1 s)
 * @param lease     how long a renewal holds, in database time (default 5 s): writers wait at most that long
 *                  for a replica that went silent
 * @param margin    how much earlier than its lease this process fences itself, measured from when it sent
 *                  the renewal on its own monotonic clock (default 1 s): covers clock rate differences
 * @param forgetAfter rows of replicas whose lease expired this long ago are deleted by any replica (default 1 min)
 * @param startWait how long the start waits for this replica to join and catch up before the web server
 *                  opens anyway, fenced and not ready (default 30 s)
 */
@ConfigurationProperties("sva.replicas")
public record ReplicaProperties(Boolean enabled, Duration heartbeat, Duration lease, Duration margin,
                                Duration forgetAfter, Duration startWait) {

    public ReplicaProperties {
        heartbeat = heartbeat == null ? Duration.ofSeconds(1) : heartbeat;
        lease = lease == null ? Duration.ofSeconds(5) : lease;
        margin = margin == null ? Duration.ofSeconds(1) : margin;
        forgetAfter = forgetAfter == null ? Duration.ofMinutes(1) : forgetAfter;
        startWait = startWait == null ? Duration.ofSeconds(30) : startWait;
        if (heartbeat.isNegative() || heartbeat.isZero() || margin.isNegative()
                || heartbeat.plus(margin).compareTo(lease) >= 0) {
            throw new IllegalArgumentException("sva.replicas: heartbeat (" + heartbeat + ") + margin (" + margin
                    + ") must be shorter than the lease (" + lease + ")");
        }
    }
}
