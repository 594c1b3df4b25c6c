package dev.sva.core;

import org.apache.catalina.core.StandardHost;
import org.springframework.boot.tomcat.servlet.TomcatServletWebServerFactory;
import org.springframework.boot.web.server.WebServerFactoryCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Tomcat answers what it rejects itself in the API's problem format ({@link ProblemErrorReportValve}),
 * and limits the connections one client may hold ({@link PerClientNioProtocol}).
 */
@Configuration
class TomcatConfig {

    @Bean
    WebServerFactoryCustomizer<TomcatServletWebServerFactory> problemErrorReports() {
        return factory -> factory.addContextCustomizers(context -> {
            if (context.getParent() instanceof StandardHost host) {
                host.setErrorReportValveClass(ProblemErrorReportValve.class.getName());
            }
        });
    }

    @Bean
    WebServerFactoryCustomizer<TomcatServletWebServerFactory> connectionsPerClient(LimitsProperties limits) {
        return factory -> {
            factory.setProtocol(PerClientNioProtocol.class.getName());
            factory.addConnectorCustomizers(connector -> {
                if (connector.getProtocolHandler() instanceof PerClientNioProtocol protocol) {
                    protocol.setMaxConnectionsPerClient(limits.maxConnectionsPerClient());
                }
            });
        };
    }
}
