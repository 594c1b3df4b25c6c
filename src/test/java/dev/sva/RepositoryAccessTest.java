package dev.sva;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static org.assertj.core.api.Assertions.assertThat;

import com.tngtech.archunit.core.domain.Dependency;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchCondition;
import com.tngtech.archunit.lang.ConditionEvents;
import com.tngtech.archunit.lang.SimpleConditionEvent;
import org.junit.jupiter.api.Test;
import org.springframework.data.repository.NoRepositoryBean;
import org.springframework.data.repository.Repository;

/**
 * A JPA repository belongs to its feature (STYLE.md "The shape of the house"): only classes of its own
 * package use it, so every rule about its rows is enforced by that feature's service; another feature
 * asks that service.
 */
class RepositoryAccessTest {

    private static final JavaClasses SERVICE = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_JARS)
            .importPackages("dev.sva");

    private static final ArchCondition<JavaClass> BE_USED_ONLY_IN_THEIR_OWN_PACKAGE =
            new ArchCondition<>("be used only by classes of their own package") {
                @Override
                public void check(JavaClass repository, ConditionEvents events) {
                    for (Dependency d : repository.getDirectDependenciesToSelf()) {
                        JavaClass user = d.getOriginClass();
                        if (!user.getPackageName().equals(repository.getPackageName())) {
                            events.add(SimpleConditionEvent.violated(d, d.getDescription()));
                        }
                    }
                }
            };

    @Test
    void repositoriesAreUsedOnlyInsideTheirFeature() {
        // a @NoRepositoryBean (core.RangeRepository) is a shape the feature repositories extend, not a repository
        classes().that().areAssignableTo(Repository.class).and().areInterfaces()
                .and().areNotAnnotatedWith(NoRepositoryBean.class)
                .should(BE_USED_ONLY_IN_THEIR_OWN_PACKAGE)
                .because("another feature goes through the owning feature's service")
                .check(SERVICE);
    }

    @Test
    void theRuleSeesTheRepositories() {
        assertThat(SERVICE.stream().filter(c -> c.isInterface() && c.isAssignableTo(Repository.class)))
                .extracting(JavaClass::getSimpleName)
                .contains("NodeRepository", "DeviceRepository", "GroupRepository", "ContainerRepository",
                        "DmaMappingRepository", "AddressSpaceRepository", "RegionRepository", "BondRepository",
                        "EventRepository");
    }
}
