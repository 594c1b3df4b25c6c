package dev.sva.bond;

class ContainerBindH2Test extends ContainerBindTests {
}
