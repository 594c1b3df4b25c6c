package dev.sva.topology;

class PublishedHostImportH2Test extends PublishedHostImportTests {
}
