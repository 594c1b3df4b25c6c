package dev.sva.security;

import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jwt.JWTClaimsSet;
import dev.sva.support.Api;
import dev.sva.support.Api.Response;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import tools.jackson.databind.JsonNode;

/**
 * Production mode ({@code sva.security.mode=jwt}) against a real issuer over HTTP, with tokens shaped
 * like Kubernetes projected service-account tokens: the service fetches the issuer's keys itself
 * ({@link ServiceAccountIssuer}), maps service-account subjects to roles and nodes by properties
 * ({@code sva.security.subjects}), also takes an OIDC token that carries its role in {@code scope}, and
 * answers every token of another audience or issuer, an expired or not yet valid one, one signed by
 * another key and one naming no role with {@code 401 UNAUTHENTICATED}, changing nothing.
 * The subclasses find the keys by OIDC discovery and by a fixed JWK set address.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        "spring.datasource.url=jdbc:h2:mem:sva-${random.uuid};DB_CLOSE_DELAY=-1;LOCK_TIMEOUT=10000",
        "logging.level.dev.sva.core.ProblemHandler=WARN",
        "sva.security.mode=jwt",
        "sva.security.audience=" + ServiceAccountTokenTests.AUDIENCE,
        "sva.security.subjects[0].subject=system:serviceaccount:sva-system:sva-operator",
        "sva.security.subjects[0].role=sva:admin",
        "sva.security.subjects[1].subject=system:serviceaccount:gpu-agents:agent-gpu-7",
        "sva.security.subjects[1].role=sva:agent",
        "sva.security.subjects[1].node=" + ServiceAccountTokenTests.AGENT_NODE
})
abstract class ServiceAccountTokenTests {

    /** The audience of the projected volume (serviceAccountToken.audience) and of sva.security.audience. */
    static final String AUDIENCE = "sva-control-plane";
    static final String AGENT_NODE = "gpu-7";

    @LocalServerPort
    int port;

    Api anonymous;
    String operator;

    /** This class's issuer, started before the context so that its address can go into the properties. */
    abstract ServiceAccountIssuer issuer();

    static void issuerProperties(DynamicPropertyRegistry registry, ServiceAccountIssuer issuer, boolean discovery) {
        registry.add("sva.security.issuer", issuer::issuer);
        if (!discovery) {
            registry.add("sva.security.jwk-set-uri", issuer::jwksUri);
        }
    }

    @BeforeEach
    void operatorMakesTheAgentsNode() {
        anonymous = new Api(port).as(null);
        operator = token("sva-system", "sva-operator", c -> { });
        Api admin = anonymous.as(operator);
        if (admin.get("/api/v1/nodes/" + AGENT_NODE).status() == 404) {
            assertThat(admin.post("/api/v1/nodes", Api.json(Map.of("name", AGENT_NODE))).status()).isEqualTo(201);
        }
    }

    private String token(String namespace, String serviceAccount, Consumer<JWTClaimsSet.Builder> change) {
        JWTClaimsSet.Builder claims = issuer().claims(namespace, serviceAccount, AUDIENCE);
        change.accept(claims);
        return issuer().sign(claims.build());
    }

    private Api as(String token) {
        return anonymous.as(token);
    }

    @Test
    void aServiceAccountMappedToAdminMayDoWhatAnAdminMay() {
        Api admin = as(operator);
        String name = Api.uniqueNode();
        Response made = admin.post("/api/v1/nodes", Api.json(Map.of("name", name)));
        assertThat(made.status()).as("%s", made).isEqualTo(201);
        assertThat(admin.get("/api/v1/nodes/" + name).status()).isEqualTo(200);
        assertThat(issuer().jwksRequests()).as("the keys came from the issuer over HTTP").isPositive();
    }

    @Test
    void aServiceAccountMappedToAnAgentChangesItsOwnNodeOnlyAndIsTheEventsActor() {
        Api agent = as(token("gpu-agents", "agent-gpu-7", c -> { }));
        String other = Api.uniqueNode();
        assertThat(as(operator).post("/api/v1/nodes", Api.json(Map.of("name", other))).status()).isEqualTo(201);

        assertThat(agent.get("/api/v1/nodes").status()).isEqualTo(200);
        String bdf = "0000:41:00.0"; // the only device of this class's database
        Response own = agent.post("/api/v1/devices", Api.json(Map.of("node", AGENT_NODE, "bdf", bdf, "driver", "vfio-pci")));
        assertThat(own.status()).as("%s", own).isEqualTo(201);
        Response elsewhere = agent.post("/api/v1/devices", Api.json(Map.of("node", other, "bdf", bdf, "driver", "vfio-pci")));
        assertForbidden(elsewhere);
        assertForbidden(agent.post("/api/v1/nodes", Api.json(Map.of("name", Api.uniqueNode()))));
        assertThat(as(operator).get("/api/v1/devices?node=" + other).body().path("items")).isEmpty();

        JsonNode added = null;
        for (JsonNode e : agent.get("/api/v1/events?node=" + AGENT_NODE + "&type=DEVICE_ADDED&limit=1000").body().path("items")) {
            if (own.str("id").equals(e.path("subject").path("id").asString())) {
                added = e;
            }
        }
        assertThat(added).as("the DEVICE_ADDED event of %s", own.str("id")).isNotNull();
        assertThat(added.path("actor").path("subject").asString()).isEqualTo("system:serviceaccount:gpu-agents:agent-gpu-7");
        assertThat(added.path("actor").path("role").asString()).isEqualTo("sva:agent");
    }

    @Test
    void anUnmappedSubjectTakesItsRoleFromTheScopeClaim() {
        Api viewer = as(token("monitoring", "dashboard", c -> c.claim("scope", "openid sva:viewer")));
        assertThat(viewer.get("/api/v1/nodes/" + AGENT_NODE).status()).isEqualTo(200);
        assertForbidden(viewer.post("/api/v1/nodes", Api.json(Map.of("name", Api.uniqueNode()))));
    }

    @Test
    void tokensOfAnotherAudienceOrIssuerOrOutOfTimeOrKeyOrWithoutRoleAreUnauthenticated() {
        Instant now = Instant.now();
        Map<String, String> bad = new java.util.LinkedHashMap<>();
        bad.put("another audience (the API server's own)", token("sva-system", "sva-operator",
                c -> c.audience(List.of("https://kubernetes.default.svc.cluster.local"))));
        bad.put("another issuer", token("sva-system", "sva-operator", c -> c.issuer("https://oidc.example.org")));
        bad.put("expired", token("sva-system", "sva-operator", c -> c
                .issueTime(Date.from(now.minusSeconds(3600))).notBeforeTime(Date.from(now.minusSeconds(3600)))
                .expirationTime(Date.from(now.minusSeconds(300)))));
        bad.put("not yet valid", token("sva-system", "sva-operator", c -> c
                .notBeforeTime(Date.from(now.plusSeconds(300))).expirationTime(Date.from(now.plusSeconds(900)))));
        bad.put("signed by another key", Tokens.sign(Tokens.strangerKey(),
                issuer().claims("sva-system", "sva-operator", AUDIENCE).build()));
        bad.put("a service account mapped to no role", token("default", "default", c -> { }));
        for (Map.Entry<String, String> t : bad.entrySet()) {
            String name = Api.uniqueNode();
            Response r = as(t.getValue()).post("/api/v1/nodes", Api.json(Map.of("name", name)));
            assertThat(r.status()).as("%s: %s", t.getKey(), r).isEqualTo(401);
            assertThat(r.code()).as("%s: %s", t.getKey(), r).isEqualTo("UNAUTHENTICATED");
            assertThat(r.header("WWW-Authenticate")).as(t.getKey()).startsWith("Bearer");
            assertThat(as(operator).get("/api/v1/nodes/" + name).status()).as("%s: nothing made", t.getKey()).isEqualTo(404);
        }
        assertThat(anonymous.get("/api/v1/nodes").code()).isEqualTo("UNAUTHENTICATED");
    }

    private static void assertForbidden(Response r) {
        assertThat(r.status()).as("%s", r).isEqualTo(403);
        assertThat(r.code()).as("%s", r).isEqualTo("FORBIDDEN");
    }
}
