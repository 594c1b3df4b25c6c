package dev.sva;

import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;
import static org.assertj.core.api.Assertions.assertThat;

import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * No cycles between feature packages ({@code dev.sva.<feature>} with its sub-packages): a request
 * flows one way (STYLE.md "The shape of the house"), and where a lower feature needs a higher one —
 * a device removal revoking bonds — it owns a narrow port the higher one implements
 * ({@code device.DeviceBonds}, {@code container.ContainerBonds}, {@code addressspace.AddressSpaceBonds}).
 * ArchUnit reads bytecode, so a compile-time constant of another package (inlined by javac) escapes
 * it; keep shared limits in the lower package ({@code policy.Limits}).
 */
class FeatureCyclesTest {

    private static final JavaClasses SERVICE = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_JARS)
            .importPackages("dev.sva");

    @Test
    void featurePackagesDependOnEachOtherWithoutCycles() {
        slices().matching("dev.sva.(*)..").should().beFreeOfCycles()
                .because("a feature that needs a higher one owns a port the higher one implements")
                .check(SERVICE);
    }

    @Test
    void theRuleSeesEveryFeaturePackage() {
        Set<String> features = new TreeSet<>();
        for (JavaClass c : SERVICE) {
            String rest = c.getPackageName().substring("dev.sva".length());
            if (rest.startsWith(".")) {
                features.add(rest.substring(1).split("\\.")[0]);
            }
        }
        assertThat(features).contains("addressspace", "bond", "container", "core", "device", "event", "node", "policy",
                "topology", "translation");
    }
}
