package dev.sva.core;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sva.support.Api.Response;
import dev.sva.support.ApiTest;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

/**
 * {@code openapi.yaml} at the repository root must describe exactly what the service serves. When an
 * API change is intended, regenerate the file with
 * {@code ./mvnw test -Dtest=OpenApiDocumentTest -Dopenapi.update=true} and review the diff.
 */
class OpenApiDocumentTest extends ApiTest {

    private static final Path FILE = Path.of("openapi.yaml");

    @Test
    void servedDocumentEqualsOpenapiYaml() throws IOException {
        Response served = api.get("/v3/api-docs.yaml");
        assertThat(served.status()).isEqualTo(200);
        String text = served.raw().body();
        if (Boolean.getBoolean("openapi.update")) {
            Files.writeString(FILE, text, StandardCharsets.UTF_8);
        }
        assertThat(FILE).as("openapi.yaml at the repository root").exists();
        Yaml yaml = new Yaml();
        Object expected = yaml.load(Files.readString(FILE, StandardCharsets.UTF_8));
        Object actual = yaml.load(text);
        assertThat(actual)
                .as("the served /v3/api-docs differs from openapi.yaml; if the change is intended, run "
                        + "./mvnw test -Dtest=OpenApiDocumentTest -Dopenapi.update=true")
                .isEqualTo(expected);
    }

    @Test
    void swaggerUiIsServed() {
        Response ui = api.get("/swagger-ui/index.html");
        assertThat(ui.status()).isEqualTo(200);
        assertThat(api.get("/swagger-ui.html").status()).isIn(200, 302);
    }
}
