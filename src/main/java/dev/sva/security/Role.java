package dev.sva.security;

import java.util.Arrays;
import java.util.Optional;

/**
 * The four roles, as the scopes tokens carry. Declared strongest first: a token naming several roles
 * acts with the strongest of them.
 */
public enum Role {
    ADMIN("sva:admin"),
    AGENT("sva:agent"),
    TENANT("sva:tenant"),
    VIEWER("sva:viewer");

    private final String scope;

    Role(String scope) {
        this.scope = scope;
    }

    /** The scope as tokens and problems name it, e.g. {@code sva:admin}. */
    public String scope() {
        return scope;
    }

    /** The authority Spring Security checks: {@code SCOPE_} and the scope. */
    String authority() {
        return "SCOPE_" + scope;
    }

    public static Optional<Role> ofScope(String scope) {
        return Arrays.stream(values()).filter(r -> r.scope.equals(scope)).findFirst();
    }
}
