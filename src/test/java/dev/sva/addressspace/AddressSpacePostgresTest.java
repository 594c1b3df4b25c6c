package dev.sva.addressspace;

import dev.sva.support.PostgresTest;

@PostgresTest
class AddressSpacePostgresTest extends AddressSpaceTests {
}
