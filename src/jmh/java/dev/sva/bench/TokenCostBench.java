package dev.sva.bench;

import org.springframework.boot.web.server.context.WebServerApplicationContext;
import tools.jackson.databind.json.JsonMapper;

/**
 * Issue #10: what validating a JWT adds to a bind over HTTP. One service (H2 in memory), two
 * keep-alive clients interleaved in one loop: one sends the admin's static secret (no JWT is parsed
 * or verified: a SHA-256 digest compared in constant time), the other an admin token the service
 * minted (an RS256 JWT: signature, expiry, issuer, audience and claim types checked on every
 * request). Both pass the same filter chain and the same role table; the difference between them is
 * the JWT validation. Each round binds and unbinds once with each client; medians and p90 of the
 * binds are reported, and the ratio of the medians.
 *
 * <pre>java -cp target/classes:$(cat target/bench.classpath) dev.sva.bench.TokenCostBench [rounds]</pre>
 */
public final class TokenCostBench {

    public static void main(String[] args) throws Exception {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 2000;
        JsonMapper json = JsonMapper.builder().build();
        try (BenchServer server = new BenchServer("--spring.datasource.url=jdbc:h2:mem:token-bench;DB_CLOSE_DELAY=-1")) {
            String jwt = json.readTree(server.send("POST", "/api/v1/tokens",
                    "{\"role\":\"sva:admin\",\"subject\":\"bench\",\"expiresIn\":86400}", 201)).path("token").asString();
            int port = ((WebServerApplicationContext) server.app).getWebServer().getPort();
            try (BlockingHttp withJwt = new BlockingHttp("127.0.0.1", port, jwt)) {
                String dev = json.readTree(server.send("POST", "/api/v1/devices",
                        "{\"bdf\":\"0000:10:00.0\",\"pasidBits\":20}", 201)).path("id").asString();
                String proc = json.readTree(server.send("POST", "/api/v1/address-spaces", "{\"pid\":4242}", 201))
                        .path("id").asString();
                String bind = "{\"addressSpaceId\":\"" + proc + "\",\"driverData\":\"bench\"}";
                long[] secret = new long[rounds];
                long[] token = new long[rounds];
                for (int r = -rounds / 5; r < rounds; r++) { // a fifth to warm up, unrecorded
                    long s = bindAndUnbind(server.http, dev, bind, json);
                    long t = bindAndUnbind(withJwt, dev, bind, json);
                    if (r >= 0) {
                        secret[r] = s;
                        token[r] = t;
                    }
                }
                double s50 = BenchServer.percentileMicros(secret, 50);
                double t50 = BenchServer.percentileMicros(token, 50);
                System.out.printf("cores=%d rounds=%d, one client each, interleaved%n",
                        Runtime.getRuntime().availableProcessors(), rounds);
                System.out.printf("bind, static admin secret: p50 %.0f us, p90 %.0f us%n", s50,
                        BenchServer.percentileMicros(secret, 90));
                System.out.printf("bind, RS256 JWT validated: p50 %.0f us, p90 %.0f us%n", t50,
                        BenchServer.percentileMicros(token, 90));
                System.out.printf("JWT / static p50 ratio: %.3f%n", t50 / s50);
            }
        }
    }

    /** One bind (timed, in nanoseconds) and its unbind (untimed). */
    private static long bindAndUnbind(BlockingHttp http, String dev, String body, JsonMapper json) throws Exception {
        long t0 = System.nanoTime();
        BlockingHttp.Answer bond = http.send("POST", "/api/v1/devices/" + dev + "/bonds", body);
        long elapsed = System.nanoTime() - t0;
        if (bond.status() != 201) {
            throw new IllegalStateException("bind answered " + bond.status() + ": " + bond.body());
        }
        BlockingHttp.Answer gone = http.send("DELETE", "/api/v1/bonds/" + json.readTree(bond.body()).path("id").asString(), null);
        if (gone.status() != 204) {
            throw new IllegalStateException("unbind answered " + gone.status() + ": " + gone.body());
        }
        return elapsed;
    }
}
