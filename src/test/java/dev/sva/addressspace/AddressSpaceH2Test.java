package dev.sva.addressspace;

class AddressSpaceH2Test extends AddressSpaceTests {
}
