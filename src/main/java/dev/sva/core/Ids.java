package dev.sva.core;

/**
 * Opaque, server-assigned ids: a kind prefix and the database key ({@code dev-51}). The prefix lets a
 * person in Swagger UI see at once that a group id was passed where a device id belongs; clients must
 * not parse them.
 */
public enum Ids {
    DEVICE("dev", "device"),
    GROUP("grp", "group"),
    CONTAINER("ctr", "container"),
    ADDRESS_SPACE("as", "address space"),
    BOND("bond", "bond");

    private final String prefix;
    private final String noun;

    Ids(String prefix, String noun) {
        this.prefix = prefix + "-";
        this.noun = noun;
    }

    public String format(long key) {
        return prefix + key;
    }

    public String formatNullable(Long key) {
        return key == null ? null : format(key);
    }

    /** The key behind {@code id}, or {@code 404 NOT_FOUND} when it cannot name an object of this kind. */
    public long parse(String id) {
        if (id != null && id.startsWith(prefix) && id.length() > prefix.length() && id.length() <= prefix.length() + 18) {
            String digits = id.substring(prefix.length());
            // ASCII digits without leading zeros: one object, one spelling of its id
            if (digits.chars().allMatch(c -> c >= '0' && c <= '9') && (digits.charAt(0) != '0' || digits.length() == 1)) {
                return Long.parseLong(digits);
            }
        }
        throw notFound(id);
    }

    public ProblemException notFound(String id) {
        return Problems.notFound(noun, id);
    }

    public ProblemException notFound(long key) {
        return notFound(format(key));
    }

    /** The pattern of this kind's ids, for the API document: the prefix and a key without leading zeros. */
    public String pattern() {
        return "^" + prefix + "(0|[1-9][0-9]{0,17})$";
    }

    public String noun() {
        return noun;
    }
}
