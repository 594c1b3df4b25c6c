package dev.sva.translation;

class JournalH2Test extends JournalTests {
}
