package dev.sva.core;

/** What text the service accepts from clients in any string: what every supported database stores as sent. */
public final class Text {

    private Text() {
    }

    /**
     * Why {@code value} is not text every database stores as sent, or {@code null} when it is: it
     * holds U+0000 (PostgreSQL refuses it), or a UTF-16 surrogate without its partner (JSON's
     * {@code \\uXXXX} escapes can spell one; PostgreSQL's UTF-8 encoder stores it as {@code ?}, H2
     * keeps it and fails later when rendering it). UTF-8 bytes cannot spell one; the parser refuses those.
     */
    public static String invalid(String value) {
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c == '\0') {
                return "must not contain U+0000";
            }
            if (Character.isHighSurrogate(c) && i + 1 < value.length() && Character.isLowSurrogate(value.charAt(i + 1))) {
                i++;
            } else if (Character.isSurrogate(c)) {
                return "must be valid Unicode text (a lone UTF-16 surrogate at index " + i + ")";
            }
        }
        return null;
    }
}
