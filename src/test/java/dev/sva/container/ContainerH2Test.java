package dev.sva.container;

class ContainerH2Test extends ContainerTests {
}
