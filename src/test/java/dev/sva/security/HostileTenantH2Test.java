package dev.sva.security;

class HostileTenantH2Test extends HostileTenantTests {
}
