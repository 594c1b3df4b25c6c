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
}
