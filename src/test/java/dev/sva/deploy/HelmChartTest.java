package dev.sva.deploy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

import com.marcnuri.helm.Helm;
import com.marcnuri.helm.LintResult;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.ConfigurationPropertySources;
import org.springframework.core.env.StandardEnvironment;
import org.springframework.core.env.SystemEnvironmentPropertySource;

import static dev.sva.deploy.DeployYaml.at;
import static dev.sva.deploy.DeployYaml.listAt;
import static dev.sva.deploy.DeployYaml.map;
import static dev.sva.deploy.DeployYaml.mapAt;
import static dev.sva.deploy.DeployYaml.stringAt;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Lints and renders helm/sva-control-plane with the Helm library (helm-java, no cluster needed) and checks
 * the rendered manifests against the application's runtime contract.
 */
class HelmChartTest {

    private static final Path CHART = Paths.get("helm", "sva-control-plane");
    private static final String RELEASE = "demo";
    private static final String NAMESPACE = "sva-test";
    private static final String FULLNAME = "demo-sva-control-plane";

    @TempDir
    Path tmp;

    @BeforeAll
    static void nativeHelmAvailable() {
        // The POM ships helm-java's linux-amd64 native library only; elsewhere skip, except in CI.
        boolean linuxAmd64 = System.getProperty("os.name", "").toLowerCase(Locale.ROOT).contains("linux")
                && List.of("amd64", "x86_64").contains(System.getProperty("os.arch", ""));
        if (!linuxAmd64 && !"true".equalsIgnoreCase(System.getenv("CI"))) {
            Assumptions.abort("helm-java native library for " + System.getProperty("os.name") + "/"
                    + System.getProperty("os.arch") + " is not on the test classpath");
        }
    }

    @Test
    void chartLints() {
        LintResult result = new Helm(CHART).lint().strict().call();
        assertThat(result.isFailed()).as("helm lint --strict: %s", result.getMessages()).isFalse();
    }

    @Test
    void defaultValuesRenderTheCoreObjects() {
        Rendered r = render(new Helm(CHART).template().withName(RELEASE).withNamespace(NAMESPACE).call());

        // the helm test Pod is a hook: `helm template` (helm-java) leaves hooks out, see helmTestCallsTheApiThroughTheService
        assertThat(r.kinds()).containsExactlyInAnyOrder("ConfigMap", "Secret", "Service", "Deployment",
                "ServiceAccount", "PodDisruptionBudget");

        Map<String, Object> deployment = r.one("Deployment");
        assertThat(stringAt(deployment, "metadata.name")).isEqualTo(FULLNAME);
        assertThat(at(deployment, "spec.replicas")).isEqualTo(1);
        assertThat(stringAt(deployment, "spec.strategy.type")).as("postgres: pods follow one journal").isEqualTo("RollingUpdate");
        assertThat(mapAt(deployment, "spec.strategy.rollingUpdate"))
                .as("a new pod is ready before an old one stops").containsEntry("maxUnavailable", 0).containsEntry("maxSurge", 1);
        Map<String, Object> container = container(deployment);
        assertThat(stringAt(container, "image")).isEqualTo("sva-control-plane:0.1.0-SNAPSHOT");
        assertThat(stringAt(container, "imagePullPolicy")).isEqualTo("IfNotPresent");
        assertContractProbesAndPort(container);
        assertNonRoot(deployment, container);

        // Settings come from the ConfigMap, credentials from the Secret the chart created.
        Map<String, Object> configMap = r.one("ConfigMap");
        assertEnvFromConfigMap(container, stringAt(configMap, "metadata.name"));
        Map<String, Object> data = mapAt(configMap, "data");
        assertThat(data).containsEntry("SVA_ISOLATION", "STRICT")
                .containsEntry("SPRING_PROFILES_ACTIVE", "postgres")
                .containsEntry("SERVER_PORT", "8080")
                .containsKey("SVA_DB_URL")
                .containsKey("JAVA_TOOL_OPTIONS")
                .containsEntry("SVA_REPLICAS_LEASE", "5s")
                .containsEntry("SVA_REPLICAS_HEARTBEAT", "1s");
        assertThat(String.valueOf(data.get("SVA_DB_URL"))).startsWith("jdbc:postgresql://");
        assertThat(container(deployment).get("env").toString()).doesNotContain("SVA_ISOLATION");

        Map<String, Object> secret = r.one("Secret");
        String secretName = stringAt(secret, "metadata.name");
        assertThat(secretName).isEqualTo(FULLNAME + "-db");
        assertThat(mapAt(secret, "data")).containsOnlyKeys("username", "password");
        assertThat(decode(stringAt(secret, "data.username"))).isEqualTo("sva");
        assertSecretRef(container, "SVA_DB_USERNAME", secretName, "username");
        assertSecretRef(container, "SVA_DB_PASSWORD", secretName, "password");
        assertThat(mapAt(deployment, "spec.template.metadata.annotations"))
                .containsKeys("checksum/config", "checksum/secret");

        Map<String, Object> service = r.one("Service");
        assertThat(stringAt(service, "spec.type")).isEqualTo("ClusterIP");
        Map<String, Object> port = map(listAt(service, "spec.ports").get(0));
        assertThat(port).containsEntry("port", 8080).containsEntry("targetPort", "http");
        // The Service selects the Deployment's pods.
        assertThat(mapAt(deployment, "spec.template.metadata.labels"))
                .containsAllEntriesOf(mapAt(service, "spec.selector"));
        assertThat(mapAt(deployment, "spec.selector.matchLabels")).isEqualTo(mapAt(service, "spec.selector"));
    }

