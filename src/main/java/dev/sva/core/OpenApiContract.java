package dev.sva.core;

import io.swagger.v3.oas.models.OpenAPI;
import io.swagger.v3.oas.models.Operation;
import io.swagger.v3.oas.models.PathItem;
import io.swagger.v3.oas.models.media.ArraySchema;
import io.swagger.v3.oas.models.media.Content;
import io.swagger.v3.oas.models.media.IntegerSchema;
import io.swagger.v3.oas.models.media.MediaType;
import io.swagger.v3.oas.models.media.Schema;
import io.swagger.v3.oas.models.media.StringSchema;
import io.swagger.v3.oas.models.parameters.Parameter;
import io.swagger.v3.oas.models.responses.ApiResponse;
import io.swagger.v3.oas.models.responses.ApiResponses;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.springdoc.core.customizers.OpenApiCustomizer;
import org.springdoc.core.customizers.OperationCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;

/**
 * What makes the served document generate good clients, in one place: verb {@code operationId}s,
 * a pattern and a real example on every address, BDF and id, 64-bit sizes, the problem statuses each
 * operation can answer, request examples that work as they are on a fresh service, and the change
 * stream described as {@code text/event-stream}. Applied by name to what springdoc derives from the
 * controllers, so the controllers stay free of documentation plumbing; {@code OpenApiContractTest}
 * fails on an operation this table does not name.
 */
@Configuration
class OpenApiContract {

    /** {@code "0x…"}: what {@link Address#parse} accepts (leading zeros beyond 16 digits aside). */
    static final String ADDRESS = "^0[xX][0-9a-fA-F]{1,16}$";
    /** What {@code Bdf.parse} accepts: {@code DDDD:BB:DD.F} or {@code BB:DD.F}, device at most 1f. */
    static final String BDF = "^([0-9a-fA-F]{4}:)?[0-9a-fA-F]{2}:[01][0-9a-fA-F]\\.[0-7]$";
    /** A size in a query: decimal digits or {@code "0x…"}. */
    static final String SIZE_TEXT = "^(0[xX][0-9a-fA-F]{1,16}|[0-9]{1,20})$";
    static final String NODE = "^[a-z0-9]([-a-z0-9.]{0,61}[a-z0-9])?$";

    private record Op(String id, int... statuses) {
    }

