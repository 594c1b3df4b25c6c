package dev.sva.deploy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Static checks of the Dockerfile and .dockerignore (no Docker engine is needed), and a run of the image's
 * HEALTHCHECK command against a stub actuator.
 */
class DockerfileTest {

    private static final Path DOCKERFILE = Paths.get("Dockerfile");

    /** One Dockerfile instruction, continuation lines joined. */
    private record Instruction(String keyword, String args) {
    }

    /** Instructions grouped by stage (index 0 = first FROM). */
    private static List<List<Instruction>> stages() throws IOException {
        List<List<Instruction>> stages = new ArrayList<>();
        StringBuilder pending = new StringBuilder();
        for (String raw : Files.readAllLines(DOCKERFILE)) {
            String line = raw.strip();
            if (pending.isEmpty() && (line.isEmpty() || line.startsWith("#"))) {
                continue;
            }
            if (line.startsWith("#")) {
                continue; // comment inside a continued instruction
            }
            if (line.endsWith("\\")) {
                pending.append(line, 0, line.length() - 1).append(' ');
                continue;
            }
            pending.append(line);
            String text = pending.toString().strip();
            pending.setLength(0);
            String[] parts = text.split("\\s+", 2);
            Instruction instruction = new Instruction(parts[0].toUpperCase(), parts.length > 1 ? parts[1] : "");
            if (instruction.keyword().equals("FROM")) {
                stages.add(new ArrayList<>());
            }
            assertThat(stages).as("instruction before the first FROM: %s", text).isNotEmpty();
            stages.get(stages.size() - 1).add(instruction);
        }
        return stages;
    }

    private static int indexOf(List<Instruction> stage, String keyword, String contains) {
        for (int i = 0; i < stage.size(); i++) {
            if (stage.get(i).keyword().equals(keyword) && stage.get(i).args().contains(contains)) {
                return i;
            }
        }
        throw new AssertionError("no " + keyword + " containing '" + contains + "' in " + stage);
    }

    private static List<Instruction> all(List<Instruction> stage, String keyword) {
        return stage.stream().filter(i -> i.keyword().equals(keyword)).toList();
    }

    @SuppressWarnings("unchecked")
    private static List<String> execForm(String json) {
        Object parsed = new Yaml(new SafeConstructor(new LoaderOptions())).load(json);
        assertThat(parsed).as("exec (JSON) form: %s", json).isInstanceOf(List.class);
        return ((List<Object>) parsed).stream().map(String::valueOf).toList();
    }

    @Test
    void buildStageUsesTheWrapperWithACachedDependencyLayer() throws IOException {
        List<List<Instruction>> stages = stages();
        assertThat(stages).hasSizeGreaterThanOrEqualTo(2);
        List<Instruction> build = stages.get(0);
        assertThat(build.get(0).args()).matches("(?i)eclipse-temurin:17[-.\\w]*jdk[-.\\w]*\\s+AS\\s+build");

        int copyPom = indexOf(build, "COPY", "pom.xml");
        int copyMvn = indexOf(build, "COPY", ".mvn");
        int goOffline = indexOf(build, "RUN", "dependency:go-offline");
        int copySrc = indexOf(build, "COPY", "src");
        int packageRun = indexOf(build, "RUN", "-DskipTests package");
        assertThat(build.get(packageRun).args()).contains("./mvnw -B");
        assertThat(copyPom).isLessThan(goOffline);
        assertThat(copyMvn).isLessThan(goOffline);
        assertThat(indexOf(build, "COPY", "mvnw")).isLessThan(goOffline);
        assertThat(goOffline).isLessThan(copySrc);
        assertThat(copySrc).isLessThan(packageRun);
        // the build compiles the tests (-DskipTests only skips running them), and they hold a client generated from it
        assertThat(indexOf(build, "COPY", "openapi.yaml")).isBetween(goOffline, packageRun);

        // The jar the build stage picks up is the one this POM builds.
        String pom = Files.readString(Paths.get("pom.xml"));
        Matcher artifact = Pattern.compile("</parent>.*?<artifactId>([^<]+)</artifactId>", Pattern.DOTALL).matcher(pom);
        assertThat(artifact.find()).isTrue();
        assertThat(build.get(packageRun).args()).contains("target/" + artifact.group(1) + "-*.jar");
    }

