package dev.sva.security;

class AuthenticationH2Test extends AuthenticationTests {
}
