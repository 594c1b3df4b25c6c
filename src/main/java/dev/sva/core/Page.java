package dev.sva.core;

import io.swagger.v3.oas.annotations.media.Schema;
import java.util.List;
import java.util.function.Function;

/** One page of a list: items in a stable order, and the cursor of the next page or {@code null}. */
public record Page<T>(List<T> items, @Schema(nullable = true, description = "null on the last page") String nextCursor) {

    /**
     * Builds a page from up to {@code limit + 1} rows fetched in list order: the extra row only tells
     * that a next page exists, and the cursor is the key of the last item returned.
     */
    public static <E, T> Page<T> of(List<E> rows, int limit, Function<E, String> cursorOf, Function<E, T> view) {
        boolean more = rows.size() > limit;
        List<E> kept = more ? rows.subList(0, limit) : rows;
        String next = more ? cursorOf.apply(kept.get(kept.size() - 1)) : null;
        return new Page<>(kept.stream().map(view).toList(), next);
    }
}
