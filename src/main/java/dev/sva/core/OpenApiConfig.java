package dev.sva.core;

import io.swagger.v3.oas.models.OpenAPI;
import io.swagger.v3.oas.models.info.Info;
import io.swagger.v3.oas.models.media.Content;
import io.swagger.v3.oas.models.media.IntegerSchema;
import io.swagger.v3.oas.models.media.MediaType;
import io.swagger.v3.oas.models.media.ObjectSchema;
import io.swagger.v3.oas.models.media.Schema;
import io.swagger.v3.oas.models.media.StringSchema;
import io.swagger.v3.oas.models.responses.ApiResponse;
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
                .servers(List.of(new Server().url("/").description("this service")));
    }

    /**
     * Documents the problem answers once: a {@code Problem} schema whose {@code code} lists every
     * {@link ProblemType}, a {@code 503} response (BUSY, DATABASE_UNAVAILABLE, with Retry-After) and a
     * {@code default} response on every API operation that refer to it.
     */
    @Bean
    OpenApiCustomizer problemResponses() {
        return openApi -> {
            Schema<?> problem = new ObjectSchema()
                    .description("RFC 9457 problem; members such as devices, groups or mappings name what was at fault")
                    .addProperty("type", new StringSchema().example("urn:sva:problem:GROUP_NOT_SINGLETON"))
                    .addProperty("title", new StringSchema())
                    .addProperty("status", new IntegerSchema())
                    .addProperty("detail", new StringSchema())
                    .addProperty("code", new StringSchema()._enum(Arrays.stream(ProblemType.values()).map(Enum::name).toList()))
                    .addProperty("errno", new StringSchema().example("EINVAL"))
                    .addProperty("field", new StringSchema().description("VALIDATION_FAILED: the field at fault"))
                    .addProperty("reason", new StringSchema().description("VALIDATION_FAILED: what is wrong with it"))
                    .addProperty("outcome", new StringSchema()._enum(List.of("NOT_APPLIED", "UNKNOWN"))
                            .description("DATABASE_UNAVAILABLE: NOT_APPLIED when nothing was changed, UNKNOWN when the "
                                    + "database went away during the commit (retry: every write is safe to repeat)"));
            problem.setAdditionalProperties(true);
            openApi.getComponents().addSchemas("Problem", problem);
            ApiResponse refusal = new ApiResponse()
                    .description("Refused: application/problem+json with a stable code (see each operation's description)")
                    .content(new Content().addMediaType("application/problem+json",
                            new MediaType().schema(new Schema<>().$ref("#/components/schemas/Problem"))));
            ApiResponse unavailable = new ApiResponse()
                    .description("BUSY (the node stayed locked, or every database connection is in use) or "
                            + "DATABASE_UNAVAILABLE (the database cannot be reached; see outcome): retry after Retry-After seconds")
                    .addHeaderObject("Retry-After", new io.swagger.v3.oas.models.headers.Header()
                            .description("seconds to wait before retrying: 1 for BUSY, 5 for DATABASE_UNAVAILABLE")
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
