package dev.sva.bond;

class SeedStoryH2Test extends SeedStoryTests {
}