    @Test
    void nonDefaultValuesRenderIngressServiceMonitorAndExistingSecret() throws IOException {
        Path values = tmp.resolve("values-prod.yaml");
        Files.writeString(values, """
                image:
                  repository: registry.example.com/sva/sva-control-plane
                  tag: "1.2.3"
                  pullPolicy: Always
                database:
                  url: jdbc:postgresql://pg.prod.svc:5432/sva
                  existingSecret: sva-db-credentials
                  secretKeys:
                    username: db-user
                    password: db-pass
                ingress:
                  enabled: true
                  className: nginx
                  hosts:
                    - host: sva.example.com
                      paths:
                        - path: /
                          pathType: Prefix
                  tls:
                    - secretName: sva-tls
                      hosts: [sva.example.com]
                metrics:
                  serviceMonitor:
                    enabled: true
                    labels:
                      release: kube-prometheus-stack
                """);

        Rendered r = render(new Helm(CHART).template().withName(RELEASE).withNamespace(NAMESPACE)
                .withValuesFile(values)
                .set("replicaCount", 0)
                .set("sva.isolation", "GROUP_AWARE")
                .call());

        assertThat(r.kinds()).containsExactlyInAnyOrder(
                "ConfigMap", "Service", "Deployment", "Ingress", "ServiceMonitor", "ServiceAccount", "PodDisruptionBudget");
        assertThat(r.kinds()).doesNotContain("Secret");

        Map<String, Object> deployment = r.one("Deployment");
        assertThat(at(deployment, "spec.replicas")).as("scaled to zero for maintenance").isEqualTo(0);
        Map<String, Object> container = container(deployment);
        assertThat(stringAt(container, "image")).isEqualTo("registry.example.com/sva/sva-control-plane:1.2.3");
        assertThat(stringAt(container, "imagePullPolicy")).isEqualTo("Always");
        assertContractProbesAndPort(container);
        assertNonRoot(deployment, container);
        assertSecretRef(container, "SVA_DB_USERNAME", "sva-db-credentials", "db-user");
        assertSecretRef(container, "SVA_DB_PASSWORD", "sva-db-credentials", "db-pass");
        assertThat(mapAt(deployment, "spec.template.metadata.annotations"))
                .containsKey("checksum/config")
                .doesNotContainKey("checksum/secret");

        Map<String, Object> configMap = r.one("ConfigMap");
        assertEnvFromConfigMap(container, stringAt(configMap, "metadata.name"));
        assertThat(mapAt(configMap, "data"))
                .containsEntry("SVA_ISOLATION", "GROUP_AWARE")
                .containsEntry("SVA_DB_URL", "jdbc:postgresql://pg.prod.svc:5432/sva");

        Map<String, Object> ingress = r.one("Ingress");
        assertThat(stringAt(ingress, "apiVersion")).isEqualTo("networking.k8s.io/v1");
        assertThat(stringAt(ingress, "spec.ingressClassName")).isEqualTo("nginx");
        Map<String, Object> rule = map(listAt(ingress, "spec.rules").get(0));
        assertThat(rule).containsEntry("host", "sva.example.com");
        Map<String, Object> path = map(listAt(rule, "http.paths").get(0));
        assertThat(stringAt(path, "backend.service.name")).isEqualTo(FULLNAME);
        assertThat(at(path, "backend.service.port.number")).isEqualTo(8080);
        assertThat(stringAt(map(listAt(ingress, "spec.tls").get(0)), "secretName")).isEqualTo("sva-tls");

        Map<String, Object> monitor = r.one("ServiceMonitor");
        assertThat(stringAt(monitor, "apiVersion")).isEqualTo("monitoring.coreos.com/v1");
        assertThat(mapAt(monitor, "metadata.labels")).containsEntry("release", "kube-prometheus-stack");
        Map<String, Object> endpoint = map(listAt(monitor, "spec.endpoints").get(0));
        assertThat(endpoint).containsEntry("port", "http").containsEntry("path", "/actuator/prometheus");
        Map<String, Object> service = r.one("Service");
        assertThat(mapAt(service, "metadata.labels")).containsAllEntriesOf(mapAt(monitor, "spec.selector.matchLabels"));
        assertThat(stringAt(map(listAt(service, "spec.ports").get(0)), "name")).isEqualTo("http");
        assertThat(listAt(monitor, "spec.namespaceSelector.matchNames")).containsExactly(NAMESPACE);
    }

