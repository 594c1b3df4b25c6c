package dev.sva.topology.fabric;

/**
 * The PCIe port type of a function (the Device/Port Type field of the PCI Express capability), plus the two
 * conventional PCI kinds for functions without that capability.
 */
public enum PortType {
    ROOT_PORT, UPSTREAM_PORT, DOWNSTREAM_PORT, ENDPOINT, LEGACY_ENDPOINT, RC_INTEGRATED_ENDPOINT,
    RC_EVENT_COLLECTOR, PCIE_TO_PCI_BRIDGE, PCI_TO_PCIE_BRIDGE, PCI_BRIDGE, PCI;

    /** True for the types that forward to a secondary bus (type 1 header). */
    public boolean isBridge() {
        return switch (this) {
            case ROOT_PORT, UPSTREAM_PORT, DOWNSTREAM_PORT, PCIE_TO_PCI_BRIDGE, PCI_TO_PCIE_BRIDGE, PCI_BRIDGE -> true;
            default -> false;
        };
    }

    /** True for functions with a PCI Express capability (everything but conventional PCI). */
    public boolean isPcie() {
        return this != PCI && this != PCI_BRIDGE;
    }
}
