package dev.sva.core;

import io.swagger.v3.oas.annotations.media.Schema;
import java.util.List;
import java.util.function.Function;

/**
 * One page of a list: items in a stable order, the cursor of the next page or {@code null}, and the
 * node's event {@code seq} that the items reflect (as a Kubernetes list answers its
 * {@code resourceVersion}): watching {@code GET /events/stream?after=seq} continues with no gap and
 * no repeat.
 */
public record Page<T>(List<T> items,
                      @Schema(nullable = true, description = "null on the last page") String nextCursor,
                      @Schema(nullable = true, description = "the node's last event seq that the items reflect; "
                              + "null for the node list") Long seq) {

    /**
     * Builds a page from up to {@code limit + 1} rows fetched in list order: the extra row only tells
     * that a next page exists, and the cursor is the key of the last item returned.
     */
    public static <E, T> Page<T> of(Listed<E> listed, int limit, Function<E, String> cursorOf, Function<E, T> view) {
        List<E> rows = listed.rows();
        boolean more = rows.size() > limit;
        List<E> kept = more ? rows.subList(0, limit) : rows;
        String next = more ? cursorOf.apply(kept.get(kept.size() - 1)) : null;
        return new Page<>(kept.stream().map(view).toList(), next, listed.seq());
    }
}
