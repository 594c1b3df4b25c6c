package dev.sva.security;

import dev.sva.core.ProblemException;
import dev.sva.core.ProblemType;
import org.springframework.security.core.Authentication;
import org.springframework.security.core.context.SecurityContextHolder;

/**
 * The one way code outside this package learns who is calling: the {@link Caller} of the request on
 * this thread, or {@link Caller#SYSTEM} where there is none (background work).
 */
public final class CurrentCaller {

    private CurrentCaller() {
    }

    public static Caller get() {
        Authentication a = SecurityContextHolder.getContext().getAuthentication();
        return a != null && a.isAuthenticated() && a.getPrincipal() instanceof Caller c ? c : Caller.SYSTEM;
    }

    /**
     * Refuses ({@code 403 FORBIDDEN}) a change of node {@code nodeName}'s topology or devices by an agent of
     * another node. Called by the services, which are the first to know the node of a device.
     */
    public static void requireNode(String nodeName) {
        Caller c = get();
        if (!c.mayChangeNode(nodeName)) {
            throw forbidden(Role.AGENT.scope() + " of node " + c.node() + " may not change node " + nodeName,
                    Role.ADMIN.scope());
        }
    }

    /** Whether the caller sees an object of tenant {@code owner}: see {@link Caller#sees}. */
    public static boolean sees(String owner) {
        return get().sees(owner);
    }

    /** The tenant scope of the caller ({@link Caller#tenantScope}): {@code null} when it sees everything. */
    public static String tenantScope() {
        return get().tenantScope();
    }

    /**
     * The tenant a container or address space made now belongs to: the caller's tenant, {@code null} for
     * an admin. A tenant token without a tenant claim may make nothing ({@code 403 FORBIDDEN}).
     */
    public static String owner() {
        String scope = tenantScope();
        if (scope != null && scope.isEmpty()) {
            throw forbidden("a " + Role.TENANT.scope() + " token needs a tenant claim to make objects", Role.TENANT.scope());
        }
        return scope;
    }

    /** {@code 403 FORBIDDEN} naming the scope that would have been allowed. */
    static ProblemException forbidden(String detail, String missingScope) {
        return new ProblemException(ProblemType.FORBIDDEN, detail).with("scope", missingScope);
    }
}
