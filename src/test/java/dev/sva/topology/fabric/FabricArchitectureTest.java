package dev.sva.topology.fabric;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

/**
 * The fabric derivation is plain Java (STYLE.md "A plain-Java core guarded by an ArchUnit test"), like the engine:
 * the Spring side in {@code dev.sva.topology} persists and serves what it answers.
 */
class FabricArchitectureTest {

    private static final String FABRIC_PACKAGE = "dev.sva.topology.fabric";

    private static final JavaClasses FABRIC = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_JARS)
            .importPackages(FABRIC_PACKAGE);

    @Test
    void theFabricImportsNothingFromSpringJakartaHibernateJpaOrJackson() {
        noClasses().that().resideInAPackage(FABRIC_PACKAGE)
                .should().dependOnClassesThat().resideInAnyPackage("org.springframework..", "jakarta..",
                        "javax.persistence..", "javax.transaction..", "org.hibernate..", "com.fasterxml..",
                        "tools.jackson..")
                .because("the fabric derivation is plain Java; the topology service beside it wires it in")
                .check(FABRIC);
    }

    @Test
    void theFabricDependsOnlyOnItselfAndTheJdk() {
        classes().that().resideInAPackage(FABRIC_PACKAGE)
                .should().onlyDependOnClassesThat().resideInAnyPackage(FABRIC_PACKAGE, "java..")
                .because("nothing else of the service may leak into the derivation, and it must run without a context")
                .check(FABRIC);
    }
}