    @Test
    void runtimeStageRunsTheJarAsAFixedNonRootUser() throws IOException {
        List<List<Instruction>> stages = stages();
        List<Instruction> runtime = stages.get(stages.size() - 1);
        assertThat(runtime.get(0).args()).matches("(?i)eclipse-temurin:17[-.\\w]*jre.*");

        Map<String, String> args = new HashMap<>();
        for (Instruction arg : all(runtime, "ARG")) {
            String[] kv = arg.args().split("=", 2);
            if (kv.length == 2) {
                args.put(kv[0].strip(), kv[1].strip());
            }
        }
        List<Instruction> users = all(runtime, "USER");
        assertThat(users).isNotEmpty();
        String user = users.get(users.size() - 1).args();
        for (Map.Entry<String, String> arg : args.entrySet()) {
            user = user.replace("${" + arg.getKey() + "}", arg.getValue()).replace("$" + arg.getKey(), arg.getValue());
        }
        assertThat(user).as("numeric uid[:gid] so that runAsNonRoot can verify it").matches("\\d+(:\\d+)?");
        String uid = user.split(":")[0];
        assertThat(Integer.parseInt(uid)).isGreaterThan(0).isEqualTo(10001);
        assertThat(runtime.get(indexOf(runtime, "RUN", "useradd")).args()).contains("--uid \"${APP_UID}\"");

        assertThat(all(runtime, "EXPOSE")).extracting(Instruction::args).containsExactly("8080");
        assertThat(indexOf(runtime, "COPY", "--from=build")).isGreaterThanOrEqualTo(0);
        assertThat(runtime.get(indexOf(runtime, "COPY", "--from=build")).args()).endsWith("/app/app.jar");

        List<Instruction> entrypoints = all(runtime, "ENTRYPOINT");
        assertThat(entrypoints).hasSize(1);
        assertThat(execForm(entrypoints.get(0).args())).containsExactly("java", "-jar", "/app/app.jar");
    }

    @Test
    void healthCheckProbesReadiness() throws Exception {
        List<List<Instruction>> stages = stages();
        List<Instruction> runtime = stages.get(stages.size() - 1);
        List<Instruction> checks = all(runtime, "HEALTHCHECK");
        assertThat(checks).hasSize(1);
        String args = checks.get(0).args();
        int cmd = args.indexOf("CMD ");
        assertThat(cmd).isGreaterThanOrEqualTo(0);
        List<String> command = execForm(args.substring(cmd + 4).strip());
        assertThat(String.join(" ", command)).contains("/actuator/health/readiness").contains("SERVER_PORT");

        HealthProbeStub.assertProbe(port -> {
            ProcessBuilder pb = new ProcessBuilder(command);
            pb.environment().put("SERVER_PORT", Integer.toString(port));
            return pb;
        });
    }

    @Test
    void dockerignoreKeepsTheBuildInputsAndDropsTheRest() throws IOException {
        List<String> patterns = Files.readAllLines(Paths.get(".dockerignore")).stream()
                .map(String::strip)
                .filter(l -> !l.isEmpty() && !l.startsWith("#"))
                .toList();
        assertThat(patterns).contains("target", ".git", "data");
        for (String needed : List.of("src", "pom.xml", ".mvn", "mvnw", "openapi.yaml")) {
            assertThat(patterns).as(".dockerignore must not exclude %s", needed)
                    .noneMatch(p -> p.equals(needed) || p.equals(needed + "/") || p.equals("*") || p.equals("**"));
        }
    }
}
