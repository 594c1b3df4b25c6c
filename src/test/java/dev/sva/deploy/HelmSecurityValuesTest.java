package dev.sva.deploy;

import static dev.sva.deploy.DeployYaml.listAt;
import static dev.sva.deploy.DeployYaml.map;
import static dev.sva.deploy.DeployYaml.mapAt;
import static dev.sva.deploy.DeployYaml.stringAt;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.marcnuri.helm.Helm;
import dev.sva.security.SecurityProperties;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.ConfigurationPropertySources;
import org.springframework.core.env.StandardEnvironment;
import org.springframework.core.env.SystemEnvironmentPropertySource;

/**
 * The chart's security values (README "Run in production"), rendered with helm-java: the issuer settings
 * of jwt mode reach the pod as environment that Spring binds to {@code sva.security.*} exactly as the
 * values say, the admin token of local mode comes from a Secret (one the chart makes, or an existing
 * one) and goes to the pod and to the {@code helm test} Pod, the NetworkPolicy lets the pod reach the
 * issuer, and contradictory or misspelt security values fail the render.
 */
class HelmSecurityValuesTest {

    private static final Path CHART = Paths.get("helm", "sva-control-plane");
    private static final String RELEASE = "demo";
    private static final String NAMESPACE = "sva-test";
    private static final String FULLNAME = "demo-sva-control-plane";
    private static final String ADMIN_TOKEN = "chart-admin-token-0123456789abcdefghijklmnop";

    @TempDir
    Path tmp;

    @BeforeAll
    static void nativeHelmAvailable() {
        // as HelmChartTest: helm-java's native library is shipped for linux-amd64 only; elsewhere skip, except in CI
        boolean linuxAmd64 = System.getProperty("os.name", "").toLowerCase(Locale.ROOT).contains("linux")
                && List.of("amd64", "x86_64").contains(System.getProperty("os.arch", ""));
        if (!linuxAmd64 && !"true".equalsIgnoreCase(System.getenv("CI"))) {
            Assumptions.abort("helm-java native library for " + System.getProperty("os.name") + " is not on the test classpath");
        }
    }

    @Test
    void byDefaultTheServiceIsItsOwnIssuerAndTheHelmTestExpectsARefusalWithoutToken() throws IOException {
        List<Map<String, Object>> docs = render(DeployYaml.chartWithTestHookRendered(CHART, tmp), null);
        Map<String, Object> config = mapAt(one(docs, "ConfigMap"), "data");
        assertThat(config).containsEntry("SVA_SECURITY_MODE", "local").containsEntry("SVA_SECURITY_AUDIENCE", "sva")
                .doesNotContainKeys("SVA_SECURITY_ISSUER", "SVA_SECURITY_JWKSETURI");
        assertThat(envNames(container(one(docs, "Deployment")))).doesNotContain("SVA_ADMIN_TOKEN");
        Map<String, Object> testPod = one(docs, "Pod");
        assertThat(envNames(map(listAt(testPod, "spec.containers").get(0)))).doesNotContain("SVA_ADMIN_TOKEN");
        assertThat(command(testPod)).contains("expected 401 without a token");
        assertThat(bind(config).mode()).isEqualTo(SecurityProperties.Mode.LOCAL);
    }

