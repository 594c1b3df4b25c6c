package dev.sva.topology.fabric;

/** A fabric that cannot exist on a host: names the function, the field and the reason. */
public final class FabricException extends RuntimeException {
    private final String bdf;
    private final String field;
    private final String reason;

    public FabricException(String bdf, String field, String reason) {
        super((bdf == null ? "" : bdf + " ") + field + ": " + reason);
        this.bdf = bdf;
        this.field = field;
        this.reason = reason;
    }

    /** The function at fault (canonical BDF), or null for a fabric-wide limit. */
    public String bdf() {
        return bdf;
    }

    /** The field at fault, as named in TOPOLOGY.md ({@code secondaryBus}, {@code dmaAliases}, …). */
    public String field() {
        return field;
    }

    public String reason() {
        return reason;
    }
}
