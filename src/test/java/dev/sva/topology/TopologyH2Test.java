package dev.sva.topology;

class TopologyH2Test extends TopologyTests {
}
