package dev.sva.policy;

import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * Settings under {@code sva.*}.
 *
 * @param isolation the isolation policy, {@code STRICT} unless configured
 */
@ConfigurationProperties("sva")
public record SvaProperties(Isolation isolation) {

    public SvaProperties {
        if (isolation == null) {
            isolation = Isolation.STRICT;
        }
    }
}
