package dev.sva.core;

import org.springframework.boot.jackson.autoconfigure.JsonMapperBuilderCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import tools.jackson.core.JsonParser;
import tools.jackson.databind.DatabindException;
import tools.jackson.databind.DeserializationContext;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.deser.jdk.StringDeserializer;
import tools.jackson.databind.module.SimpleModule;

/**
 * Request bodies are read strictly: an unknown field (a typo such as {@code groupID} would otherwise
 * plug a device into a new group instead of hot-plugging it), a fraction where an integer belongs
 * ({@code "pid": 1.5}) and a string holding U+0000 (which PostgreSQL cannot store, so the answer would
 * depend on the database) are {@code 400 VALIDATION_FAILED} naming the field, never dropped, truncated
 * or passed on.
 */
@Configuration
class JsonConfig {

    @Bean
    JsonMapperBuilderCustomizer strictRequestBodies() {
        return builder -> builder
                .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
                .disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT)
                .addModule(new SimpleModule("no-nul-strings").addDeserializer(String.class, new NoNulStrings()));
    }

    /** Strings as usual, but none with U+0000. */
    static final class NoNulStrings extends StringDeserializer {
        @Override
        public String deserialize(JsonParser p, DeserializationContext ctxt) {
            String value = super.deserialize(p, ctxt);
            if (value != null && value.indexOf('\0') >= 0) {
                throw DatabindException.from(p, "must not contain U+0000");
            }
            return value;
        }
    }
}
