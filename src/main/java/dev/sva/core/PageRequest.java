package dev.sva.core;

/** {@code limit} and {@code cursor} of a list request, validated. */
public record PageRequest(int limit, String cursor) {

    public static final int DEFAULT_LIMIT = 100;
    public static final int MAX_LIMIT = 1000;

    public static PageRequest of(Integer limit, String cursor) {
        int l = limit == null ? DEFAULT_LIMIT : limit;
        if (l < 1 || l > MAX_LIMIT) {
            throw Problems.invalid("limit", "must be between 1 and " + MAX_LIMIT);
        }
        return new PageRequest(l, cursor == null || cursor.isEmpty() ? null : cursor);
    }

    /** The cursor as the numeric key it encodes, or {@code after} when there is none. */
    public long cursorKey(long after) {
        if (cursor == null) {
            return after;
        }
        try {
            return Long.parseLong(cursor);
        } catch (NumberFormatException e) {
            throw Problems.invalid("cursor", "is not a cursor this list returned");
        }
    }

    /** A {@link org.springframework.data.domain.Pageable} fetching one row past the limit. */
    public org.springframework.data.domain.Pageable probe() {
        return org.springframework.data.domain.PageRequest.of(0, limit + 1);
    }
}
