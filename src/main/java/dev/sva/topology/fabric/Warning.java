package dev.sva.topology.fabric;

/**
 * Something the caller should know that does not stop the import: {@code kind} is one of the constants below;
 * {@code bdf} may be null for listing-wide warnings.
 */
public record Warning(String kind, PciAddress bdf, String detail) {
    /** A function the host gives no group (the AMD IOMMU's own function, {@code init_iommu_one}). */
    public static final String NO_GROUP = "NO_GROUP";
    /** ACS could not be read (lspci without root): the derivation assumed no ACS capability. */
    public static final String ACS_UNKNOWN = "ACS_UNKNOWN";
    /** A function in the host's report that the fabric does not have, or the reverse. */
    public static final String HOST_REPORT_MISMATCH = "HOST_REPORT_MISMATCH";
    /** A bridge whose capabilities lspci could not read, taken as a PCIe port because {@code pcieport} drives it. */
    public static final String PORT_TYPE_INFERRED = "PORT_TYPE_INFERRED";
    /** A listing line the parser skipped. */
    public static final String SKIPPED_LINE = "SKIPPED_LINE";
}
