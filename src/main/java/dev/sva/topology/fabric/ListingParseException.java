package dev.sva.topology.fabric;

/** A listing that cannot be parsed: the 1-based line (0 for the text as a whole) and the reason. */
public final class ListingParseException extends RuntimeException {
    private final int line;
    private final String reason;

    public ListingParseException(int line, String reason) {
        super("line " + line + ": " + reason);
        this.line = line;
        this.reason = reason;
    }

    public int line() {
        return line;
    }

    public String reason() {
        return reason;
    }
}