    @Test
    void chartCreatedSecretUsesConfiguredKeysAndPassword() {
        Rendered r = render(new Helm(CHART).template().withName(RELEASE).withNamespace(NAMESPACE)
                .set("database.username", "svc")
                .set("database.password", "s3cret")
                .set("database.secretKeys.username", "user")
                .set("database.secretKeys.password", "pass")
                .call());
        Map<String, Object> secret = r.one("Secret");
        assertThat(decode(stringAt(secret, "data.user"))).isEqualTo("svc");
        assertThat(decode(stringAt(secret, "data.pass"))).isEqualTo("s3cret");
        Map<String, Object> container = container(r.one("Deployment"));
        assertSecretRef(container, "SVA_DB_USERNAME", stringAt(secret, "metadata.name"), "user");
        assertSecretRef(container, "SVA_DB_PASSWORD", stringAt(secret, "metadata.name"), "pass");
    }

    @Test
    void threeReplicasOnPostgresRollShareOneSigningKeyAndKeepTwoUpDuringADrain() throws Exception {
        // a values file, as --set would split the JSON at its commas
        Path values = tmp.resolve("values-replicas.yaml");
        Files.writeString(values, """
                replicaCount: 3
                security:
                  adminToken:
                    value: chart-admin-token-0123456789abcdefghijklmnop
                  signingKey:
                    jwk: '%s'
                """.formatted(new RSAKeyGenerator(2048).keyID("k1").generate().toJSONString()));
        Rendered r = render(new Helm(CHART).template().withName(RELEASE).withNamespace(NAMESPACE)
                .withValuesFile(values).call());
        Map<String, Object> deployment = r.one("Deployment");
        assertThat(at(deployment, "spec.replicas")).isEqualTo(3);
        assertThat(stringAt(deployment, "spec.strategy.type")).isEqualTo("RollingUpdate");
        assertThat(mapAt(deployment, "spec.strategy.rollingUpdate")).containsEntry("maxUnavailable", 0).containsEntry("maxSurge", 1);

        Map<String, Object> pdb = r.one("PodDisruptionBudget");
        assertThat(at(pdb, "spec.maxUnavailable")).as("a drain takes one of the three at a time").isEqualTo(1);
        assertThat(mapAt(deployment, "spec.template.metadata.labels")).containsAllEntriesOf(mapAt(pdb, "spec.selector.matchLabels"));

        // every pod mounts the one key Secret where LocalIssuer reads it: <sva.security.data-dir>/jwk.json
        String keySecret = FULLNAME + "-signing-key";
        Map<String, Object> secret = r.docs().stream().filter(d -> "Secret".equals(d.get("kind"))
                && keySecret.equals(stringAt(d, "metadata.name"))).findFirst().orElseThrow();
        assertThat(RSAKey.parse(decode(String.valueOf(mapAt(secret, "data").get("jwk.json")))).isPrivate()).isTrue();
        Map<String, Object> volume = listAt(deployment, "spec.template.spec.volumes").stream().map(DeployYaml::map)
                .filter(v -> "signing-key".equals(v.get("name"))).findFirst().orElseThrow();
        assertThat(stringAt(volume, "secret.secretName")).isEqualTo(keySecret);
        Map<String, Object> mount = listAt(container(deployment), "volumeMounts").stream().map(DeployYaml::map)
                .filter(m -> "signing-key".equals(m.get("name"))).findFirst().orElseThrow();
        assertThat(mount).containsEntry("mountPath", "/app/data/jwk.json").containsEntry("subPath", "jwk.json")
                .containsEntry("readOnly", true);
        assertThat(map(listAt(volume, "secret.items").get(0))).containsEntry("path", "jwk.json");
    }

