package dev.sva.translation.engine;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

/**
 * The engine is plain Java (STYLE.md "The shape of the house"): fed commands of primitives by a Spring adapter, it
 * depends on no framework. The rules cover the package itself, not {@code .bench} (JMH, built with {@code -Pjmh}).
 */
class EngineArchitectureTest {

    private static final String ENGINE_PACKAGE = "dev.sva.translation.engine";

    private static final JavaClasses ENGINE = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_JARS)
            .importPackages(ENGINE_PACKAGE);

    @Test
    void theEngineImportsNothingFromSpringJakartaHibernateOrJpa() {
        noClasses().that().resideInAPackage(ENGINE_PACKAGE)
                .should().dependOnClassesThat().resideInAnyPackage("org.springframework..", "jakarta..",
                        "javax.persistence..", "javax.transaction..", "org.hibernate..")
                .because("the translation engine is plain Java; a Spring adapter beside it wires it in")
                .check(ENGINE);
    }

    @Test
    void theEngineDependsOnlyOnItselfAndTheJdk() {
        classes().that().resideInAPackage(ENGINE_PACKAGE)
                .should().onlyDependOnClassesThat().resideInAnyPackage(ENGINE_PACKAGE, "java..")
                .because("nothing else of the service may leak into the engine, and it must run without a context")
                .check(ENGINE);
    }
}
