package dev.sva.translation;

import dev.sva.core.Address;
import dev.sva.core.Ids;
import dev.sva.core.Problems;
import dev.sva.translation.engine.Access;
import dev.sva.translation.engine.DmaBatch;
import dev.sva.translation.engine.FaultReason;
import dev.sva.translation.engine.Outcome;
import dev.sva.translation.engine.PageResponse;
import java.io.InputStream;
import java.io.OutputStream;
import java.math.BigInteger;
import tools.jackson.core.JacksonException;
import tools.jackson.core.JsonGenerator;
import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonToken;
import tools.jackson.databind.json.JsonMapper;

/**
 * The wire format of {@code POST /dma} and {@code POST /dma/batch}, and the one place their requests are
 * validated and their answers written. A request (alone, or as an element of a batch) becomes one entry of
 * a {@link DmaBatch}, the engine's request; the answer is written from the batch's arrays. The batch is
 * streamed: parsed token by token and written from the arrays, so it builds no object per item on either
 * side. The JSON is {@code DmaController.DmaRequest}/{@code BatchRequest} in and
 * {@code DmaController.DmaResultView}/{@code BatchResultView} out; every refusal names its field
 * ({@code requests[3].size} in a batch, {@code size} alone).
 */
final class DmaJson {

    /** The largest access one request may make: 16 MiB, 4,096 pages. */
    static final long MAX_ACCESS = 16L << 20;
    static final int MAX_BATCH = 10_000;
    private static final int MAX_PASID = (1 << 20) - 1;
    /** The requester key of an id the service never issued: no device has it. */
    static final long NO_DEVICE = 0;

    private final JsonMapper json;

    DmaJson(JsonMapper json) {
        this.json = json;
    }

