package dev.sva.topology;

class TopologyInputH2Test extends TopologyInputTests {
}