    /**
     * Controller method → operationId and the 4xx/5xx it can answer besides {@code 400} (every
     * operation: bad input, unknown query parameters). 404 covers unknown ids and nodes, 409 and 422
     * the refusals of DOMAIN's rules, 410 expired events, 503 a node that stayed busy (or, for DMA, a replica
     * that is not current).
     */
    private static final Map<String, Op> OPERATIONS = Map.ofEntries(
            Map.entry("NodeController.create", new Op("createNode", 409, 403)),
            Map.entry("NodeController.list", new Op("listNodes")),
            Map.entry("NodeController.get", new Op("getNode", 404)),
            Map.entry("DeviceController.create", new Op("createDevice", 404, 409, 422, 503, 403)),
            Map.entry("DeviceController.list", new Op("listDevices", 404, 422)),
            Map.entry("DeviceController.get", new Op("getDevice", 404)),
            Map.entry("DeviceController.patch", new Op("updateDevice", 404, 409, 503, 403)),
            Map.entry("DeviceController.delete", new Op("deleteDevice", 404, 409, 503, 403)),
            Map.entry("GroupController.create", new Op("createGroup", 404, 409, 503, 403)),
            Map.entry("GroupController.list", new Op("listGroups", 404)),
            Map.entry("GroupController.get", new Op("getGroup", 404)),
            Map.entry("GroupController.delete", new Op("deleteGroup", 404, 409, 503, 403)),
            Map.entry("GroupController.allocate", new Op("allocateGroup", 404, 409, 503, 403)),
            Map.entry("GroupController.release", new Op("releaseGroup", 404, 409, 503, 403)),
            Map.entry("ContainerController.create", new Op("createContainer", 404, 503, 403)),
            Map.entry("ContainerController.list", new Op("listContainers", 404)),
            Map.entry("ContainerController.get", new Op("getContainer", 404)),
            Map.entry("ContainerController.delete", new Op("deleteContainer", 404, 503, 403)),
            Map.entry("ContainerController.attach", new Op("attachGroup", 404, 409, 422, 503, 403)),
            Map.entry("ContainerController.detach", new Op("detachGroup", 404, 503, 403)),
            Map.entry("ContainerController.map", new Op("mapDma", 404, 409, 422, 503, 403)),
            Map.entry("ContainerController.mappings", new Op("listMappings", 404, 422)),
            Map.entry("ContainerController.unmap", new Op("unmapDma", 404, 409, 422, 503, 403)),
            Map.entry("AddressSpaceController.create", new Op("createAddressSpace", 404, 409, 503, 403)),
            Map.entry("AddressSpaceController.list", new Op("listAddressSpaces", 404)),
            Map.entry("AddressSpaceController.get", new Op("getAddressSpace", 404)),
            Map.entry("AddressSpaceController.exit", new Op("exitAddressSpace", 404, 503, 403)),
            Map.entry("AddressSpaceController.map", new Op("mapRegion", 404, 409, 422, 503, 403)),
            Map.entry("AddressSpaceController.regions", new Op("listRegions", 404, 422)),
            Map.entry("AddressSpaceController.unmap", new Op("unmapRegions", 404, 422, 503, 403)),
            Map.entry("BondController.bindDevice", new Op("bindDevice", 404, 409, 422, 503, 403)),
            Map.entry("BondController.bindContainer", new Op("bindContainer", 404, 409, 422, 503, 403)),
            Map.entry("BondController.unbindContainer", new Op("unbindContainer", 404, 503, 403)),
            Map.entry("BondController.list", new Op("listBonds", 404, 422)),
            Map.entry("BondController.containerBinds", new Op("listContainerBinds", 404)),
            Map.entry("BondController.get", new Op("getBond", 404)),
            Map.entry("BondController.unbind", new Op("unbindBond", 404, 409, 503, 403)),
            Map.entry("DmaController.translate", new Op("translateDma", 403, 503)),
            Map.entry("DmaController.translateBatch", new Op("translateDmaBatch", 403, 503)),
            Map.entry("DmaController.faults", new Op("listFaults", 404)),
            Map.entry("DmaController.stats", new Op("getDmaStats", 404, 403)),
            Map.entry("EventController.list", new Op("listEvents", 404, 410)),
            Map.entry("EventController.stream", new Op("streamEvents", 404, 410, 503)),
            Map.entry("PolicyController.get", new Op("getPolicy")),
            Map.entry("TopologyController.importTopology", new Op("importTopology", 404, 409, 413, 503, 403)),
            Map.entry("TopologyController.topologyTree", new Op("getTopology", 404, 403)),
            Map.entry("TopologyController.topologyWhatIf", new Op("whatIfTopology", 404, 403)),
            Map.entry("TopologyController.deviceIsolation", new Op("getDeviceIsolation", 404, 403)),
            Map.entry("TokenController.mint", new Op("mintToken", 409, 403)));

    /** Request bodies that work as they are on a fresh service, in the order of the README's story. */
    private static final Map<String, Object> REQUEST_EXAMPLES = Map.ofEntries(
            Map.entry("createNode", ordered("name", "host-a", "pasidBits", 20, "iovaBits", 48, "vaBits", 48)),
            Map.entry("createDevice", ordered("bdf", "0000:3b:00.0", "driver", "vfio-pci", "pasidBits", 20, "pri", true,
                    "ats", true, "bars", List.of(ordered("index", 0, "base", "0xfe000000", "size", 1048576)))),
            Map.entry("updateDevice", ordered("driver", "vfio-pci")),
            Map.entry("createGroup", ordered("node", "local")),
            Map.entry("allocateGroup", ordered("tenant", "acme")),
            Map.entry("createContainer", ordered("name", "vm1")),
            Map.entry("mapDma", ordered("iova", "0x10000", "size", 4096, "physicalAddress", "0x80000000", "read", true,
                    "write", true)),
            Map.entry("createAddressSpace", ordered("pid", 4242, "name", "trainer")),
            Map.entry("mapRegion", ordered("va", "0x7f0000000000", "size", 65536, "physicalAddress", "0x90000000",
                    "read", true, "write", true, "pinned", true)),
            Map.entry("bindDevice", ordered("addressSpaceId", "as-1", "iopf", false, "driverData", "ctx-7")),
            Map.entry("bindContainer", ordered("addressSpaceId", "as-1", "iopf", false, "driverData", "ctx-7")),
            Map.entry("mintToken", ordered("role", "sva:tenant", "tenant", "acme", "expiresIn", 3600)),
            Map.entry("translateDma", ordered("deviceId", "dev-1", "pasid", 1, "address", "0x7f0000000040", "size", 8,
                    "access", "READ")),
            Map.entry("translateDmaBatch", ordered("requests", List.of(
                    ordered("deviceId", "dev-1", "pasid", 1, "address", "0x7f0000000040", "size", 8, "access", "READ"),
                    ordered("deviceId", "dev-1", "address", "0x10000", "size", 64, "access", "WRITE")))));

