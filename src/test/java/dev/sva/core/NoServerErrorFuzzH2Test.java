package dev.sva.core;

class NoServerErrorFuzzH2Test extends NoServerErrorFuzzTests {
}
