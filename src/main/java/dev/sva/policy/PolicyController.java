package dev.sva.policy;

import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.tags.Tag;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

@RestController
@RequestMapping("/api/v1/policy")
@Tag(name = "Policy", description = "The isolation policy in force")
class PolicyController {

    /** Limits a client may want to know before it hits them. */
    record PolicyView(Isolation isolation, int dmaEntryLimit, int maxPasidBits, boolean deviceBindNeedsSingletonGroup) {
    }

    private final SvaProperties properties;

    PolicyController(SvaProperties properties) {
        this.properties = properties;
    }

    @GetMapping
    @Operation(summary = "The isolation policy",
            description = "Set by the configuration property sva.isolation (environment SVA_ISOLATION); STRICT by default.")
    PolicyView get() {
        return new PolicyView(properties.isolation(), 65_535, 20, true);
    }
}
