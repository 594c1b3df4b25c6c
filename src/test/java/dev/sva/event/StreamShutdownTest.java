package dev.sva.event;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sva.SvaApplication;
import dev.sva.support.Api;
import dev.sva.support.SseClient;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * A stream never ends by itself, so the service ends the open streams when it shuts down, before
 * the web server's graceful shutdown waits for open requests: otherwise one watching client holds
 * every shutdown (and every pod termination) for the whole grace period and ends in a kill.
 */
@ExtendWith(OutputCaptureExtension.class)
class StreamShutdownTest {

    @Test
    void aConnectedStreamDoesNotHoldTheGracefulShutdown(CapturedOutput output) throws Exception {
        ConfigurableApplicationContext app = new SpringApplicationBuilder(SvaApplication.class).run("--server.port=0",
                "--spring.datasource.url=jdbc:h2:mem:shutdown;DB_CLOSE_DELAY=-1",
                "--spring.lifecycle.timeout-per-shutdown-phase=5s",
                "--logging.level.org.springframework.boot.tomcat=INFO",
                "--logging.level.org.springframework.boot.web=INFO",
                Api.adminTokenArgument(), Api.securityDirArgument(java.nio.file.Path.of("target", "test-security", "shutdown")));
        int port = ((WebServerApplicationContext) app).getWebServer().getPort();
        try (SseClient watcher = SseClient.connect(port, "/api/v1/events/stream?after=0", null)) {
            assertThat(watcher.status).isEqualTo(200);
            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            while (watcher.comments().isEmpty() && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            assertThat(watcher.comments()).as("the stream's opening comment").isNotEmpty();

            app.close();

            assertThat(output.getAll()).contains("Graceful shutdown complete")
                    .doesNotContain("Graceful shutdown aborted");
        }
    }
}
