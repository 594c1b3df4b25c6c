package dev.sva.core;

class RequestHygieneH2Test extends RequestHygieneTests {
}
