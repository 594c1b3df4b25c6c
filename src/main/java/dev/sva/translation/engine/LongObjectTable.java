package dev.sva.translation.engine;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * A {@code long -> V} open-addressing hash table (linear probing, power-of-two capacity) with lock-free readers and
 * one writer at a time, in the style of Agrona's {@code Long2ObjectHashMap}: primitive keys, 0 as the empty key, no
 * boxing on lookup.
 *
 * <p>Threading: the caller serialises {@link #put}/{@link #remove}. A writer stores the value, then the key with
 * release; a reader loads the key with acquire, then the value. Removal clears the value and keeps the key as a
 * tombstone; a resize copies the live entries into new arrays, published through one volatile field, and never
 * touches the old arrays again, so a reader holding them sees a consistent earlier state.
 */
final class LongObjectTable<V> {

    private static final VarHandle KEY = MethodHandles.arrayElementVarHandle(long[].class);
    private static final VarHandle VAL = MethodHandles.arrayElementVarHandle(Object[].class);

    private static final class Arrays {
        final long[] keys;
        final Object[] values;

        Arrays(int capacity) {
            keys = new long[capacity];
            values = new Object[capacity];
        }
    }

    private volatile Arrays table = new Arrays(16);
    /** Slots whose key is set (live or tombstone); writer only. */
    private int used;
    private int live;

    private static int hash(long key, int mask) {
        long h = key * 0x9E3779B97F4A7C15L;
        return (int) (h ^ (h >>> 32)) & mask;
    }

    /** The value of {@code key} (non-zero), or null. Any thread. */
    @SuppressWarnings("unchecked")
    V get(long key) {
        Arrays t = table;
        long[] keys = t.keys;
        int mask = keys.length - 1;
        for (int i = hash(key, mask); ; i = (i + 1) & mask) {
            long k = (long) KEY.getAcquire(keys, i);
            if (k == key) {
                return (V) VAL.getAcquire(t.values, i);
            }
            if (k == 0) {
                return null;
            }
        }
    }

    /** Maps {@code key} (non-zero) to {@code value} (non-null). Writer only. */
    void put(long key, V value) {
        if (key == 0 || value == null) {
            throw new IllegalArgumentException("zero key or null value");
        }
        Arrays t = table;
        int mask = t.keys.length - 1;
        int i = hash(key, mask);
        for (; ; i = (i + 1) & mask) {
            long k = t.keys[i];
            if (k == key) {
                if (t.values[i] == null) {
                    live++;
                }
                VAL.setRelease(t.values, i, value);
                return;
            }
            if (k == 0) {
                break;
            }
        }
        if (4 * (used + 1) > 3 * t.keys.length) {
            resize(live + 1);
            put(key, value);
            return;
        }
        VAL.setRelease(t.values, i, value);
        KEY.setRelease(t.keys, i, key);
        used++;
        live++;
    }

    /** Removes {@code key}; returns its value or null. Writer only. */
    @SuppressWarnings("unchecked")
    V remove(long key) {
        Arrays t = table;
        int mask = t.keys.length - 1;
        for (int i = hash(key, mask); ; i = (i + 1) & mask) {
            long k = t.keys[i];
            if (k == key) {
                V old = (V) t.values[i];
                if (old != null) {
                    VAL.setRelease(t.values, i, null);
                    live--;
                }
                return old;
            }
            if (k == 0) {
                return null;
            }
        }
    }

    int size() {
        return live;
    }

    /** Calls {@code action} for every live value. Writer only. */
    @SuppressWarnings("unchecked")
    void forEach(java.util.function.Consumer<V> action) {
        Arrays t = table;
        for (int i = 0; i < t.keys.length; i++) {
            Object v = t.values[i];
            if (v != null) {
                action.accept((V) v);
            }
        }
    }

    private void resize(int needed) {
        int cap = 16;
        while (cap < 2 * needed + 2) {
            cap <<= 1;
        }
        Arrays old = table;
        Arrays t = new Arrays(cap);
        int mask = cap - 1;
        int n = 0;
        for (int j = 0; j < old.keys.length; j++) {
            Object v = old.values[j];
            if (v != null) {
                long k = old.keys[j];
                int i = hash(k, mask);
                while (t.keys[i] != 0) {
                    i = (i + 1) & mask;
                }
                t.keys[i] = k;
                t.values[i] = v;
                n++;
            }
        }
        used = n;
        live = n;
        table = t;
    }
}
