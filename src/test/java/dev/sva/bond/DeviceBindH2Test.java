package dev.sva.bond;

class DeviceBindH2Test extends DeviceBindTests {
}
