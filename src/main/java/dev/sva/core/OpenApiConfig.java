package dev.sva.core;

import io.swagger.v3.oas.models.OpenAPI;
import io.swagger.v3.oas.models.info.Info;
import io.swagger.v3.oas.models.media.ArraySchema;
import io.swagger.v3.oas.models.media.Content;
import io.swagger.v3.oas.models.media.IntegerSchema;
import io.swagger.v3.oas.models.media.MediaType;
import io.swagger.v3.oas.models.media.ObjectSchema;
import io.swagger.v3.oas.models.media.Schema;
import io.swagger.v3.oas.models.media.StringSchema;
import io.swagger.v3.oas.models.responses.ApiResponse;
import io.swagger.v3.oas.models.security.SecurityRequirement;
import io.swagger.v3.oas.models.security.SecurityScheme;
import io.swagger.v3.oas.models.servers.Server;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import org.springdoc.core.customizers.OpenApiCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The served OpenAPI document's header. The server URL is relative so that the document is the same
 * wherever the service runs, and {@code openapi.yaml} at the repository root can equal it exactly.
 */
@Configuration
class OpenApiConfig {

    @Bean
    OpenAPI svaOpenApi() {
        return new OpenAPI()
                .info(new Info()
                        .title("SVA control plane")
                        .version("v1")
                        .description("IOMMU isolation state of accelerator hosts (devices, IOMMU groups, containers with DMA "
                                + "mappings, process address spaces, bonds and their PASIDs) and a translation engine that "
                                + "answers simulated DMA as an IOMMU would. Errors are RFC 9457 application/problem+json with "
                                + "a stable `code` and the kernel's `errno`; addresses are \"0x…\" strings; ids are opaque."))
                .servers(List.of(new Server().url("/").description("this service")))
                // every operation needs a bearer token (SECURITY.md); Swagger UI's Authorize button takes one
                .components(new io.swagger.v3.oas.models.Components().addSecuritySchemes("bearerAuth",
                        new SecurityScheme().type(SecurityScheme.Type.HTTP).scheme("bearer").bearerFormat("JWT")
                                .description("sva.security.mode=local: the admin token of data/admin.token, or a token "
                                        + "minted by POST /api/v1/tokens; mode=jwt: a token of the configured issuer. "
                                        + "Roles: sva:admin, sva:agent, sva:tenant, sva:viewer")))
                .addSecurityItem(new SecurityRequirement().addList("bearerAuth"));
    }