    @Test
    void theRollingUpdateAndTheLeaseAreConfigurable() {
        Rendered r = render(new Helm(CHART).template().withName(RELEASE).withNamespace(NAMESPACE)
                .set("rollingUpdate.maxUnavailable", 1).set("rollingUpdate.maxSurge", "50%")
                .set("sva.replicas.lease", "10s").set("sva.replicas.heartbeat", "2000ms")
                .set("terminationGracePeriodSeconds", 60).call());
        Map<String, Object> deployment = r.one("Deployment");
        assertThat(mapAt(deployment, "spec.strategy.rollingUpdate")).containsEntry("maxUnavailable", 1).containsEntry("maxSurge", "50%");
        assertThat(at(deployment, "spec.template.spec.terminationGracePeriodSeconds")).isEqualTo(60);
        Map<String, Object> data = mapAt(r.one("ConfigMap"), "data");
        // the pod's environment binds to sva.replicas.* as Spring binds it (relaxed binding)
        var source = new SystemEnvironmentPropertySource(StandardEnvironment.SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME,
                new LinkedHashMap<>(data));
        Binder binder = new Binder(ConfigurationPropertySources.from(source));
        assertThat(binder.bind("sva.replicas.lease", Duration.class).get()).isEqualTo(Duration.ofSeconds(10));
        assertThat(binder.bind("sva.replicas.heartbeat", Duration.class).get()).isEqualTo(Duration.ofSeconds(2));
    }