    @Test
    void jwtModeGivesThePodTheIssuerAudienceClaimNamesAndServiceAccountSubjectsAsSpringBindsThem() throws IOException {
        Path values = tmp.resolve("values-jwt.yaml");
        Files.writeString(values, """
                security:
                  mode: jwt
                  issuer: https://kubernetes.default.svc.cluster.local
                  jwkSetUri: https://kubernetes.default.svc.cluster.local/openid/v1/jwks
                  audience: sva-control-plane
                  claims:
                    role: roles
                    tenant: org
                    node: host
                  subjects:
                    - subject: system:serviceaccount:gpu-agents:agent-gpu-7
                      role: sva:agent
                      node: gpu-7
                    - subject: system:serviceaccount:team-a:runner
                      role: sva:tenant
                      tenant: team-a
                networkPolicy:
                  enabled: true
                  issuerTo:
                    - ipBlock:
                        cidr: 10.96.0.1/32
                """);
        List<Map<String, Object>> docs = render(CHART, values);
        SecurityProperties p = bind(mapAt(one(docs, "ConfigMap"), "data"));
        assertThat(p.mode()).isEqualTo(SecurityProperties.Mode.JWT);
        assertThat(p.issuer()).isEqualTo("https://kubernetes.default.svc.cluster.local");
        assertThat(p.jwkSetUri()).isEqualTo("https://kubernetes.default.svc.cluster.local/openid/v1/jwks");
        assertThat(p.audience()).isEqualTo("sva-control-plane");
        assertThat(List.of(p.roleClaim(), p.tenantClaim(), p.nodeClaim())).containsExactly("roles", "org", "host");
        assertThat(p.subjects()).containsExactly(
                new SecurityProperties.SubjectMapping("system:serviceaccount:gpu-agents:agent-gpu-7", "sva:agent", null, "gpu-7"),
                new SecurityProperties.SubjectMapping("system:serviceaccount:team-a:runner", "sva:tenant", "team-a", null));
        assertThat(envNames(container(one(docs, "Deployment")))).doesNotContain("SVA_ADMIN_TOKEN");

        List<Object> egress = listAt(one(docs, "NetworkPolicy"), "spec.egress");
        assertThat(egress).as("DNS, the database, the issuer").hasSize(3);
        assertThat(listAt(map(egress.get(2)), "ports")).containsExactly(Map.of("port", 443, "protocol", "TCP"));
        assertThat(listAt(map(egress.get(2)), "to")).containsExactly(Map.of("ipBlock", Map.of("cidr", "10.96.0.1/32")));
    }

    @Test
    void inLocalModeTheNetworkPolicyOpensNoIssuerPort() {
        List<Map<String, Object>> docs = render(new Helm(CHART).template().withName(RELEASE).withNamespace(NAMESPACE)
                .set("networkPolicy.enabled", true).call());
        assertThat(listAt(one(docs, "NetworkPolicy"), "spec.egress")).as("DNS and the database only").hasSize(2);
    }

    @Test
    void anAdminTokenValueBecomesASecretThatThePodAndTheHelmTestRead() throws IOException {
        List<Map<String, Object>> docs = render(new Helm(DeployYaml.chartWithTestHookRendered(CHART, tmp)).template().withName(RELEASE)
                .withNamespace(NAMESPACE).set("security.adminToken.value", ADMIN_TOKEN).call());
        String name = FULLNAME + "-admin-token";
        Map<String, Object> secret = docs.stream().filter(d -> "Secret".equals(d.get("kind"))
                && name.equals(stringAt(d, "metadata.name"))).findFirst().orElseThrow();
        assertThat(new String(Base64.getDecoder().decode(stringAt(secret, "data.admin-token")), StandardCharsets.UTF_8))
                .isEqualTo(ADMIN_TOKEN);
        assertSecretRef(container(one(docs, "Deployment")), "SVA_ADMIN_TOKEN", name, "admin-token");
        Map<String, Object> testPod = one(docs, "Pod");
        assertSecretRef(map(listAt(testPod, "spec.containers").get(0)), "SVA_ADMIN_TOKEN", name, "admin-token");
        assertThat(command(testPod)).contains("Authorization: Bearer $SVA_ADMIN_TOKEN");
    }

    @Test
    void anotherAdminTokenValueRollsThePodEvenWithAnExistingDatabaseSecret() {
        String first = secretChecksum(ADMIN_TOKEN);
        String second = secretChecksum(ADMIN_TOKEN + "-rotated");
        assertThat(first).isNotNull();
        assertThat(second).isNotNull().isNotEqualTo(first);
    }

    private String secretChecksum(String adminToken) {
        Map<String, Object> deployment = one(render(new Helm(CHART).template().withName(RELEASE).withNamespace(NAMESPACE)
                .set("database.existingSecret", "sva-db").set("security.adminToken.value", adminToken).call()), "Deployment");
        return (String) mapAt(deployment, "spec.template.metadata.annotations").get("checksum/secret");
    }

