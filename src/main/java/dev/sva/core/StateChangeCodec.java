package dev.sva.core;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * The journal's encoding of {@link StateChange}s (column {@code journal.changes}): a JSON array of commands, each
 * command an array of its type name and then its fields, positionally, in the record's component order:
 * {@code [["Mapped",12,1048576,4096,1073741824,true,false],["Unbound",7,1]]}. Numbers are Java {@code long}s as
 * written (addresses are unsigned, so an address of 2^63 or above is a negative number here); arrays of a
 * {@code DevicePut}'s BARs or a {@code PeerRoutes}' peers are nested arrays of numbers.
 *
 * <p>Versioning: the type name says what a command is; a type gains fields only at its end, and a reader fills
 * fields a record lacks with 0, {@code false} or an empty array. A command of a type this version does not know
 * (written by a newer one) is refused with an {@link IllegalArgumentException}: applying part of a record would
 * leave the engine wrong without anyone noticing.
 *
 * <p>Hand-written rather than databind: a replica catching up decodes up to millions of records, and this reader
 * neither reflects nor builds a tree. Thread-safe (no state).
 */
public final class StateChangeCodec {

    private StateChangeCodec() {
    }

    /** The commands as one journal record's text. */
    public static String encode(List<? extends StateChange> changes) {
        StringBuilder out = new StringBuilder(32 + 48 * changes.size());
        out.append('[');
        for (int i = 0; i < changes.size(); i++) {
            if (i > 0) {
                out.append(',');
            }
            encode(changes.get(i), out);
        }
        return out.append(']').toString();
    }

    /**
     * One command's text, as an element of a record: a writer that splits a long list of commands into several
     * records joins these with commas inside brackets.
     */
    public static String encodeCommand(StateChange change) {
        StringBuilder out = new StringBuilder(48);
        encode(change, out);
        return out.toString();
    }

    private static void encode(StateChange change, StringBuilder out) {
        Writer w = new Writer(out, change.getClass().getSimpleName());
        if (change instanceof StateChange.NodePut c) {
            w.n(c.nodeId()).n(c.pasidBits()).n(c.iovaBits()).n(c.vaBits());
        } else if (change instanceof StateChange.DevicePut c) {
            w.n(c.nodeId()).n(c.deviceId()).n(c.groupId()).n(c.pasidBits()).b(c.pri())
                    .ints(c.barIndex()).longs(c.barBase()).longs(c.barSize());
        } else if (change instanceof StateChange.PeerRoutes c) {
            w.n(c.deviceId()).longs(c.peerIds()).ints(c.barIndex());
        } else if (change instanceof StateChange.DeviceRemoved c) {
            w.n(c.deviceId());
        } else if (change instanceof StateChange.GroupAttached c) {
            w.n(c.groupId()).n(c.containerId());
        } else if (change instanceof StateChange.GroupDetached c) {
            w.n(c.groupId());
        } else if (change instanceof StateChange.Mapped c) {
            w.n(c.containerId()).n(c.iova()).n(c.size()).n(c.physicalAddress()).b(c.read()).b(c.write());
        } else if (change instanceof StateChange.Unmapped c) {
            w.n(c.containerId()).n(c.iova()).n(c.size());
        } else if (change instanceof StateChange.ContainerRemoved c) {
            w.n(c.containerId());
        } else if (change instanceof StateChange.AddressSpacePut c) {
            w.n(c.nodeId()).n(c.addressSpaceId());
        } else if (change instanceof StateChange.RegionMapped c) {
            w.n(c.addressSpaceId()).n(c.va()).n(c.size()).n(c.physicalAddress()).b(c.read())
                    .b(c.write()).b(c.pinned());
        } else if (change instanceof StateChange.RegionUnmapped c) {
            w.n(c.addressSpaceId()).n(c.va()).n(c.size());
        } else if (change instanceof StateChange.AddressSpaceRemoved c) {
            w.n(c.addressSpaceId());
        } else if (change instanceof StateChange.Bound c) {
            w.n(c.deviceId()).n(c.pasid()).n(c.addressSpaceId()).b(c.iopf());
        } else if (change instanceof StateChange.Unbound c) {
            w.n(c.deviceId()).n(c.pasid());
        } else {
            throw new IllegalArgumentException("no encoding for " + change);
        }
        out.append(']');
    }

