package dev.sva.core;

import org.springframework.context.annotation.Configuration;
import org.springframework.web.servlet.config.annotation.InterceptorRegistry;
import org.springframework.web.servlet.config.annotation.WebMvcConfigurer;

/** Checks every API request passes before its handler runs. */
@Configuration
class WebConfig implements WebMvcConfigurer {

    private final KnownParameters knownParameters;

    WebConfig(KnownParameters knownParameters) {
        this.knownParameters = knownParameters;
    }

    @Override
    public void addInterceptors(InterceptorRegistry registry) {
        registry.addInterceptor(knownParameters);
    }
}