    @Test
    void anExistingAdminTokenSecretIsReferencedAndNoneIsMade() {
        List<Map<String, Object>> docs = render(new Helm(CHART).template().withName(RELEASE).withNamespace(NAMESPACE)
                .set("security.adminToken.existingSecret", "sva-admin").set("security.adminToken.secretKey", "token").call());
        assertThat(docs.stream().filter(d -> "Secret".equals(d.get("kind"))).map(d -> stringAt(d, "metadata.name")))
                .as("only the database Secret").containsExactly(FULLNAME + "-db");
        assertSecretRef(container(one(docs, "Deployment")), "SVA_ADMIN_TOKEN", "sva-admin", "token");
    }

    @Test
    void withoutASigningKeyEachPodMakesItsOwnInItsEmptyDir() {
        Map<String, Object> deployment = one(render(CHART, null), "Deployment");
        assertThat(listAt(container(deployment), "volumeMounts").toString()).doesNotContain("jwk.json");
        assertThat(listAt(deployment, "spec.template.spec.volumes").toString()).doesNotContain("signing-key");
    }

    @Test
    void anExistingSigningKeySecretIsMountedWhereTheServiceReadsItsKeyAndNoneIsMade() {
        List<Map<String, Object>> docs = render(new Helm(CHART).template().withName(RELEASE).withNamespace(NAMESPACE)
                .set("security.signingKey.existingSecret", "sva-jwk").set("security.signingKey.secretKey", "key").call());
        assertThat(docs.stream().filter(d -> "Secret".equals(d.get("kind"))).map(d -> stringAt(d, "metadata.name")))
                .as("only the database Secret").containsExactly(FULLNAME + "-db");
        Map<String, Object> deployment = one(docs, "Deployment");
        Map<String, Object> volume = listAt(deployment, "spec.template.spec.volumes").stream().map(DeployYaml::map)
                .filter(v -> "signing-key".equals(v.get("name"))).findFirst().orElseThrow();
        assertThat(stringAt(volume, "secret.secretName")).isEqualTo("sva-jwk");
        assertThat(map(listAt(volume, "secret.items").get(0))).containsEntry("key", "key").containsEntry("path", "jwk.json");
        // the service reads <sva.security.data-dir>/jwk.json; data-dir is ./data under the image's WORKDIR /app
        Map<String, Object> mount = listAt(container(deployment), "volumeMounts").stream().map(DeployYaml::map)
                .filter(m -> "signing-key".equals(m.get("name"))).findFirst().orElseThrow();
        assertThat(mount).containsEntry("mountPath", "/app/data/jwk.json").containsEntry("subPath", "jwk.json");
        assertThat(bind(mapAt(one(docs, "ConfigMap"), "data")).dataDir()).isEqualTo(Path.of("data"));
    }

    @Test
    void anotherSigningKeyRollsThePods() throws IOException {
        assertThat(signingKeyChecksum("{\"kty\":\"RSA\",\"kid\":\"a\"}"))
                .isNotNull().isNotEqualTo(signingKeyChecksum("{\"kty\":\"RSA\",\"kid\":\"b\"}"));
    }

    private String signingKeyChecksum(String jwk) throws IOException {
        Path values = Files.writeString(tmp.resolve("values-key.yaml"), "security:\n  signingKey:\n    jwk: '" + jwk + "'\n");
        Map<String, Object> deployment = one(render(new Helm(CHART).template().withName(RELEASE).withNamespace(NAMESPACE)
                .set("database.existingSecret", "sva-db").withValuesFile(values).call()), "Deployment");
        return (String) mapAt(deployment, "spec.template.metadata.annotations").get("checksum/secret");
    }

