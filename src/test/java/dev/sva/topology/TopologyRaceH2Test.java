package dev.sva.topology;

class TopologyRaceH2Test extends TopologyRaceTests {
}
