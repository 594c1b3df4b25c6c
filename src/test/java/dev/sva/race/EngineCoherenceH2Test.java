package dev.sva.race;

class EngineCoherenceH2Test extends EngineCoherenceTests {
}
