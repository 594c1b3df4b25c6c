package dev.sva.bond;

import dev.sva.support.PostgresTest;

@PostgresTest
class DeviceBindPostgresTest extends DeviceBindTests {
}
