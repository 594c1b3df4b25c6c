package dev.sva.core;

class ProblemFormatH2Test extends ProblemFormatTests {
}
