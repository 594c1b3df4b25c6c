package dev.sva.core;

import io.swagger.v3.oas.annotations.headers.Header;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/** The {@code 201} answer of a create, documented once: every create names what it made in {@code Location}. */
@Target(ElementType.METHOD)
@Retention(RetentionPolicy.RUNTIME)
@ApiResponse(responseCode = "201", description = "Created; the Location header names it",
        headers = @Header(name = "Location", description = "where a GET finds what was created",
                schema = @Schema(types = "string")))
public @interface CreatedResponse {
}
