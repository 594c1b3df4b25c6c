package dev.sva.core;

/** Factories for the problems more than one feature raises. */
public final class Problems {

    private Problems() {
    }

    /** {@code 400 VALIDATION_FAILED} naming the field and the reason. */
    public static ProblemException invalid(String field, String reason) {
        return invalid(field, reason, "EINVAL");
    }

    public static ProblemException invalid(String field, String reason, String errno) {
        return new ProblemException(ProblemType.VALIDATION_FAILED, errno, field + ": " + reason)
                .with("field", field)
                .with("reason", reason);
    }

    /** {@code 404 NOT_FOUND} for an id that names nothing. */
    public static ProblemException notFound(String kind, String id) {
        return new ProblemException(ProblemType.NOT_FOUND, "no " + kind + " " + id)
                .with("kind", kind)
                .with("id", id);
    }

    /** {@code 422 CROSS_NODE}: one request referenced objects of two nodes. */
    public static ProblemException crossNode(String expectedNode, String kind, String id, String otherNode) {
        return new ProblemException(ProblemType.CROSS_NODE,
                kind + " " + id + " belongs to node " + otherNode + ", not " + expectedNode)
                .with("nodes", java.util.List.of(expectedNode, otherNode));
    }
}