    /** Properties holding an address, with the example each gets. */
    private static final Map<String, String> ADDRESSES = Map.of(
            "iova", "0x10000", "va", "0x7f0000000000", "physicalAddress", "0x80000000", "base", "0xfe000000",
            "address", "0x7f0000000040", "offset", "0x40");

    /** Properties and parameters holding an id, with the kind they name. */
    private static final Map<String, Ids> ID_MEMBERS = Map.of(
            "deviceId", Ids.DEVICE, "groupId", Ids.GROUP, "containerId", Ids.CONTAINER,
            "addressSpaceId", Ids.ADDRESS_SPACE, "bondId", Ids.BOND);

    /** Schemas whose {@code id} is an object id, and its kind. */
    private static final Map<String, Ids> ID_OF_SCHEMA = Map.of(
            "DeviceView", Ids.DEVICE, "GroupView", Ids.GROUP, "ContainerView", Ids.CONTAINER,
            "AddressSpaceView", Ids.ADDRESS_SPACE, "BondView", Ids.BOND, "DeviceSummary", Ids.DEVICE, "GroupSummary", Ids.GROUP);

    /** Path prefixes whose {@code {id}} names an object of this kind. */
    private static final Map<String, Ids> ID_OF_PATH = Map.of(
            "/api/v1/devices/", Ids.DEVICE, "/api/v1/groups/", Ids.GROUP, "/api/v1/containers/", Ids.CONTAINER,
            "/api/v1/address-spaces/", Ids.ADDRESS_SPACE, "/api/v1/bonds/", Ids.BOND);

    @Bean
    OperationCustomizer verbOperationIds() {
        return (operation, handler) -> {
            Op op = OPERATIONS.get(handler.getBeanType().getSimpleName() + "." + handler.getMethod().getName());
            if (op != null) {
                operation.setOperationId(op.id());
            }
            return operation;
        };
    }

    /** Runs after {@link OpenApiConfig}'s customisers, which add the Problem schema and nullable references. */
    @Bean
    @Order(Ordered.LOWEST_PRECEDENCE)
    OpenApiCustomizer clientContract() {
        return openApi -> {
            openApi.getComponents().getSchemas().forEach(OpenApiContract::typeMembers);
            openApi.getPaths().forEach((path, item) -> {
                for (Map.Entry<PathItem.HttpMethod, Operation> e : item.readOperationsMap().entrySet()) {
                    Operation operation = e.getValue();
                    if (operation.getParameters() != null) {
                        operation.getParameters().forEach(p -> typeParameter(path, p));
                    }
                    Op op = OPERATIONS.values().stream().filter(o -> o.id().equals(operation.getOperationId())).findFirst()
                            .orElse(null);
                    if (op != null && path.startsWith("/api/")) {
                        declareProblems(operation, op);
                    }
                    Object example = REQUEST_EXAMPLES.get(operation.getOperationId());
                    if (example != null && operation.getRequestBody() != null) {
                        operation.getRequestBody().getContent().values().forEach(m -> m.setExample(example));
                    }
                }
            });
            describeStream(openApi);
        };
    }

    /** Patterns, examples and 64-bit sizes on the members of one schema, by member name. */
    @SuppressWarnings({"rawtypes", "unchecked"})
    private static void typeMembers(String schemaName, Schema<?> schema) {
        if (schema.getProperties() == null) {
            return;
        }
        Map<String, Schema> properties = (Map) schema.getProperties();
        properties.replaceAll((name, p) -> {
            if (name.equals("size") && isIntegerOrString(p)) {
                // a request size: the document says int64 so clients send 64-bit integers; "0x…" is accepted too
                return new IntegerSchema().format("int64").minimum(java.math.BigDecimal.ZERO)
                        .description(join(p.getDescription(), "bytes; a \"0x…\" string is accepted as well"))
                        .example(p.getExample());
            }
            if (ADDRESSES.containsKey(name) && isString(p)) {
                return patterned(p, ADDRESS, ADDRESSES.get(name));
            } else if (name.equals("bdf") && isString(p)) {
                return patterned(p, BDF, "0000:3b:00.0");
            } else if (name.equals("node") && isString(p)) {
                return patterned(p, NODE, "local");
            } else if (properties.containsKey("vendorId") && name.matches("(subsystem)?(V|v)endorId|(subsystem)?(D|d)eviceId")
                    && isString(p)) {
                // a PCI function's ids: four hex digits as lspci -nn prints them
                return patterned(p, "^[0-9a-fA-F]{4}$", name.toLowerCase().contains("vendor") ? "10de" : "1eb8");
            } else if (ID_MEMBERS.containsKey(name) && isString(p)) {
                return idSchema(p, ID_MEMBERS.get(name));
            } else if (name.equals("id") && ID_OF_SCHEMA.containsKey(schemaName) && isString(p)) {
                return idSchema(p, ID_OF_SCHEMA.get(schemaName));
            } else if (schemaName.equals("ContainerView") && name.equals("groups") && p.getItems() != null) {
                p.setItems(idSchema(p.getItems(), Ids.GROUP));
            } else if (schemaName.equals("GroupView") && name.equals("devices") && p.getItems() != null) {
                p.setItems(idSchema(p.getItems(), Ids.DEVICE));
            }
            return p;
        });
    }

