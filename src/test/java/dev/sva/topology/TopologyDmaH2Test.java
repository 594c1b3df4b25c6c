package dev.sva.topology;

class TopologyDmaH2Test extends TopologyDmaTests {
}
