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
 * The wire format of {@code POST /dma/batch}, streamed: requests are parsed token by token straight
 * into a {@link DmaBatch}, and results are written from its arrays, so a batch builds no object per
 * item on either side. The JSON is the same as {@code DmaController.BatchRequest} in and
 * {@code DmaController.BatchResultView} out; every refusal names its field ({@code requests[3].size}).
 */
final class DmaBatchJson {

    /** Validates one request's fields and adds it to the batch; {@code at} prefixes field names. */
    interface Sink {
        void add(String at, String deviceId, Integer pasid, String address, Object size, Access access);
    }

    private final JsonMapper json;

    DmaBatchJson(JsonMapper json) {
        this.json = json;
    }

    /** Reads {@code {"requests": [...]}} into {@code sink}; at most {@code max} requests. */
    void read(InputStream in, int max, Sink sink) {
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
                    if (i == max) {
                        throw Problems.invalid("requests", "must hold 1 to " + max + " requests");
                    }
                    readRequest(p, "requests[" + i + "].", sink);
                    i++;
                }
                if (i == 0) {
                    throw Problems.invalid("requests", "must hold 1 to " + max + " requests");
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

    private static void readRequest(JsonParser p, String at, Sink sink) {
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
        sink.add(at, deviceId, pasid, address, size, access);
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

    /** Writes {@code {"results": [...]}} for every request of the translated batch, in order. */
    void write(DmaBatch b, OutputStream out) {
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
        if (outcome == Outcome.TRANSLATED && DmaController.spansPages(b.address(i), b.size(i))) {
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
            g.writeString(DmaController.hex(reason.smmuCode()));
            g.writeName("vtdReason");
            if (vtd < 0) {
                g.writeNull();
            } else {
                g.writeString(DmaController.hex(vtd));
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
