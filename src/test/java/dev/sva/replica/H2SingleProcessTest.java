package dev.sva.replica;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sva.SvaApplication;
import dev.sva.support.Api;
import java.io.BufferedReader;
import java.io.File;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

/**
 * REPLICAS.md, guarantee 6: the embedded H2 database serves one process. A second process started on the
 * files of a running one fails at start, and says why in words rather than in H2's lock error alone; and
 * replicas cannot be asked for on H2.
 */
@ExtendWith(OutputCaptureExtension.class)
class H2SingleProcessTest {

    @TempDir
    Path data;

    @Test
    void aSecondProcessOnTheSameH2FilesFailsAtStartSayingTheDatabaseServesOneProcess(CapturedOutput output) throws Exception {
        String url = "jdbc:h2:file:" + data.resolve("sva").toAbsolutePath() + ";WRITE_DELAY=0";
        String classpath = location(org.h2.Driver.class) + File.pathSeparator + location(H2FileHolder.class);
        Process other = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx64m", "-cp", classpath, H2FileHolder.class.getName(), url).redirectErrorStream(true).start();
        try {
            BufferedReader out = new BufferedReader(new InputStreamReader(other.getInputStream(), StandardCharsets.UTF_8));
            assertThat(out.readLine()).as("the other process holds the database").isEqualTo("holding");

            assertThatThrownBy(() -> new SpringApplicationBuilder(SvaApplication.class).run("--server.port=0",
                    "--spring.datasource.url=" + url, "--spring.main.banner-mode=off", Api.adminTokenArgument(),
                    Api.securityDirArgument(data)).close())
                    .hasStackTraceContaining("90020");
            assertThat(output.getAll()).contains(H2SingleProcessFailureAnalyzer.DESCRIPTION)
                    .contains("run several replicas on PostgreSQL");
        } finally {
            other.getOutputStream().close();
            other.destroy();
            other.waitFor();
        }
    }

    @Test
    void replicasCannotBeAskedForOnH2() {
        assertThatThrownBy(() -> new SpringApplicationBuilder(SvaApplication.class).run("--server.port=0",
                "--spring.datasource.url=jdbc:h2:mem:replicas-" + System.nanoTime(), "--sva.replicas.enabled=true",
                "--spring.main.banner-mode=off", "--logging.level.root=WARN", Api.adminTokenArgument(),
                Api.securityDirArgument(data)).close())
                .hasStackTraceContaining("sva.replicas.enabled=true needs PostgreSQL");
    }

    private static String location(Class<?> type) throws Exception {
        return Path.of(type.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
    }
}
