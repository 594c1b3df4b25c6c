/**
 * Who may call the API: bearer tokens (the embedded issuer of {@code sva.security.mode=local}, or an
 * external OAuth2/OIDC issuer in {@code mode=jwt}), the four roles and where each is enforced
 * ({@link dev.sva.security.SecurityConfig}), and the {@link dev.sva.security.Caller} of a request,
 * which services read through {@link dev.sva.security.CurrentCaller}.
 */
package dev.sva.security;