    @Test
    void aStoppingPodSleepsBeforeTheJvmStopsAndItsGraceCoversTheSleepAndALease() {
        Map<String, Object> deployment = render(new Helm(CHART).template().withName(RELEASE).withNamespace(NAMESPACE)
                .call()).one("Deployment");
        assertThat(listAt(container(deployment), "lifecycle.preStop.exec.command")).containsExactly("sleep", "5");
        assertThat(at(deployment, "spec.template.spec.terminationGracePeriodSeconds")).isEqualTo(30);
        assertThatThrownBy(() -> new Helm(CHART).template().withName(RELEASE)
                .set("terminationGracePeriodSeconds", 10).call())
                .hasMessageContaining("terminationGracePeriodSeconds (10) must exceed preStopSleepSeconds (5) + sva.replicas.lease (5s)");
        assertThat(container(render(new Helm(CHART).template().withName(RELEASE).withNamespace(NAMESPACE)
                .set("preStopSleepSeconds", 0).call()).one("Deployment"))).doesNotContainKey("lifecycle");
    }

    @Test
    void badReplicaSettingsFailTheRender() {
        assertThatThrownBy(() -> new Helm(CHART).template().withName(RELEASE)
                .set("sva.replicas.heartbeat", "5s").call())
                .hasMessageContaining("sva.replicas.heartbeat (5s) must be shorter than sva.replicas.lease (5s)");
        assertThatThrownBy(() -> new Helm(CHART).template().withName(RELEASE)
                .set("sva.replicas.lease", "five").call())
                .hasMessageContaining("lease");
        assertThatThrownBy(() -> new Helm(CHART).template().withName(RELEASE)
                .set("rollingUpdate.maxSurge", 0).call())
                .hasMessageContaining("cannot both be 0");
        assertThatThrownBy(() -> new Helm(CHART).template().withName(RELEASE)
                .set("replicaCount", -1).call())
                .hasMessageContaining("replicaCount");
    }

    @Test
    void moreThanOneReplicaOnH2IsRefusedAndOneStopsBeforeTheNextStarts() {
        assertThatThrownBy(() -> new Helm(CHART).template().withName(RELEASE)
                .set("sva.profile", "default").set("replicaCount", 2).call())
                .hasMessageContaining("replicaCount 2 needs sva.profile postgres")
                .hasMessageContaining("H2 serves one process");

        Rendered r = render(new Helm(CHART).template().withName(RELEASE).withNamespace(NAMESPACE)
                .set("sva.profile", "default").call());
        Map<String, Object> deployment = r.one("Deployment");
        assertThat(at(deployment, "spec.replicas")).isEqualTo(1);
        assertThat(stringAt(deployment, "spec.strategy.type")).as("never two processes on one H2").isEqualTo("Recreate");
        assertThat(mapAt(deployment, "spec.strategy")).doesNotContainKey("rollingUpdate");
        assertThat(mapAt(r.one("ConfigMap"), "data")).doesNotContainKeys("SVA_REPLICAS_LEASE", "SVA_REPLICAS_HEARTBEAT");
    }

    @Test
    void severalReplicasInLocalModeNeedOneSigningKeyAndOneAdminToken() {
        assertThatThrownBy(() -> new Helm(CHART).template().withName(RELEASE).set("replicaCount", 2)
                .set("security.adminToken.existingSecret", "sva-admin").call())
                .hasMessageContaining("replicaCount 2 in security.mode local needs one signing key for every pod");
        assertThatThrownBy(() -> new Helm(CHART).template().withName(RELEASE).set("replicaCount", 2)
                .set("security.signingKey.existingSecret", "sva-jwk").call())
                .hasMessageContaining("replicaCount 2 in security.mode local needs one admin token for every pod");
        // an external issuer needs neither
        Rendered jwt = render(new Helm(CHART).template().withName(RELEASE).withNamespace(NAMESPACE).set("replicaCount", 2)
                .set("security.mode", "jwt").set("security.issuer", "https://login.example.org").call());
        assertThat(at(jwt.one("Deployment"), "spec.replicas")).isEqualTo(2);
        assertThat(listAt(jwt.one("Deployment"), "spec.template.spec.volumes").toString()).doesNotContain("signing-key");
    }

