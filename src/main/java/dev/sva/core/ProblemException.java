package dev.sva.core;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A refused request, named by its {@link ProblemType}. Members name what was at fault (a field, the
 * devices, the groups) and are rendered beside {@code code} and {@code errno}. Features throw it
 * through the factories of {@link Problems}, so that each fact reads as one name at the call site.
 */
public class ProblemException extends RuntimeException {

    private final ProblemType type;
    private final String errno;
    private final Map<String, Object> members = new LinkedHashMap<>();

    public ProblemException(ProblemType type, String detail) {
        this(type, type.errno(), detail);
    }

    public ProblemException(ProblemType type, String errno, String detail) {
        super(detail, null, false, false);
        this.type = type;
        this.errno = errno;
    }

    public ProblemException with(String member, Object value) {
        members.put(member, value);
        return this;
    }

    /** The first {@code ProblemException} in {@code t}'s cause chain (itself included), or {@code null}. */
    public static ProblemException in(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause() == c ? null : c.getCause()) {
            if (c instanceof ProblemException p) {
                return p;
            }
        }
        return null;
    }

    public ProblemType type() {
        return type;
    }

    public String errno() {
        return errno;
    }

    public Map<String, Object> members() {
        return members;
    }
}
