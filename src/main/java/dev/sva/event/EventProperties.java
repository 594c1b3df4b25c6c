package dev.sva.event;

import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * Settings under {@code sva.events.*}.
 *
 * @param retention    how long events are kept (default 7 days)
 * @param maxPerNode   how many of a node's newest events are kept at most (default 1,000,000)
 * @param heartbeat    interval of the SSE heartbeat comment (default 10 s; API.md asks for at most 15 s)
 * @param maxClients   how many stream clients the service serves at once (default 256)
 * @param maxClientsPerAddress how many of them one remote address may hold (default 16)
 * @param pruneEvery   how often expired events are deleted
 */
@ConfigurationProperties("sva.events")
public record EventProperties(Duration retention, Long maxPerNode, Duration heartbeat, Integer maxClients,
                              Integer maxClientsPerAddress, Duration pruneEvery) {

    public EventProperties {
        retention = retention == null ? Duration.ofDays(7) : retention;
        maxPerNode = maxPerNode == null ? 1_000_000L : maxPerNode;
        heartbeat = heartbeat == null ? Duration.ofSeconds(10) : heartbeat;
        maxClients = maxClients == null ? 256 : maxClients;
        maxClientsPerAddress = maxClientsPerAddress == null ? 16 : maxClientsPerAddress;
        pruneEvery = pruneEvery == null ? Duration.ofMinutes(1) : pruneEvery;
    }
}