    @Test
    void unknownIsolationPolicyIsRejected() {
        assertThatThrownBy(() -> new Helm(CHART).template().withName(RELEASE)
                .set("sva.isolation", "LOOSE").call())
                .hasMessageContaining("isolation");
    }

    @Test
    void thePodRunsAsItsOwnServiceAccountWithoutAnApiToken() {
        Rendered r = render(new Helm(CHART).template().withName(RELEASE).withNamespace(NAMESPACE).call());
        Map<String, Object> account = r.one("ServiceAccount");
        assertThat(stringAt(account, "metadata.name")).isEqualTo(FULLNAME);
        assertThat(at(account, "automountServiceAccountToken")).isEqualTo(false);
        Map<String, Object> deployment = r.one("Deployment");
        assertThat(stringAt(deployment, "spec.template.spec.serviceAccountName")).isEqualTo(FULLNAME);
        assertThat(at(deployment, "spec.template.spec.automountServiceAccountToken")).isEqualTo(false);

        Rendered existing = render(new Helm(CHART).template().withName(RELEASE).withNamespace(NAMESPACE)
                .set("serviceAccount.create", false).set("serviceAccount.name", "platform-sa").call());
        assertThat(existing.kinds()).doesNotContain("ServiceAccount");
        assertThat(stringAt(existing.one("Deployment"), "spec.template.spec.serviceAccountName")).isEqualTo("platform-sa");
    }

    @Test
    void theDisruptionBudgetSelectsThePodAndLetsADrainEvictItUnlessToldOtherwise() {
        Rendered r = render(new Helm(CHART).template().withName(RELEASE).withNamespace(NAMESPACE).call());
        Map<String, Object> pdb = r.one("PodDisruptionBudget");
        assertThat(stringAt(pdb, "apiVersion")).isEqualTo("policy/v1");
        assertThat(at(pdb, "spec.maxUnavailable")).isEqualTo(1);
        assertThat(mapAt(pdb, "spec")).doesNotContainKey("minAvailable");
        assertThat(mapAt(r.one("Deployment"), "spec.template.metadata.labels"))
                .containsAllEntriesOf(mapAt(pdb, "spec.selector.matchLabels"));

        Map<String, Object> strict = render(new Helm(CHART).template().withName(RELEASE).withNamespace(NAMESPACE)
                .set("podDisruptionBudget.minAvailable", 1).call()).one("PodDisruptionBudget");
        assertThat(at(strict, "spec.minAvailable")).isEqualTo(1);
        assertThat(mapAt(strict, "spec")).doesNotContainKey("maxUnavailable");

        assertThat(render(new Helm(CHART).template().withName(RELEASE).withNamespace(NAMESPACE)
                .set("podDisruptionBudget.enabled", false).call()).kinds()).doesNotContain("PodDisruptionBudget");
    }

