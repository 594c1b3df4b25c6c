package dev.sva.ops;

class CommitOutcomeH2Test extends CommitOutcomeTests {
}
