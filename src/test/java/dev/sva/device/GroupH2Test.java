package dev.sva.device;

class GroupH2Test extends GroupTests {
}