    @Test
    void theNetworkPolicyOptionOpensOnlyTheHttpPortAndEgressToDnsAndTheDatabase() throws IOException {
        assertThat(render(new Helm(CHART).template().withName(RELEASE).withNamespace(NAMESPACE).call()).kinds())
                .as("off by default").doesNotContain("NetworkPolicy");
        Path values = tmp.resolve("values-netpol.yaml");
        Files.writeString(values, """
                networkPolicy:
                  enabled: true
                  ingressFrom:
                    - namespaceSelector:
                        matchLabels:
                          kubernetes.io/metadata.name: orchestrator
                  databaseTo:
                    - podSelector:
                        matchLabels:
                          app.kubernetes.io/name: postgresql
                """);
        Rendered r = render(new Helm(DeployYaml.chartWithTestHookRendered(CHART, tmp)).template().withName(RELEASE).withNamespace(NAMESPACE)
                .withValuesFile(values).call());
        Map<String, Object> policy = r.one("NetworkPolicy");
        assertThat(listAt(policy, "spec.policyTypes")).containsExactly("Ingress", "Egress");
        assertThat(mapAt(r.one("Deployment"), "spec.template.metadata.labels"))
                .containsAllEntriesOf(mapAt(policy, "spec.podSelector.matchLabels"));
        List<Object> ingress = listAt(policy, "spec.ingress");
        assertThat(ingress).hasSize(1);
        assertThat(listAt(map(ingress.get(0)), "ports")).containsExactly(Map.of("port", "http", "protocol", "TCP"));
        List<Object> from = listAt(map(ingress.get(0)), "from");
        assertThat(from).hasSize(2);
        // the helm test pod carries the client label, so `helm test` passes with the policy on
        Map<String, Object> client = mapAt(map(from.get(0)), "podSelector.matchLabels");
        assertThat(mapAt(r.one("Pod"), "metadata.labels")).containsAllEntriesOf(client);
        assertThat(mapAt(map(from.get(1)), "namespaceSelector.matchLabels"))
                .containsEntry("kubernetes.io/metadata.name", "orchestrator");
        List<Object> egress = listAt(policy, "spec.egress");
        assertThat(egress).hasSize(2);
        assertThat(listAt(map(egress.get(0)), "ports")).extracting(p -> map(p).get("port")).containsExactly(53, 53);
        assertThat(listAt(map(egress.get(1)), "ports")).containsExactly(Map.of("port", 5432, "protocol", "TCP"));
        assertThat(listAt(map(egress.get(1)), "to")).hasSize(1);
    }

    @Test
    void helmTestCallsTheApiThroughTheService() throws IOException {
        assertThat(Files.readString(CHART.resolve(DeployYaml.TEST_HOOK))).as("a `helm test` hook").contains("\"helm.sh/hook\": test");
        Map<String, Object> pod = render(new Helm(DeployYaml.chartWithTestHookRendered(CHART, tmp)).template().withName(RELEASE)
                .withNamespace(NAMESPACE).call()).one("Pod");
        Map<String, Object> container = map(listAt(pod, "spec.containers").get(0));
        Map<String, Object> url = listAt(container, "env").stream().map(DeployYaml::map)
                .filter(e -> "SVA_URL".equals(e.get("name"))).findFirst().orElseThrow();
        assertThat(url).containsEntry("value", "http://" + FULLNAME + ":8080");
        assertThat(String.join("\n", listAt(container, "command").stream().map(String::valueOf).toList()))
                .contains("$SVA_URL/actuator/health/readiness", "$SVA_URL/api/v1/nodes/local");
        assertThat(stringAt(pod, "spec.restartPolicy")).isEqualTo("Never");
        assertThat(mapAt(pod, "spec.securityContext")).containsEntry("runAsNonRoot", true);
    }

    @Test
    void readinessWaitsLongerThanTheDatabaseCheckCanTake() throws IOException {
        // readiness includes the db check, which waits up to Hikari's connection-timeout for a connection
        Map<String, Object> postgres = DeployYaml.parseAll(Files.readString(
                Paths.get("src", "main", "resources", "application-postgres.yml"))).get(0);
        long connectionTimeoutMs = Long.parseLong(String.valueOf(at(postgres, "spring.datasource.hikari.connection-timeout")));
        Map<String, Object> container = container(render(new Helm(CHART).template().withName(RELEASE)
                .withNamespace(NAMESPACE).call()).one("Deployment"));
        int timeoutSeconds = (Integer) at(container, "readinessProbe.timeoutSeconds");
        assertThat(timeoutSeconds * 1000L).isGreaterThan(connectionTimeoutMs);
        assertThatThrownBy(() -> new Helm(CHART).template().withName(RELEASE)
                .set("readinessProbe.timeoutSeconds", 3).call())
                .hasMessageContaining("timeoutSeconds");
    }

