package dev.sva.core;

import java.math.BigInteger;

/**
 * Codec for the API's addresses and sizes. Addresses are unsigned 64-bit values carried as
 * {@code "0x…"} strings (any case in, lower case out); sizes are JSON integers or such strings.
 * All arithmetic on them is unsigned: callers use {@link Long#compareUnsigned}.
 */
public final class Address {

    public static final long PAGE_SIZE = 4096;
    public static final long PAGE_MASK = PAGE_SIZE - 1;

    private static final BigInteger TWO_64 = BigInteger.ONE.shiftLeft(64);

    private Address() {
    }

    /** Renders an unsigned value as {@code 0x…} in lower case. */
    public static String format(long value) {
        return "0x" + Long.toHexString(value);
    }

    /**
     * Parses a {@code 0x…} string; throws {@code VALIDATION_FAILED} naming {@code field} when the
     * value is absent, not hex, or wider than 64 bits.
     */
    public static long parse(String field, String value) {
        if (value == null) {
            throw Problems.invalid(field, "is required");
        }
        String s = value.trim();
        if (s.length() < 3 || s.charAt(0) != '0' || (s.charAt(1) != 'x' && s.charAt(1) != 'X')) {
            throw Problems.invalid(field, "must be a hex string such as \"0x1000\"");
        }
        String digits = s.substring(2);
        if (!digits.chars().allMatch(Address::isHexDigit)) {
            // Long.parseUnsignedLong would take "+1000" and non-ASCII digits
            throw Problems.invalid(field, "must be a hex string such as \"0x1000\"");
        }
        if (digits.length() > 16 + countLeadingZeros(digits)) {
            throw Problems.invalid(field, "does not fit in 64 bits", "EOVERFLOW");
        }
        try {
            return Long.parseUnsignedLong(digits, 16);
        } catch (NumberFormatException e) {
            throw Problems.invalid(field, "must be a hex string such as \"0x1000\"");
        }
    }

    /**
     * Parses a size given as a JSON integer or a {@code 0x…} string. Sizes are unsigned 64-bit, as
     * the kernel's {@code __u64 size}/{@code length}: any value up to 2^64 - 1 is returned (as the
     * {@code long} with the same bits); only a value that does not fit 64 bits is {@code EOVERFLOW}.
     * Whether {@code start + size} wraps is the caller's check.
     */
    public static long parseSize(String field, Object value) {
        if (value == null) {
            throw Problems.invalid(field, "is required");
        }
        BigInteger big;
        if (value instanceof Integer || value instanceof Long || value instanceof Short) {
            big = BigInteger.valueOf(((Number) value).longValue());
        } else if (value instanceof BigInteger b) {
            big = b;
        } else if (value instanceof String s) {
            return parse(field, s);
        } else {
            throw Problems.invalid(field, "must be an integer or a hex string such as \"0x1000\"");
        }
        if (big.signum() < 0) {
            throw Problems.invalid(field, "must not be negative");
        }
        if (big.compareTo(TWO_64) >= 0) {
            throw Problems.invalid(field, "does not fit in 64 bits", "EOVERFLOW");
        }
        return big.longValue();
    }

    /** An unsigned 64-bit value (a size, a byte count) as a JSON integer, exact above 2^63 as well. */
    public static BigInteger unsigned(long value) {
        return value >= 0 ? BigInteger.valueOf(value) : BigInteger.valueOf(value).add(TWO_64);
    }

    /** A size given as a query parameter: decimal digits, or a {@code 0x…} string; for {@link #parseSize}. */
    private static Object sizeParam(String size) {
        if (!size.isEmpty() && size.length() < 40 && size.chars().allMatch(Character::isDigit)) {
            return new BigInteger(size);
        }
        return size;
    }

    /** An optional address query parameter, parsed as {@link #parse} does; {@code null} when absent. */
    public static Long parseParam(String field, String value) {
        return value == null ? null : parse(field, value);
    }

    /** An optional {@code size} query parameter, decimal or hex, as {@link #parseSize} reads it; {@code null} when absent. */
    public static Long parseSizeParam(String size) {
        return size == null ? null : parseSize("size", sizeParam(size));
    }

    public static boolean isPageAligned(long value) {
        return (value & PAGE_MASK) == 0;
    }

    /**
     * Maps an unsigned value onto a signed {@code long} that sorts the same way. The database stores
     * address keys in this form so that its signed {@code BIGINT} order is unsigned address order.
     */
    public static long sortKey(long unsigned) {
        return unsigned ^ Long.MIN_VALUE;
    }

    /** Inverse of {@link #sortKey}. */
    public static long fromSortKey(long key) {
        return key ^ Long.MIN_VALUE;
    }

    private static boolean isHexDigit(int c) {
        return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
    }

    private static int countLeadingZeros(String digits) {
        int n = 0;
        while (n < digits.length() - 1 && digits.charAt(n) == '0') {
            n++;
        }
        return n;
    }
}
