package dev.sva.security;

import io.swagger.v3.oas.models.Operation;
import io.swagger.v3.oas.models.PathItem;
import java.util.List;
import java.util.Map;
import org.springdoc.core.customizers.OpenApiCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Shows in the API document which roles may call each operation, read from {@link SecurityConfig}'s one table of
 * rules so the two cannot disagree: an {@code x-sva-roles} list of scopes, and a sentence at the end of the
 * operation's description that Swagger UI displays.
 */
@Configuration
class OperationRoles {

    @Bean
    OpenApiCustomizer rolesOfEachOperation() {
        return openApi -> openApi.getPaths().forEach((path, item) -> {
            if (!path.startsWith("/api/")) {
                return;
            }
            for (Map.Entry<PathItem.HttpMethod, Operation> e : item.readOperationsMap().entrySet()) {
                List<String> scopes = SecurityConfig.rolesFor(e.getKey().name(), path).stream().map(Role::scope).toList();
                Operation op = e.getValue();
                op.addExtension("x-sva-roles", scopes);
                String roles = "Roles: " + String.join(", ", scopes) + ".";
                op.setDescription(op.getDescription() == null || op.getDescription().isBlank() ? roles
                        : op.getDescription() + "\n\n" + roles);
            }
        });
    }
}