    /**
     * Documents the problem answers once: a {@code Problem} schema whose {@code code} lists every
     * {@link ProblemType}, a {@code 503} response (BUSY, DATABASE_UNAVAILABLE, REPLICA_NOT_CURRENT, with
     * Retry-After) and a
     * {@code default} response on every API operation that refer to it.
     */
    @Bean
    OpenApiCustomizer problemResponses() {
        return openApi -> {
            Schema<?> problem = new ObjectSchema()
                    .description("RFC 9457 problem. code is the stable name to branch on; the members after errno name "
                            + "what was at fault and appear only for the codes that have them")
                    .addProperty("type", new StringSchema().description("urn:sva:problem:<code>")
                            .example("urn:sva:problem:GROUP_NOT_SINGLETON"))
                    .addProperty("title", new StringSchema().example("Device shares its IOMMU group"))
                    .addProperty("status", new IntegerSchema().example(409))
                    .addProperty("detail", new StringSchema().description("for people; do not parse"))
                    .addProperty("code", new StringSchema()._enum(Arrays.stream(ProblemType.values()).map(Enum::name).toList())
                            .example("GROUP_NOT_SINGLETON"))
                    .addProperty("errno", new StringSchema().pattern("^E[A-Z0-9]+$")
                            .description("the kernel's errno for the same misuse").example("EINVAL"))
                    .addProperty("field", new StringSchema().description("VALIDATION_FAILED, OUT_OF_RANGE: the field at fault"))
                    .addProperty("reason", new StringSchema().description("VALIDATION_FAILED: what is wrong with it"))
                    .addProperty("errors", new ArraySchema().items(new Schema<>().$ref("#/components/schemas/FieldError"))
                            .description("VALIDATION_FAILED of a body: every field at fault"))
                    .addProperty("devices", refs("DeviceSummary", "the devices at fault: GROUP_NOT_SINGLETON, GROUP_NOT_VIABLE, "
                            + "GROUP_BUSY, SVA_UNSUPPORTED, IOPF_UNSUPPORTED, PASID_OUT_OF_RANGE"))
                    .addProperty("iopfUnsupported", refs("DeviceSummary", "SVA_UNSUPPORTED of an iopf bind: the devices that "
                            + "also lack PRI"))
                    .addProperty("groups", refs("GroupSummary", "UNSAFE_GROUP_BIND: the multi-device groups"))
                    .addProperty("mappings", refs("MappingSummary", "MAPPING_OVERLAP, MAPPING_SPLIT: the mappings in the way"))
                    .addProperty("regions", refs("RegionSummary", "MAPPING_OVERLAP of a region: the regions in the way"))
                    .addProperty("oldestSeq", new IntegerSchema().format("int64").description("EVENTS_EXPIRED: the oldest kept seq"))
                    .addProperty("nodes", new ArraySchema().items(new StringSchema()).description("CROSS_NODE: the two nodes"))
                    .addProperty("pasid", new IntegerSchema().description("PASID_OUT_OF_RANGE: the address space's PASID"))
                    .addProperty("pasidBits", new IntegerSchema().description("PASID_EXHAUSTED: the width searched"))
                    .addProperty("widthBits", new IntegerSchema().description("OUT_OF_RANGE: the node's address width"))
                    .addProperty("limit", new IntegerSchema().description("MAPPING_LIMIT: the limit reached"))
                    .addProperty("iopf", new io.swagger.v3.oas.models.media.BooleanSchema()
                            .description("DUPLICATE of a bind: the iopf of the existing bond"))
                    .addProperty("groupId", new StringSchema().description("the group concerned"))
                    .addProperty("containerId", new StringSchema().description("the container concerned"))
                    .addProperty("addressSpaceId", new StringSchema().description("the address space concerned"))
                    .addProperty("bondId", new StringSchema().description("the existing bond"))
                    .addProperty("scope", new StringSchema().description("FORBIDDEN: the scopes that may make this request, "
                            + "space-separated"))
                    .addProperty("issuer", new StringSchema().description("CONFLICT of a token request: the external issuer"))
                    .addProperty("kind", new StringSchema().description("NOT_FOUND: the kind of object"))
                    .addProperty("id", new StringSchema().description("NOT_FOUND: the id that names nothing"))
                    .addProperty("name", new StringSchema().description("DUPLICATE of a node: the name"))
                    .addProperty("bdf", new StringSchema().description("DUPLICATE of a device: the BDF"))
                    .addProperty("driver", new StringSchema().description("GROUP_OWNED: the host driver refused"))
                    .addProperty("pid", new IntegerSchema().description("DUPLICATE of a process: the pid"))
                    .addProperty("outcome", new StringSchema()._enum(List.of("NOT_APPLIED", "UNKNOWN"))
                            .description("DATABASE_UNAVAILABLE, EVENT_LOG_REPAIRED: NOT_APPLIED when nothing was changed, UNKNOWN when the "
                                    + "database went away during the commit (retry: every write is safe to repeat)"));
            problem.setRequired(List.of("type", "title", "status", "code", "errno"));
            // other members may be added by later versions; clients keep what they do not know
            problem.setAdditionalProperties(true);
            openApi.getComponents().addSchemas("Problem", problem);
            Schema<?> device = new ObjectSchema().description("A device named by a problem")
                    .addProperty("id", new StringSchema())
                    .addProperty("bdf", new StringSchema())
                    .addProperty("driver", new StringSchema().types(new java.util.LinkedHashSet<>(List.of("string", "null"))))
                    .addProperty("pasidBits", new IntegerSchema().description("SVA_UNSUPPORTED, PASID_OUT_OF_RANGE"));
            device.setRequired(List.of("id", "bdf"));
            openApi.getComponents().addSchemas("DeviceSummary", device);
            Schema<?> group = new ObjectSchema().description("A group named by a problem, with its devices")
                    .addProperty("id", new StringSchema())
                    .addProperty("devices", refs("DeviceSummary", null));
            group.setRequired(List.of("id", "devices"));
            openApi.getComponents().addSchemas("GroupSummary", group);
            openApi.getComponents().addSchemas("MappingSummary", range("A DMA mapping named by a problem", "iova"));
            Schema<?> region = range("A VA region named by a problem", "va");
            region.addProperty("pinned", new io.swagger.v3.oas.models.media.BooleanSchema());
            openApi.getComponents().addSchemas("RegionSummary", region);
            Schema<?> fieldError = new ObjectSchema().addProperty("field", new StringSchema()).addProperty("reason", new StringSchema());
            fieldError.setRequired(List.of("field", "reason"));
            openApi.getComponents().addSchemas("FieldError", fieldError);
            ApiResponse refusal = new ApiResponse()
                    .description("Refused: application/problem+json with a stable code (see each operation's description)")
                    .content(new Content().addMediaType("application/problem+json",
                            new MediaType().schema(new Schema<>().$ref("#/components/schemas/Problem"))));
            ApiResponse unavailable = new ApiResponse()
                    .description("BUSY (the node stayed locked, or every database connection is in use) or "
                            + "DATABASE_UNAVAILABLE (the database cannot be reached; see outcome) or EVENT_LOG_REPAIRED (the node's "
                            + "event counter was behind its log and has been healed; nothing was changed) or REPLICA_NOT_CURRENT "
                            + "(a DMA on a replica that cannot prove it holds every acknowledged change): retry after "
                            + "Retry-After seconds")
                    .addHeaderObject("Retry-After", new io.swagger.v3.oas.models.headers.Header()
                            .description("seconds to wait before retrying: 1 for BUSY, EVENT_LOG_REPAIRED and "
                                    + "REPLICA_NOT_CURRENT, 5 for DATABASE_UNAVAILABLE")
                            .schema(new IntegerSchema()))
                    .content(new Content().addMediaType("application/problem+json",
                            new MediaType().schema(new Schema<>().$ref("#/components/schemas/Problem"))));
            openApi.getPaths().forEach((path, item) -> {
                if (path.startsWith("/api/")) {
                    item.readOperations().forEach(op -> {
                        op.getResponses().addApiResponse("503", unavailable);
                        op.getResponses().addApiResponse("default", refusal);
                    });
                }
            });
        };
    }