    /** The commands of one journal record, in order. */
    public static List<StateChange> decode(String text) {
        List<StateChange> out = new ArrayList<>(4);
        decode(text, out::add);
        return out;
    }

    /** Hands each command of one journal record to {@code sink}, in order. */
    public static void decode(String text, Consumer<? super StateChange> sink) {
        Reader r = new Reader(text);
        r.expect('[');
        if (r.peek() == ']') {
            r.pos++;
            r.end();
            return;
        }
        do {
            sink.accept(command(r));
        } while (r.commaOr(']'));
        r.end();
    }

    private static StateChange command(Reader r) {
        r.expect('[');
        String type = r.string();
        StateChange c = switch (type) {
            case "NodePut" -> new StateChange.NodePut(r.n(), r.i(), r.i(), r.i());
            case "DevicePut" -> new StateChange.DevicePut(r.n(), r.n(), r.n(), r.i(), r.b(), r.ints(), r.longs(), r.longs());
            case "PeerRoutes" -> new StateChange.PeerRoutes(r.n(), r.longs(), r.ints());
            case "DeviceRemoved" -> new StateChange.DeviceRemoved(r.n());
            case "GroupAttached" -> new StateChange.GroupAttached(r.n(), r.n());
            case "GroupDetached" -> new StateChange.GroupDetached(r.n());
            case "Mapped" -> new StateChange.Mapped(r.n(), r.n(), r.n(), r.n(), r.b(), r.b());
            case "Unmapped" -> new StateChange.Unmapped(r.n(), r.n(), r.n());
            case "ContainerRemoved" -> new StateChange.ContainerRemoved(r.n());
            case "AddressSpacePut" -> new StateChange.AddressSpacePut(r.n(), r.n());
            case "RegionMapped" -> new StateChange.RegionMapped(r.n(), r.n(), r.n(), r.n(), r.b(), r.b(), r.b());
            case "RegionUnmapped" -> new StateChange.RegionUnmapped(r.n(), r.n(), r.n());
            case "AddressSpaceRemoved" -> new StateChange.AddressSpaceRemoved(r.n());
            case "Bound" -> new StateChange.Bound(r.n(), r.i(), r.n(), r.b());
            case "Unbound" -> new StateChange.Unbound(r.n(), r.i());
            default -> throw new IllegalArgumentException("journal command of unknown type " + type
                    + " (written by a newer version?)");
        };
        r.skipRest();
        return c;
    }

    /** Appends one command's fields, each after a comma. */
    private static final class Writer {
        private final StringBuilder out;

        Writer(StringBuilder out, String type) {
            this.out = out;
            out.append("[\"").append(type).append('"');
        }

        Writer n(long v) {
            out.append(',').append(v);
            return this;
        }

        Writer b(boolean v) {
            out.append(',').append(v);
            return this;
        }

        Writer ints(int[] v) {
            out.append(",[");
            for (int i = 0; i < v.length; i++) {
                out.append(i == 0 ? "" : ",").append(v[i]);
            }
            out.append(']');
            return this;
        }

        Writer longs(long[] v) {
            out.append(",[");
            for (int i = 0; i < v.length; i++) {
                out.append(i == 0 ? "" : ",").append(v[i]);
            }
            out.append(']');
            return this;
        }
    }

    /**
     * Reads one command's fields in order; a field the command does not have (written by an older version) reads
     * as 0, {@code false} or an empty array. No whitespace is written, but any is skipped.
     */
    private static final class Reader {
        private static final int[] NO_INTS = new int[0];
        private static final long[] NO_LONGS = new long[0];

        private final String s;
        int pos;
        /** Whether the current command's closing {@code ]} has been reached: later fields are absent. */
        private boolean closed;

