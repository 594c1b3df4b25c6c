package dev.sva.node;

class HotNodeH2Test extends HotNodeTests {
}
