package dev.sva.node;

class NodeH2Test extends NodeTests {
}