        Reader(String s) {
            this.s = s;
        }

        char peek() {
            while (pos < s.length() && s.charAt(pos) <= ' ') {
                pos++;
            }
            if (pos >= s.length()) {
                throw bad("unexpected end");
            }
            return s.charAt(pos);
        }

        void expect(char c) {
            if (peek() != c) {
                throw bad("expected '" + c + "'");
            }
            pos++;
            closed = false;
        }

        /** After an element: true at a comma (another follows), false at {@code close}. */
        boolean commaOr(char close) {
            char c = peek();
            pos++;
            if (c == ',') {
                return true;
            }
            if (c == close) {
                return false;
            }
            throw bad("expected ',' or '" + close + "'");
        }

        void end() {
            while (pos < s.length() && s.charAt(pos) <= ' ') {
                pos++;
            }
            if (pos != s.length()) {
                throw bad("trailing text");
            }
        }

        String string() {
            expect('"');
            int end = s.indexOf('"', pos);
            if (end < 0) {
                throw bad("unterminated string");
            }
            String v = s.substring(pos, end);
            pos = end + 1;
            return v;
        }

        /** Moves to the next field of the command: false when the command has no more. */
        private boolean next() {
            if (closed) {
                return false;
            }
            if (!commaOr(']')) {
                closed = true;
                return false;
            }
            return true;
        }

        long n() {
            return next() ? number() : 0;
        }

        int i() {
            return Math.toIntExact(n());
        }

        boolean b() {
            if (!next()) {
                return false;
            }
            if (s.startsWith("true", pos)) {
                pos += 4;
                return true;
            }
            if (s.startsWith("false", pos)) {
                pos += 5;
                return false;
            }
            throw bad("expected a boolean");
        }

        long[] longs() {
            if (!next()) {
                return NO_LONGS;
            }
            expect('[');
            if (peek() == ']') {
                pos++;
                return NO_LONGS;
            }
            long[] v = new long[4];
            int k = 0;
            do {
                if (k == v.length) {
                    v = java.util.Arrays.copyOf(v, k * 2);
                }
                v[k++] = number();
            } while (commaOr(']'));
            return java.util.Arrays.copyOf(v, k);
        }

        int[] ints() {
            long[] v = longs();
            if (v.length == 0) {
                return NO_INTS;
            }
            int[] out = new int[v.length];
            for (int i = 0; i < v.length; i++) {
                out[i] = Math.toIntExact(v[i]);
            }
            return out;
        }

        private long number() {
            peek();
            boolean negative = s.charAt(pos) == '-';
            if (negative) {
                pos++;
            }
            int start = pos;
            long v = 0;
            while (pos < s.length()) {
                char c = s.charAt(pos);
                if (c < '0' || c > '9') {
                    break;
                }
                // accumulated negatively so that Long.MIN_VALUE reads too; overflow is refused
                long next = v * 10 - (c - '0');
                if (v < Long.MIN_VALUE / 10 || next > v) {
                    throw bad("number out of range");
                }
                v = next;
                pos++;
            }
            if (pos == start) {
                throw bad("expected a number");
            }
            if (!negative) {
                if (v == Long.MIN_VALUE) {
                    throw bad("number out of range");
                }
                v = -v;
            }
            return v;
        }

        /** Skips fields a newer version appended to the command, then its closing bracket. */
        void skipRest() {
            while (!closed && commaOr(']')) {
                skipValue();
            }
            closed = false;
        }

        private void skipValue() {
            char c = peek();
            if (c == '[') {
                pos++;
                if (peek() == ']') {
                    pos++;
                    return;
                }
                do {
                    skipValue();
                } while (commaOr(']'));
            } else if (c == '"') {
                string();
            } else {
                while (pos < s.length() && ",]".indexOf(s.charAt(pos)) < 0 && s.charAt(pos) > ' ') {
                    pos++;
                }
            }
        }

        private IllegalArgumentException bad(String what) {
            return new IllegalArgumentException("malformed journal record at " + pos + ": " + what);
        }
    }
}
