package dev.sva.core;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.springframework.data.domain.Pageable;

/**
 * The rules a container's DMA mappings and a process's VA regions share, written once: a new range may
 * not overlap a kept one ({@code 409 MAPPING_OVERLAP}, rule 15) nor exceed the owner's entry limit
 * ({@code MAPPING_LIMIT}), and the kept ranges of one owner are found by two index probes. Alignment,
 * size and width checks are {@link AddressRange#ofMapping} and {@link AddressRange#ofUnmap}.
 */
public final class RangeRules {

    private RangeRules() {
    }

    /** The rows of one owner that start inside {@code [firstKey, lastKey]}, in address order: a range scan of the start index. */
    public interface StartingWithin<T> {
        List<T> rows(long firstKey, long lastKey, Pageable pageable);
    }

    /** The rows of one owner that end at or after {@code key}, by end: with a page of one, one probe of the end index. */
    public interface EndingFrom<T> {
        List<T> rows(long key, Pageable pageable);
    }

    /** The two index probes of one owner's rows, by {@link Address#sortKey sort key}. */
    public record Index<T extends MappedRange>(StartingWithin<T> startingWithin, EndingFrom<T> endingFrom) {
    }

    /**
     * The rows that share an address with {@code range}, in address order, at most {@code pageable}'s size.
     * Rows never overlap, so at most one starts before the range and reaches into it (the first that ends
     * inside or after it) and every other starts inside it: two probes whose cost does not grow with the
     * rows outside the range.
     */
    public static <T extends MappedRange> List<T> overlapping(Index<T> index, AddressRange range, Pageable pageable) {
        return page(index, range, 0, pageable);
    }

    /** A page of the rows that share an address with {@code range} and start at {@code from} or above. */
    public static <T extends MappedRange> List<T> page(Index<T> index, AddressRange range, long from, Pageable pageable) {
        List<T> out = new ArrayList<>();
        long first = range.first();
        if (Long.compareUnsigned(from, first) <= 0) {
            for (T head : index.endingFrom().rows(Address.sortKey(first), Pageable.ofSize(1))) {
                if (Long.compareUnsigned(head.first(), first) < 0 && Long.compareUnsigned(head.first(), from) >= 0) {
                    out.add(head);
                }
            }
        }
        long start = Long.compareUnsigned(from, first) > 0 ? from : first;
        if (Long.compareUnsigned(start, range.last()) > 0) {
            return out;
        }
        Pageable rest = pageable;
        if (pageable.isPaged()) {
            int left = pageable.getPageSize() - out.size();
            if (left <= 0) {
                return out;
            }
            rest = Pageable.ofSize(left);
        }
        out.addAll(index.startingWithin().rows(Address.sortKey(start), Address.sortKey(range.last()), rest));
        return out;
    }

    /**
     * A page of the rows that share an address with {@code range}, from the page's cursor (the address the
     * next page starts at, as {@link #nextCursor} renders it), one row past the limit.
     */
    public static <T extends MappedRange> List<T> page(Index<T> index, AddressRange range, PageRequest page) {
        long from = page.cursor() == null ? 0 : Address.parse("cursor", page.cursor());
        return page(index, range, from, page.probe());
    }

    /** The cursor of the page that follows {@code last}: the address after its first. */
    public static String nextCursor(MappedRange last) {
        return Address.format(last.first() + 1);
    }

    /** Refuses a new range without permission: {@code 400 VALIDATION_FAILED} on {@code read}. */
    public static void requirePermission(boolean read, boolean write, String noun) {
        if (!read && !write) {
            throw Problems.invalid("read", "a " + noun + " needs read or write permission");
        }
    }

    /** Refuses an unmap that gives its address without its size or the other way round ({@code null} both: all). */
    public static void requireBothOrNeither(String addressField, Long address, Long size) {
        if ((address == null) != (size == null)) {
            throw Problems.invalid(address == null ? addressField : "size",
                    addressField + " and size go together; give neither to unmap all");
        }
    }

    /**
     * Refuses a new {@code range} that shares an address with a kept row: {@code 409 MAPPING_OVERLAP}
     * naming up to eight of them under {@code member} ({@code "mappings"}, {@code "regions"}).
     */
    public static <T extends MappedRange> void requireFree(Index<T> index, AddressRange range, String noun, String member,
                                                           Function<T, Map<String, Object>> summary) {
        List<T> overlaps = overlapping(index, range, Pageable.ofSize(8));
        if (!overlaps.isEmpty()) {
            throw new ProblemException(ProblemType.MAPPING_OVERLAP, "range " + range + " overlaps an existing " + noun)
                    .with(member, overlaps.stream().map(summary).toList());
        }
    }

    /**
     * Refuses one more entry when {@code holder} keeps {@code count} of {@code limit}: {@code MAPPING_LIMIT}.
     * The kept count, not a count(*): a map's cost must not grow with its owner.
     */
    public static void requireRoom(long count, int limit, String holder, String nouns) {
        if (count >= limit) {
            throw new ProblemException(ProblemType.MAPPING_LIMIT, holder + " holds " + limit + " " + nouns + ", the limit")
                    .with("limit", limit);
        }
    }

    /**
     * The kept count of {@code holder}'s entries after {@code delta} of them are added ({@code > 0}) or removed:
     * kept with the rows, under the node lock, never below zero (that would be a bug, not bad input).
     */
    public static int counted(int count, int delta, String holder, String nouns) {
        if (count + delta < 0) {
            throw new IllegalStateException(holder + " would hold " + (count + delta) + " " + nouns);
        }
        return count + delta;
    }
}
