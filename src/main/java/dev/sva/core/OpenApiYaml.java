package dev.sva.core;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import com.fasterxml.jackson.dataformat.yaml.util.StringQuotingChecker;
import java.util.regex.Pattern;
import org.springdoc.core.properties.SpringDocConfigProperties;
import org.springdoc.core.providers.ObjectMapperProvider;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Writes {@code /v3/api-docs.yaml} (and so {@code openapi.yaml}) so that every example reads the same
 * in YAML as in JSON. Jackson's YAML writer leaves a string such as {@code 0xfe000000} unquoted, and a
 * YAML 1.1 reader (SnakeYAML, PyYAML, the linters) reads that as a number: an address example would
 * turn into an integer. Strings that YAML 1.1 could read as numbers are quoted here.
 */
@Configuration
class OpenApiYaml {

    /** YAML 1.1 numbers Jackson does not recognise: hex, octal, binary, underscores, exponents, sexagesimal. */
    private static final Pattern YAML11_NUMBER = Pattern.compile(
            "[-+]?(0[xX][0-9a-fA-F_]+|0[oO]?[0-7_]+|0[bB][01_]+|[0-9][0-9_]*(\\.[0-9_]*)?([eE][-+]?[0-9]+)?"
                    + "|\\.[0-9_]+([eE][-+]?[0-9]+)?|[1-9][0-9_]*(:[0-5]?[0-9])+(\\.[0-9_]*)?)");

    @Bean
    ObjectMapperProvider springdocObjectMapperProvider(SpringDocConfigProperties properties) {
        return new ObjectMapperProvider(properties) {
            private final ObjectMapper yaml = super.yamlMapper().copyWith(YAMLFactory.builder()
                    .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
                    .enable(YAMLGenerator.Feature.MINIMIZE_QUOTES)
                    .enable(YAMLGenerator.Feature.SPLIT_LINES)
                    .enable(YAMLGenerator.Feature.ALWAYS_QUOTE_NUMBERS_AS_STRINGS)
                    .stringQuotingChecker(new StringQuotingChecker.Default() {
                        @Override
                        public boolean needToQuoteValue(String value) {
                            return super.needToQuoteValue(value) || YAML11_NUMBER.matcher(value).matches();
                        }
                    })
                    .build());

            @Override
            public ObjectMapper yamlMapper() {
                return yaml;
            }
        };
    }
}