    @Test
    void contradictoryOrMisspeltSecurityValuesFailTheRender() {
        assertThatThrownBy(() -> new Helm(CHART).template().withName(RELEASE).set("security.mode", "jwt")
                .set("security.issuer", "https://login.example.org").set("security.signingKey.existingSecret", "sva-jwk").call())
                .hasMessageContaining("security.signingKey is for security.mode local");
        assertThatThrownBy(() -> new Helm(CHART).template().withName(RELEASE)
                .set("security.signingKey.jwk", "not-json").call())
                .as("a JWK is a JSON object").hasMessageContaining("jwk");
        assertThatThrownBy(() -> new Helm(CHART).template().withName(RELEASE).set("security.mode", "jwt").call())
                .hasMessageContaining("security.mode jwt needs security.issuer or security.jwkSetUri");
        assertThatThrownBy(() -> new Helm(CHART).template().withName(RELEASE).set("security.mode", "jwt")
                .set("security.issuer", "https://login.example.org").set("security.adminToken.value", ADMIN_TOKEN).call())
                .hasMessageContaining("security.adminToken is for security.mode local");
        assertThatThrownBy(() -> new Helm(CHART).template().withName(RELEASE).set("security.mode", "oidc").call())
                .hasMessageContaining("mode");
        assertThatThrownBy(() -> new Helm(CHART).template().withName(RELEASE)
                .set("security.adminToken.value", "too-short").call())
                .as("the service refuses an admin token under 32 characters; so does the chart").hasMessageContaining("adminToken");
        assertThatThrownBy(() -> new Helm(CHART).template().withName(RELEASE).set("security.mode", "jwt")
                .set("security.issuer", "https://login.example.org")
                .set("security.subjects[0].subject", "system:serviceaccount:a:b").set("security.subjects[0].role", "sva:agent").call())
                .hasMessageContaining("needs a node");
        for (String typo : List.of("security.issuerUri", "security.claims.roles", "security.adminToken.secret",
                "security.signingKey.key", "networkPolicy.issuer")) {
            assertThatThrownBy(() -> new Helm(CHART).template().withName(RELEASE).set(typo, "x").call())
                    .as(typo).hasMessageContaining("additional properties");
        }
    }

    // ---------------------------------------------------------------------------------------------

    /** The ConfigMap's entries as the pod's environment, bound to {@code sva.security} the way the service binds it. */
    private static SecurityProperties bind(Map<String, Object> configMapData) {
        Map<String, Object> env = new LinkedHashMap<>(configMapData);
        var source = new SystemEnvironmentPropertySource(StandardEnvironment.SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME, env);
        return new Binder(ConfigurationPropertySources.from(source)).bind("sva.security", SecurityProperties.class).get();
    }

    private List<Map<String, Object>> render(Path chart, Path values) {
        var template = new Helm(chart).template().withName(RELEASE).withNamespace(NAMESPACE);
        return render(values == null ? template.call() : template.withValuesFile(values).call());
    }

    private static List<Map<String, Object>> render(String manifests) {
        return DeployYaml.parseAll(manifests);
    }

    private static Map<String, Object> one(List<Map<String, Object>> docs, String kind) {
        List<Map<String, Object>> found = docs.stream().filter(d -> kind.equals(d.get("kind"))).toList();
        assertThat(found).as("exactly one %s", kind).hasSize(1);
        return found.get(0);
    }

    private static Map<String, Object> container(Map<String, Object> deployment) {
        return map(listAt(deployment, "spec.template.spec.containers").get(0));
    }

    private static List<String> envNames(Map<String, Object> container) {
        Object env = container.get("env");
        return env == null ? List.of() : DeployYaml.list(env).stream().map(e -> stringAt(map(e), "name")).toList();
    }

    private static String command(Map<String, Object> pod) {
        return listAt(map(listAt(pod, "spec.containers").get(0)), "command").stream().map(String::valueOf)
                .collect(Collectors.joining("\n"));
    }

    private static void assertSecretRef(Map<String, Object> container, String envName, String secret, String key) {
        Map<String, Object> env = listAt(container, "env").stream().map(DeployYaml::map)
                .filter(e -> envName.equals(e.get("name")))
                .findFirst().orElseThrow(() -> new AssertionError("no env " + envName + " in " + container));
        assertThat(stringAt(env, "valueFrom.secretKeyRef.name")).as(envName + " secret").isEqualTo(secret);
        assertThat(stringAt(env, "valueFrom.secretKeyRef.key")).as(envName + " key").isEqualTo(key);
    }

}
