package dev.sva.support;

import java.lang.annotation.ElementType;
import java.lang.annotation.Inherited;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.test.context.ContextConfiguration;

/**
 * Runs an {@link ApiTest} against a real PostgreSQL: a Testcontainers container where a Docker engine
 * answers, otherwise the server named by {@code SVA_TEST_PG_URL} (default
 * {@code jdbc:postgresql://127.0.0.1:5432/test}, user {@code SVA_TEST_PG_USER} or {@code postgres}).
 * Without one the test is skipped with a message, except under {@code CI=true}, where it fails.
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@Inherited
@Tag("postgres")
@ExtendWith(PostgresDatabase.Condition.class)
@ContextConfiguration(initializers = PostgresDatabase.Initializer.class)
public @interface PostgresTest {
}
