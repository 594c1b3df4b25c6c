package dev.sva.bond;

class ContainerBindCoverageH2Test extends ContainerBindCoverageTests {
}
