package dev.sva.topology;

import dev.sva.support.PostgresTest;

@PostgresTest
class PublishedHostImportPostgresTest extends PublishedHostImportTests {
}
