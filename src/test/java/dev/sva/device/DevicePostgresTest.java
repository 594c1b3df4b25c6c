package dev.sva.device;

import dev.sva.support.PostgresTest;

@PostgresTest
class DevicePostgresTest extends DeviceTests {
}