    /** Reads {@code {"requests": [...]}} into {@code batch}, validating each; at most {@link #MAX_BATCH} requests. */
    void readBatch(InputStream in, DmaBatch batch) {
        try (JsonParser p = json.createParser(in)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw Problems.invalid("body", "must be a JSON object {\"requests\": [...]}");
            }
            boolean seen = false;
            while (p.nextToken() == JsonToken.PROPERTY_NAME) {
                String name = p.currentName();
                JsonToken value = p.nextToken();
                if (!name.equals("requests")) {
                    throw Problems.invalid(name, "is not a known field");
                }
                if (value != JsonToken.START_ARRAY) {
                    throw Problems.invalid("requests", value == JsonToken.VALUE_NULL ? "is required" : "must be an array");
                }
                seen = true;
                int i = 0;
                while (p.nextToken() != JsonToken.END_ARRAY) {
                    if (i == MAX_BATCH) {
                        throw Problems.invalid("requests", "must hold 1 to " + MAX_BATCH + " requests");
                    }
                    readRequest(p, "requests[" + i + "].", batch);
                    i++;
                }
                if (i == 0) {
                    throw Problems.invalid("requests", "must hold 1 to " + MAX_BATCH + " requests");
                }
            }
            if (!seen) {
                throw Problems.invalid("requests", "is required");
            }
            if (p.nextToken() != null) {
                throw Problems.invalid("body", "has content after the JSON object");
            }
        } catch (JacksonException e) {
            throw Problems.invalid("body", "malformed JSON: " + e.getOriginalMessage());
        }
    }

    private static void readRequest(JsonParser p, String at, DmaBatch batch) {
        if (p.currentToken() != JsonToken.START_OBJECT) {
            throw Problems.invalid(at.substring(0, at.length() - 1), "must be an object");
        }
        String deviceId = null;
        Integer pasid = null;
        String address = null;
        Object size = null;
        Access access = null;
        while (p.nextToken() == JsonToken.PROPERTY_NAME) {
            String name = p.currentName();
            JsonToken t = p.nextToken();
            switch (name) {
                case "deviceId" -> deviceId = string(p, t, at + name);
                case "address" -> address = string(p, t, at + name);
                case "pasid" -> pasid = t == JsonToken.VALUE_NULL ? null : smallInt(p, t, at + name);
                case "size" -> size = t == JsonToken.VALUE_NULL ? null : sizeValue(p, t, at + name);
                case "access" -> {
                    String a = string(p, t, at + name);
                    if (a != null) {
                        try {
                            access = Access.valueOf(a);
                        } catch (IllegalArgumentException e) {
                            throw Problems.invalid(at + name, "must be one of [READ, WRITE]");
                        }
                    }
                }
                default -> throw Problems.invalid(at + name, "is not a known field");
            }
        }
        add(batch, at, deviceId, pasid, address, size, access);
    }

    private static String string(JsonParser p, JsonToken t, String field) {
        if (t == JsonToken.VALUE_NULL) {
            return null;
        }
        if (t != JsonToken.VALUE_STRING) {
            throw Problems.invalid(field, "must be a string");
        }
        return p.getString();
    }

    /**
     * Validates one request and appends it to {@code batch}; {@code at} prefixes the field named in a refusal
     * ({@code ""} alone, {@code "requests[3]."} in a batch).
     */
    static void add(DmaBatch batch, String at, String deviceId, Integer pasidOrNull, String addressText, Object sizeValue,
                    Access access) {
        if (deviceId == null) {
            throw Problems.invalid(at + "deviceId", "is required");
        }
        long device = requester(deviceId);
        int pasid = -1;
        if (pasidOrNull != null) {
            if (pasidOrNull < 0 || pasidOrNull > MAX_PASID) {
                throw Problems.invalid(at + "pasid", "must be between 0 and " + MAX_PASID + " (20 bits), or absent");
            }
            pasid = pasidOrNull;
        }
        long address = Address.parse(at + "address", addressText);
        long size = sizeValue == null ? 1 : Address.parseSize(at + "size", sizeValue);
        if (size < 1 || size > MAX_ACCESS) {
            throw Problems.invalid(at + "size", "must be between 1 and " + MAX_ACCESS + " bytes");
        }
        if (Long.compareUnsigned(address + size - 1, address) < 0) {
            throw Problems.invalid(at + "size", "address + size wraps past 2^64", "EOVERFLOW");
        }
        if (access == null) {
            throw Problems.invalid(at + "access", "is required: READ or WRITE");
        }
        batch.add(device, pasid, address, size, access);
    }

    /**
     * The engine's key of the requester. Ids are opaque: a string the service never issued names no
     * device, exactly like an id of a device since unplugged, so both fault UNKNOWN_DEVICE rather than
     * one of them being a 400. Key 0 is never a device's (their sequence starts at 1).
     */
    static long requester(String deviceId) {
        try {
            return Ids.DEVICE.parse(deviceId);
        } catch (RuntimeException e) {
            return NO_DEVICE;
        }
    }

    static boolean spansPages(long address, long size) {
        return (address & Address.PAGE_MASK) + size > Address.PAGE_SIZE;
    }

    static String hex(int code) {
        return String.format("0x%02x", code);
    }

    private static int smallInt(JsonParser p, JsonToken t, String field) {
        if (t != JsonToken.VALUE_NUMBER_INT) {
            throw Problems.invalid(field, "must be an integer");
        }
        BigInteger v = p.getBigIntegerValue();
        if (v.bitLength() > 31) {
            throw Problems.invalid(field, "must be between 0 and " + ((1 << 20) - 1) + " (20 bits), or absent");
        }
        return v.intValue();
    }

    private static Object sizeValue(JsonParser p, JsonToken t, String field) {
        if (t == JsonToken.VALUE_NUMBER_INT) {
            return p.getBigIntegerValue();
        }
        if (t == JsonToken.VALUE_STRING) {
            return p.getString();
        }
        throw Problems.invalid(field, "must be an integer or a hex string such as \"0x1000\"");
    }

    /** Writes the answer to request {@code i} of the translated batch alone: the body of {@code POST /dma}. */
    void writeResult(DmaBatch b, int i, OutputStream out) {
        try (JsonGenerator g = json.createGenerator(out)) {
            writeResult(g, b, i);
        }
    }

    /** Writes {@code {"results": [...]}} for every request of the translated batch, in order. */
    void writeBatch(DmaBatch b, OutputStream out) {
        try (JsonGenerator g = json.createGenerator(out)) {
            g.writeStartObject();
            g.writeName("results");
            g.writeStartArray();
            for (int i = 0; i < b.size(); i++) {
                writeResult(g, b, i);
            }
            g.writeEndArray();
            g.writeEndObject();
        }
    }

    private static void writeResult(JsonGenerator g, DmaBatch b, int i) {
        Outcome outcome = b.outcome(i);
        g.writeStartObject();
        g.writeName("outcome");
        g.writeString(outcome.name());
        g.writeName("physicalAddress");
        if (outcome == Outcome.TRANSLATED) {
            g.writeString(Address.format(b.physicalAddress(i)));
        } else {
            g.writeNull();
        }
        g.writeName("segments");
        if (outcome == Outcome.TRANSLATED && spansPages(b.address(i), b.size(i))) {
            g.writeStartArray();
            for (int k = 0; k < b.segmentCount(i); k++) {
                g.writeStartObject();
                g.writeName("physicalAddress");
                g.writeString(Address.format(b.segmentPhysicalAddress(i, k)));
                g.writeName("size");
                g.writeNumber(b.segmentSize(i, k));
                g.writeEndObject();
            }
            g.writeEndArray();
        } else {
            g.writeNull();
        }
        g.writeName("iotlbHit");
        g.writeBoolean(b.iotlbHit(i));
        g.writeName("pageRequest");
        PageResponse pr = b.pageRequest(i);
        if (pr == null) {
            g.writeNull();
        } else {
            g.writeStartObject();
            g.writeName("response");
            g.writeString(pr.name());
            g.writeEndObject();
        }
        g.writeName("peer");
        if (outcome == Outcome.PEER_TO_PEER) {
            g.writeStartObject();
            g.writeName("deviceId");
            g.writeString(Ids.DEVICE.format(b.peerDeviceId(i)));
            g.writeName("bar");
            g.writeNumber(b.peerBar(i));
            g.writeName("offset");
            g.writeString(Address.format(b.peerOffset(i)));
            g.writeEndObject();
        } else {
            g.writeNull();
        }
        g.writeName("fault");
        if (outcome == Outcome.FAULT) {
            FaultReason reason = b.faultReason(i);
            int vtd = b.vtdReason(i);
            g.writeStartObject();
            g.writeName("reason");
            g.writeString(reason.name());
            g.writeName("smmuEvent");
            g.writeString(reason.smmuEvent());
            g.writeName("smmuCode");
            g.writeString(hex(reason.smmuCode()));
            g.writeName("vtdReason");
            if (vtd < 0) {
                g.writeNull();
            } else {
                g.writeString(hex(vtd));
            }
            g.writeName("address");
            g.writeString(Address.format(b.faultAddress(i)));
            g.writeName("pasid");
            if (b.pasid(i) < 0) {
                g.writeNull();
            } else {
                g.writeNumber(b.pasid(i));
            }
            g.writeName("access");
            g.writeString(b.access(i).name());
            g.writeEndObject();
        } else {
            g.writeNull();
        }
        g.writeEndObject();
    }
}
