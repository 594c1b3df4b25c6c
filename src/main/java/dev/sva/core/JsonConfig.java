package dev.sva.core;

import org.springframework.boot.jackson.autoconfigure.JsonMapperBuilderCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import tools.jackson.core.JsonParser;
import tools.jackson.databind.DatabindException;
import tools.jackson.databind.DeserializationContext;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.cfg.CoercionAction;
import tools.jackson.databind.cfg.CoercionInputShape;
import tools.jackson.databind.cfg.EnumFeature;
import tools.jackson.databind.deser.jdk.StringDeserializer;
import tools.jackson.databind.module.SimpleModule;
import tools.jackson.databind.type.LogicalType;

/**
 * Request bodies are read strictly: an unknown field (a typo such as {@code groupID} would otherwise
 * plug a device into a new group instead of hot-plugging it), a fraction where an integer belongs
 * ({@code "pid": 1.5}), a value of another JSON type ({@code "pid": "42"}, {@code "read": "true"},
 * {@code "pri": 1}, {@code "name": 12}, {@code "access": 0}) and a string that is not valid Unicode
 * text — one holding U+0000 (which PostgreSQL cannot store) or a lone UTF-16 surrogate such as
 * {@code "\\ud800"} in JSON (which PostgreSQL's UTF-8 encoder stores as {@code ?} while H2 keeps it and later
 * fails to render it), so the answer would depend on the database — are {@code 400
 * VALIDATION_FAILED} naming the field, never dropped, truncated, converted or passed on. The batch
 * endpoint's own parser ({@code DmaBatchJson}) reads with the same rules. Sizes that are documented
 * as a number or a {@code "0x…"} string are read as either by their own code.
 */
@Configuration
class JsonConfig {

    @Bean
    JsonMapperBuilderCustomizer strictRequestBodies() {
        return builder -> builder
                .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
                .disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT)
                .enable(EnumFeature.FAIL_ON_NUMBERS_FOR_ENUMS)
                .withCoercionConfig(LogicalType.Integer, c -> c.setCoercion(CoercionInputShape.String, CoercionAction.Fail))
                .withCoercionConfig(LogicalType.Float, c -> c.setCoercion(CoercionInputShape.String, CoercionAction.Fail))
                .withCoercionConfig(LogicalType.Boolean, c -> c.setCoercion(CoercionInputShape.String, CoercionAction.Fail)
                        .setCoercion(CoercionInputShape.Integer, CoercionAction.Fail))
                .withCoercionConfig(LogicalType.Textual, c -> c.setCoercion(CoercionInputShape.Integer, CoercionAction.Fail)
                        .setCoercion(CoercionInputShape.Float, CoercionAction.Fail)
                        .setCoercion(CoercionInputShape.Boolean, CoercionAction.Fail))
                .addModule(new SimpleModule("valid-text").addDeserializer(String.class, new ValidText()));
    }

    /** Strings as usual, but only valid Unicode text without U+0000 ({@link Text#invalid}). */
    static final class ValidText extends StringDeserializer {
        @Override
        public String deserialize(JsonParser p, DeserializationContext ctxt) {
            String value = super.deserialize(p, ctxt);
            String reason = value == null ? null : Text.invalid(value);
            if (reason != null) {
                throw new InvalidText(p, reason);
            }
            return value;
        }
    }

    /** A string refused by {@link ValidText}; its message is the reason {@link ProblemHandler} names. */
    static final class InvalidText extends DatabindException {
        InvalidText(JsonParser p, String reason) {
            super(p, reason);
        }
    }
}