    private static Schema<?> refs(String schema, String description) {
        Schema<?> array = new ArraySchema().items(new Schema<>().$ref("#/components/schemas/" + schema));
        if (description != null) {
            array.setDescription(description);
        }
        return array;
    }

    private static Schema<?> range(String description, String start) {
        Schema<?> range = new ObjectSchema().description(description)
                .addProperty(start, new StringSchema())
                .addProperty("size", new IntegerSchema().format("int64"))
                .addProperty("physicalAddress", new StringSchema())
                .addProperty("read", new io.swagger.v3.oas.models.media.BooleanSchema())
                .addProperty("write", new io.swagger.v3.oas.models.media.BooleanSchema());
        range.setRequired(List.of(start, "size", "physicalAddress", "read", "write"));
        return range;
    }

    /**
     * A nullable reference ({@code @Schema(nullable = true)} on a record-typed field) comes out as a
     * {@code $ref} beside {@code type: "null"}, which in OpenAPI 3.1 allows nothing but null. It is
     * rewritten as "the referenced object or null".
     */
    @Bean
    OpenApiCustomizer nullableReferences() {
        return openApi -> openApi.getComponents().getSchemas().values().forEach(schema -> {
            if (schema.getProperties() == null) {
                return;
            }
            schema.getProperties().replaceAll((name, property) -> {
                Schema<?> p = (Schema<?>) property;
                if (p.get$ref() == null || p.getTypes() == null || !p.getTypes().contains("null")) {
                    return p;
                }
                Schema<?> either = new Schema<>();
                either.setDescription(p.getDescription());
                either.setOneOf(List.of(new Schema<>().$ref(p.get$ref()), new Schema<>().types(Set.of("null"))));
                return either;
            });
        });
    }
}
