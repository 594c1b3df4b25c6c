package dev.sva.addressspace;

import dev.sva.node.Node;

/**
 * What a process exit needs of the bonds of its address space (rule 12): a port this package owns and
 * {@code bond} implements ({@code BondService}), so {@code addressspace} does not depend on {@code bond},
 * which depends on it. Called inside the caller's transaction, with the node locked.
 */
public interface AddressSpaceBonds {

    /** Revokes every bond of the address space ({@code PROCESS_EXIT}) and forgets its container binds. */
    void revokeAddressSpace(Node node, long addressSpaceId);
}
