package dev.sva.security;

class RoleH2Test extends RoleTests {
}
