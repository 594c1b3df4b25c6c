package dev.sva.deploy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.stream.Collectors;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

import static org.assertj.core.api.Assertions.assertThat;

/** Small helpers to walk parsed YAML (maps and lists) in the deployment tests. */
final class DeployYaml {

    private DeployYaml() {
    }

    /** The chart's {@code helm test} Pod. */
    static final Path TEST_HOOK = Paths.get("templates", "tests", "api-test.yaml");

    /**
     * A copy of {@code chart} under {@code tmp} whose test Pod is an ordinary template: {@code helm template}
     * through helm-java renders no hooks, so the hook annotation is dropped in the copy to see what
     * {@code helm test} would run.
     */
    static Path chartWithTestHookRendered(Path chart, Path tmp) throws IOException {
        Path copy = tmp.resolve("chart-with-test");
        try (var files = Files.walk(chart)) {
            for (Path f : files.toList()) {
                Path target = copy.resolve(chart.relativize(f).toString());
                if (Files.isDirectory(f)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(f, target);
                }
            }
        }
        Path hook = copy.resolve(TEST_HOOK);
        Files.writeString(hook, Files.readString(hook).lines().filter(l -> !l.contains("\"helm.sh/hook"))
                .collect(Collectors.joining("\n", "", "\n")));
        return copy;
    }

    private static Yaml yaml() {
        return new Yaml(new SafeConstructor(new LoaderOptions()));
    }

    /** Parses one YAML document into a map. */
    static Map<String, Object> parse(String text) {
        return map(yaml().load(text));
    }

    /** Parses a multi-document YAML stream, dropping empty documents. */
    static List<Map<String, Object>> parseAll(String text) {
        List<Map<String, Object>> docs = new ArrayList<>();
        for (Object doc : yaml().loadAll(text)) {
            if (doc != null) {
                docs.add(map(doc));
            }
        }
        return docs;
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> map(Object value) {
        assertThat(value).as("expected a YAML mapping").isInstanceOf(Map.class);
        return (Map<String, Object>) value;
    }

    @SuppressWarnings("unchecked")
    static List<Object> list(Object value) {
        assertThat(value).as("expected a YAML sequence").isInstanceOf(List.class);
        return (List<Object>) value;
    }

    /** Follows a dotted path of map keys, e.g. {@code "spec.template.spec"}; fails when a key is missing. */
    static Object at(Map<String, Object> root, String dottedPath) {
        Object current = root;
        for (String key : dottedPath.split("\\.")) {
            Map<String, Object> m = map(current);
            assertThat(m).as("key '%s' of path '%s'", key, dottedPath).containsKey(key);
            current = m.get(key);
        }
        return current;
    }

    static Map<String, Object> mapAt(Map<String, Object> root, String dottedPath) {
        return map(at(root, dottedPath));
    }

    static List<Object> listAt(Map<String, Object> root, String dottedPath) {
        return list(at(root, dottedPath));
    }

    static String stringAt(Map<String, Object> root, String dottedPath) {
        return String.valueOf(at(root, dottedPath));
    }
}
