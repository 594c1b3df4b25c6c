package dev.sva.device;

class DeviceH2Test extends DeviceTests {
}