    /** Parameter schemas are shared between operations by springdoc: each gets a fresh one here. */
    private static void typeParameter(String path, Parameter p) {
        Schema<?> s = p.getSchema();
        if (s == null) {
            return;
        }
        String name = p.getName();
        if ("path".equals(p.getIn()) && name.equals("id")) {
            ID_OF_PATH.entrySet().stream().filter(e -> path.startsWith(e.getKey())).findFirst()
                    .ifPresent(e -> {
                        p.setSchema(idSchema(s, e.getValue()));
                        p.setExample(e.getValue().format(1));
                    });
        } else if (ID_MEMBERS.containsKey(name)) {
            p.setSchema(idSchema(s, ID_MEMBERS.get(name)));
            p.setExample(ID_MEMBERS.get(name).format(1));
        } else if (name.equals("node") || ("path".equals(p.getIn()) && name.equals("name"))) {
            p.setSchema(patterned(s, NODE, null));
            p.setExample("local");
        } else if (ADDRESSES.containsKey(name)) {
            p.setSchema(patterned(s, ADDRESS, null));
            p.setExample(ADDRESSES.get(name));
        } else if (name.equals("size")) {
            p.setSchema(patterned(s, SIZE_TEXT, null));
            p.setExample("4096");
            p.setDescription(join(p.getDescription(), "bytes, decimal or \"0x…\"; unsigned 64-bit"));
        } else if (name.equals("limit")) {
            Schema<?> limit = new IntegerSchema().minimum(java.math.BigDecimal.ONE)
                    .maximum(java.math.BigDecimal.valueOf(PageRequest.MAX_LIMIT));
            ((IntegerSchema) limit).setDefault(PageRequest.DEFAULT_LIMIT);
            p.setSchema(limit);
        } else if (name.equals("cursor")) {
            p.setDescription(join(p.getDescription(), "the nextCursor of the previous page"));
        } else if (name.equals("after")) {
            p.setSchema(new IntegerSchema().format("int64").minimum(java.math.BigDecimal.ZERO));
            p.setDescription(join(p.getDescription(), "an event seq, e.g. the seq a list answered"));
        }
    }

    private static Schema<?> idSchema(Schema<?> s, Ids kind) {
        return patterned(s, kind.pattern(), kind.format(1));
    }

    /** A copy of a string schema (nullable or not) with a pattern and, when given, an example. */
    private static Schema<?> patterned(Schema<?> s, String pattern, Object example) {
        Schema<Object> copy = new Schema<>();
        copy.setType(s.getType());
        copy.setTypes(s.getTypes());
        copy.setDescription(s.getDescription());
        if (s.getDefault() != null) {
            // setDefault(null) would write "default: null"
            copy.setDefault(s.getDefault());
        }
        copy.setPattern(pattern);
        Object e = example != null ? example : s.getExample();
        if (e != null) {
            // setExample(null) would write "example: null"
            copy.setExample(e);
        }
        return copy;
    }

    /** The statuses an operation can answer, each with the Problem schema, beside the catch-all default. */
    private static void declareProblems(Operation operation, Op op) {
        ApiResponses responses = operation.getResponses();
        Set<Integer> statuses = new TreeSet<>();
        statuses.add(400);
        statuses.add(401);
        for (int s : op.statuses()) {
            statuses.add(s);
        }
        ApiResponses ordered = new ApiResponses();
        responses.forEach((code, r) -> {
            if (!code.equals("default")) {
                ordered.addApiResponse(code, r);
            }
        });
        for (int s : statuses) {
            ordered.addApiResponse(Integer.toString(s), new ApiResponse().description(PROBLEM_DESCRIPTIONS.get(s))
                    .content(new Content().addMediaType("application/problem+json",
                            new MediaType().schema(new Schema<>().$ref("#/components/schemas/Problem")))));
        }
        if (responses.get("default") != null) {
            ordered.addApiResponse("default", responses.get("default"));
        }
        operation.setResponses(ordered);
    }

