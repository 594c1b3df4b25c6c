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

    /** PCIe PASIDs are 20 bits wide. */
    private static final int MAX_PASID_BITS = 20;

    private final SvaProperties properties;

    PolicyController(SvaProperties properties) {
        this.properties = properties;
    }

    @GetMapping
    @Operation(summary = "The isolation policy",
            description = "Set by the configuration property sva.isolation (environment SVA_ISOLATION); STRICT by default.")
    PolicyView get() {
        return new PolicyView(properties.isolation(), Limits.DMA_ENTRY_LIMIT, MAX_PASID_BITS, true);
    }
}
