package dev.sva.core;

import java.util.Map;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.util.unit.DataSize;

/**
 * Settings under {@code sva.limits.*}: what one request or one client may hold of the service.
 * README "Limits" lists each with its reason.
 *
 * @param maxBodySize              the largest request body (default 4 MiB: a {@code /dma/batch} of
 *                                 10,000 requests is about 1 MiB)
 * @param maxBodySizeByPath        larger (or smaller) limits for some paths, keyed by a Spring path
 *                                 pattern ({@code /api/v1/nodes/*}{@code /topology}: 40 MB, for a
 *                                 pasted {@code lspci -vvv} of a large host); the first match wins
 * @param maxConnectionsPerClient  TCP connections one remote address may hold open at once
 *                                 (default 1024 of Tomcat's 8192; 0 = no limit)
 * @param nodeSeries               nodes that get their own per-node Prometheus series; the rest are
 *                                 summed under {@code node="_other"} (default 100)
 */
@ConfigurationProperties("sva.limits")
public record LimitsProperties(DataSize maxBodySize, Map<String, DataSize> maxBodySizeByPath,
                               Integer maxConnectionsPerClient, Integer nodeSeries) {

    public LimitsProperties {
        maxBodySize = maxBodySize == null ? DataSize.ofMegabytes(4) : maxBodySize;
        maxBodySizeByPath = maxBodySizeByPath == null ? Map.of() : Map.copyOf(maxBodySizeByPath);
        maxConnectionsPerClient = maxConnectionsPerClient == null ? 1024 : maxConnectionsPerClient;
        nodeSeries = nodeSeries == null ? 100 : nodeSeries;
    }
}