    private static final Map<Integer, String> PROBLEM_DESCRIPTIONS = Map.of(
            400, "VALIDATION_FAILED: malformed or invalid input, named by field",
            401, "UNAUTHENTICATED: no bearer token, or one that is not valid (WWW-Authenticate says why)",
            403, "FORBIDDEN: the token's role may not do this; scope names the scopes that may",
            404, "NOT_FOUND: no such object (or node)",
            409, "A rule refused the change: see code (DUPLICATE, GROUP_*, MAPPING_*, PASID_*, …)",
            410, "EVENTS_EXPIRED: events after that point are no longer kept (oldestSeq)",
            413, "PAYLOAD_TOO_LARGE: the body is larger than this path takes (sva.limits.*)",
            422, "The request is well-formed but cannot apply: CROSS_NODE, OUT_OF_RANGE, SVA_UNSUPPORTED, IOPF_UNSUPPORTED",
            503, "BUSY: the node stayed locked or the stream is full; DATABASE_UNAVAILABLE; EVENT_LOG_REPAIRED; "
                    + "REPLICA_NOT_CURRENT (DMA on a replica that cannot prove it is current); retry");

    /**
     * The stream's 200 is a text of SSE frames, not one JSON value: a client reads it line by line.
     * Each frame's {@code data} is an {@code EventView}; the schema says so, and the example shows a frame.
     */
    private static void describeStream(OpenAPI openApi) {
        PathItem item = openApi.getPaths().get("/api/v1/events/stream");
        if (item == null || item.getGet() == null) {
            return;
        }
        ApiResponse ok = item.getGet().getResponses().get("200");
        if (ok == null) {
            return;
        }
        Schema<String> frames = new StringSchema();
        frames.setDescription("Server-Sent Events, one frame per event: `id: <seq>`, `event: <type>`, "
                + "`data: <EventView as JSON>`, then a blank line; comment lines (`: heartbeat`) keep the "
                + "connection alive. The stream does not end: read it incrementally (EventSource, curl -N, an SSE "
                + "client), resume with Last-Event-ID.");
        frames.addExtension("x-sse-data", Map.of("$ref", "#/components/schemas/EventView"));
        MediaType media = new MediaType().schema(frames).example("id: 42\nevent: BOND_CREATED\ndata: {\"seq\":42,"
                + "\"time\":\"2026-01-01T00:00:00Z\",\"node\":\"local\",\"type\":\"BOND_CREATED\",\"subject\":{\"kind\":"
                + "\"bond\",\"id\":\"bond-1\"},\"data\":{\"deviceId\":\"dev-1\",\"addressSpaceId\":\"as-1\",\"pasid\":1}}\n\n");
        ok.setContent(new Content().addMediaType("text/event-stream", media));
        ok.setDescription("A stream of events after the requested seq, as Server-Sent Events");
        item.getGet().setDescription(HOW_TO_WATCH + "\n\n" + item.getGet().getDescription());
    }

    /** First in the stream operation's description: Swagger UI's Execute cannot show a stream that never ends. */
    static final String HOW_TO_WATCH = "**How to use it:** the stream does not end, so *Execute* here waits and shows "
            + "nothing. Watch it from a shell with `curl -N 'http://localhost:8080/api/v1/events/stream?node=local&after=0'`, "
            + "or from a page with `new EventSource('/api/v1/events/stream?node=local&after=0')`, which reconnects with "
            + "Last-Event-ID by itself. To mirror a node, list first and pass the list's `seq` as `after`: the stream "
            + "continues with no gap and no repeat.";

    private static boolean isString(Schema<?> p) {
        return "string".equals(p.getType()) || (p.getTypes() != null && p.getTypes().contains("string") && p.getTypes().size() <= 2);
    }

    private static boolean isIntegerOrString(Schema<?> p) {
        return p.getTypes() != null && p.getTypes().contains("integer") && p.getTypes().contains("string");
    }

    private static String join(String a, String b) {
        return a == null || a.isBlank() ? b : a + "; " + b;
    }

    private static Map<String, Object> ordered(Object... kv) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            m.put((String) kv[i], kv[i + 1]);
        }
        return m;
    }

    /** The operationIds this table assigns, for the test that every operation has one. */
    static Set<String> operationIds() {
        Set<String> ids = new TreeSet<>();
        OPERATIONS.values().forEach(o -> ids.add(o.id()));
        return ids;
    }
}
