package dev.sva.core;

/**
 * An inclusive, non-empty range {@code [first, last]} of unsigned 64-bit addresses. Inclusive, so
 * that a range ending at 2^64 - 1 needs no 65th bit.
 */
public record AddressRange(long first, long last) {

    public AddressRange {
        if (Long.compareUnsigned(first, last) > 0) {
            throw new IllegalArgumentException("empty range");
        }
    }

    /**
     * The range {@code [start, start + size)} of a mapping request, validated by the rules of VFIO
     * type1 v2 and iommufd: 4 KiB alignment of {@code start}, {@code size} and {@code physical},
     * {@code size > 0}, no wrap past 2^64 ({@code EOVERFLOW}), and inside {@code widthBits}
     * ({@code OUT_OF_RANGE}).
     */
    public static AddressRange ofMapping(String startField, long start, long size, long physical, int widthBits) {
        if (size == 0) {
            throw Problems.invalid("size", "must be greater than 0");
        }
        if (!Address.isPageAligned(start)) {
            throw Problems.invalid(startField, "must be aligned to 4 KiB");
        }
        if (!Address.isPageAligned(size)) {
            throw Problems.invalid("size", "must be a multiple of 4 KiB");
        }
        if (!Address.isPageAligned(physical)) {
            throw Problems.invalid("physicalAddress", "must be aligned to 4 KiB");
        }
        long last = start + size - 1;
        if (Long.compareUnsigned(last, start) < 0) {
            throw Problems.invalid("size", startField + " + size wraps past 2^64", "EOVERFLOW");
        }
        if (Long.compareUnsigned(physical + size - 1, physical) < 0) {
            throw Problems.invalid("size", "physicalAddress + size wraps past 2^64", "EOVERFLOW");
        }
        AddressRange range = new AddressRange(start, last);
        range.requireWithin(startField, widthBits);
        return range;
    }

    /**
     * The range of an unmap request {@code [start, start + size)}: {@code size > 0} ({@code EINVAL}, as
     * type1 {@code vfio_dma_do_unmap}, iommufd {@code iopt_unmap_iova} and {@code munmap(2)} answer a
     * zero length), page-aligned, no wrap past 2^64 ({@code EOVERFLOW}, {@code iopt_unmap_iova}'s
     * {@code check_add_overflow}).
     */
    public static AddressRange ofUnmap(String startField, long start, long size) {
        if (size == 0) {
            throw Problems.invalid("size", "must be greater than 0; give neither " + startField + " nor size to unmap all");
        }
        if (!Address.isPageAligned(start)) {
            throw Problems.invalid(startField, "must be aligned to 4 KiB");
        }
        if (!Address.isPageAligned(size)) {
            throw Problems.invalid("size", "must be a multiple of 4 KiB");
        }
        if (Long.compareUnsigned(start + size - 1, start) < 0) {
            throw Problems.invalid("size", startField + " + size wraps past 2^64", "EOVERFLOW");
        }
        return new AddressRange(start, start + size - 1);
    }

    /**
     * Whether an unmap names every address: iommufd's {@code iommufd_ioas_unmap} reads iova 0 with
     * length {@code U64_MAX} as "unmap everything" ({@code iopt_unmap_all}), though the length is not
     * page-aligned and the range stops one byte short of 2^64.
     */
    public static boolean isUnmapAll(long start, long size) {
        return start == 0 && size == -1L;
    }

    /**
     * The range {@code [start, start + size)} a list is narrowed to: any alignment, {@code size > 0},
     * no wrap past 2^64 ({@code EOVERFLOW}); every address when {@code start} is {@code null}.
     */
    public static AddressRange ofQuery(String startField, Long start, Long size) {
        if (start == null) {
            if (size != null) {
                throw Problems.invalid("size", "needs " + startField);
            }
            return all();
        }
        long length = size == null ? 1 : size;
        if (length == 0) {
            throw Problems.invalid("size", "must be greater than 0");
        }
        if (Long.compareUnsigned(start + length - 1, start) < 0) {
            throw Problems.invalid("size", startField + " + size wraps past 2^64", "EOVERFLOW");
        }
        return new AddressRange(start, start + length - 1);
    }

    /** Every address: what an unmap without a range removes. */
    public static AddressRange all() {
        return new AddressRange(0, -1L);
    }

    /** Throws {@code 422 OUT_OF_RANGE} unless the whole range lies below {@code 2^widthBits}. */
    public void requireWithin(String field, int widthBits) {
        if (widthBits < 64 && Long.compareUnsigned(last, (1L << widthBits) - 1) > 0) {
            throw new ProblemException(ProblemType.OUT_OF_RANGE,
                    field + " range " + this + " exceeds the node's " + widthBits + "-bit address width")
                    .with("field", field)
                    .with("widthBits", widthBits);
        }
    }

    /**
     * Size in bytes, unsigned ({@link Address#unsigned} renders it); 0 for the whole 2^64 space,
     * which a {@code long} cannot hold.
     */
    public long size() {
        return last - first + 1;
    }

    public boolean contains(AddressRange other) {
        return Long.compareUnsigned(first, other.first) <= 0 && Long.compareUnsigned(other.last, last) <= 0;
    }

    public boolean overlaps(AddressRange other) {
        return Long.compareUnsigned(first, other.last) <= 0 && Long.compareUnsigned(other.first, last) <= 0;
    }

    @Override
    public String toString() {
        return "[" + Address.format(first) + ", " + Address.format(last) + "]";
    }
}