    @Test
    void unknownValuesAreRefusedAtEveryLevel() {
        for (String typo : List.of("replicas", "image.repo", "sva.isolaton", "readinessProbe.timeout",
                "networkPolicy.ingress", "serviceAccount.automountToken", "database.secretKeys.user")) {
            assertThatThrownBy(() -> new Helm(CHART).template().withName(RELEASE).set(typo, "x").call())
                    .as(typo).hasMessageContaining("additional properties");
        }
    }

    // ---------------------------------------------------------------------------------------------



    private static void assertContractProbesAndPort(Map<String, Object> container) {
        Map<String, Object> port = map(listAt(container, "ports").get(0));
        assertThat(port).containsEntry("name", "http").containsEntry("containerPort", 8080);
        assertThat(stringAt(container, "livenessProbe.httpGet.path")).isEqualTo("/actuator/health/liveness");
        assertThat(stringAt(container, "livenessProbe.httpGet.port")).isEqualTo("http");
        assertThat(stringAt(container, "readinessProbe.httpGet.path")).isEqualTo("/actuator/health/readiness");
        assertThat(stringAt(container, "readinessProbe.httpGet.port")).isEqualTo("http");
        assertThat(stringAt(container, "startupProbe.httpGet.path")).isEqualTo("/actuator/health/liveness");
    }

    private static void assertNonRoot(Map<String, Object> deployment, Map<String, Object> container) {
        Map<String, Object> pod = mapAt(deployment, "spec.template.spec.securityContext");
        assertThat(pod).containsEntry("runAsNonRoot", true).containsEntry("runAsUser", 10001);
        Map<String, Object> ctr = mapAt(container, "securityContext");
        assertThat(ctr).containsEntry("runAsNonRoot", true)
                .containsEntry("allowPrivilegeEscalation", false)
                .containsEntry("readOnlyRootFilesystem", true);
        assertThat(listAt(ctr, "capabilities.drop")).containsExactly("ALL");
        // A read-only root filesystem needs writable /tmp and /app/data (H2 of the default profile).
        assertThat(listAt(container, "volumeMounts").stream().map(m -> stringAt(map(m), "mountPath")))
                .contains("/tmp", "/app/data");
    }

    private static void assertEnvFromConfigMap(Map<String, Object> container, String configMapName) {
        List<Object> envFrom = listAt(container, "envFrom");
        assertThat(envFrom.stream().map(e -> stringAt(map(e), "configMapRef.name"))).containsExactly(configMapName);
    }

    private static void assertSecretRef(Map<String, Object> container, String envName, String secret, String key) {
        Map<String, Object> env = listAt(container, "env").stream().map(DeployYaml::map)
                .filter(e -> envName.equals(e.get("name")))
                .findFirst().orElseThrow(() -> new AssertionError("no env " + envName + " in " + container));
        assertThat(stringAt(env, "valueFrom.secretKeyRef.name")).as(envName + " secret").isEqualTo(secret);
        assertThat(stringAt(env, "valueFrom.secretKeyRef.key")).as(envName + " key").isEqualTo(key);
    }

    private static Map<String, Object> container(Map<String, Object> deployment) {
        List<Object> containers = listAt(deployment, "spec.template.spec.containers");
        assertThat(containers).hasSize(1);
        return map(containers.get(0));
    }

    private static String decode(String base64) {
        return new String(Base64.getDecoder().decode(base64), StandardCharsets.UTF_8);
    }

    private static Rendered render(String manifests) {
        return new Rendered(DeployYaml.parseAll(manifests), manifests);
    }

    private record Rendered(List<Map<String, Object>> docs, String text) {

        List<String> kinds() {
            return docs.stream().map(d -> String.valueOf(d.get("kind"))).collect(Collectors.toList());
        }

        Map<String, Object> one(String kind) {
            List<Map<String, Object>> found = docs.stream().filter(d -> kind.equals(d.get("kind"))).toList();
            assertThat(found).as("exactly one %s in:%n%s", kind, text).hasSize(1);
            return found.get(0);
        }
    }
}
