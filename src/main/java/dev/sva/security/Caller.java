package dev.sva.security;

/**
 * Who made a request: the token's subject, its role, and the tenant ({@link Role#TENANT}) or node
 * ({@link Role#AGENT}) it is bound to ({@code null} when the role has none). Work the service does on
 * its own (pruning, start-up repair) is done by {@link #SYSTEM}.
 */
public record Caller(String subject, Role role, String tenant, String node) {

    /** The service itself: background work outside any request. */
    public static final Caller SYSTEM = new Caller("system", null, null, null);

    public boolean is(Role r) {
        return role == r;
    }

    /**
     * Whether this caller may change what belongs to node {@code nodeName}: every admin; an agent only
     * on its own node. Other roles are stopped before by the request rules of {@link SecurityConfig}.
     */
    public boolean mayChangeNode(String nodeName) {
        return role != Role.AGENT || node != null && node.equals(nodeName);
    }

    /**
     * The tenant whose objects alone this caller may see, or {@code null} when it sees every object
     * (admin, viewer, agent, the system). A tenant token without a tenant claim sees nothing: its scope is
     * the empty string, which no object's tenant is.
     */
    public String tenantScope() {
        return role != Role.TENANT ? null : tenant == null ? "" : tenant;
    }

    /**
     * Whether an object of tenant {@code owner} ({@code null}: no tenant's) exists for this caller. For
     * a tenant, another tenant's object and an object of no tenant are as absent as an id never issued.
     */
    public boolean sees(String owner) {
        String scope = tenantScope();
        return scope == null || scope.equals(owner);
    }
}
