package dev.sva.core;

import static dev.sva.support.ProblemAssert.obj;
import static org.assertj.core.api.Assertions.assertThat;

import dev.sva.support.Api;
import dev.sva.support.Api.Response;
import dev.sva.support.ApiTest;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.web.servlet.mvc.method.annotation.RequestMappingHandlerMapping;

/**
 * "No input may produce a 5xx": a few hundred random and garbage bodies to every endpoint that takes
 * one, and a few thousand hostile requests across every mapping the service registers, from a
 * seeded generator (override with {@code -Dfuzz.seed=…}, and the count with {@code -Dfuzz.requests=…}). Bodies are valid templates with
 * fields swapped for odd values, extra fields, random JSON of any shape, and bytes that are not JSON.
 * Every answer is below 500, and every refusal is a problem with a {@code code}.
 */
abstract class NoServerErrorFuzzTests extends ApiTest {

    private static final int BODIES_PER_ENDPOINT = 250;

    private Random random;
    private List<Object> interesting;

    /** An endpoint (its mapping's pattern, and a path to it) and a valid body for it, which the fuzzer mutates. */
    private record Target(String method, String pattern, String path, Map<String, Object> template) {
        String key() {
            return method + " " + pattern;
        }
    }

    /** A valid body for every endpoint that takes one; {@code solo} and {@code vm} are where binds can succeed. */
    private List<Target> targets(String gpu, String group, String ctr, String solo, String vm, String proc) {
        return List.of(
                new Target("POST", "/api/v1/nodes", "/api/v1/nodes", obj("name", "f-x", "pasidBits", 20, "iovaBits", 48, "vaBits", 48)),
                new Target("POST", "/api/v1/devices", "/api/v1/devices", obj("node", node, "bdf", "0000:5e:00.0", "groupId", group,
                        "driver", "vfio-pci", "pasidBits", 20, "pri", true, "ats", false,
                        "bars", List.of(obj("index", 0, "base", "0xf0000000", "size", 65536)))),
                new Target("PATCH", "/api/v1/devices/{id}", "/api/v1/devices/" + gpu, obj("driver", "vfio-pci")),
                new Target("POST", "/api/v1/groups", "/api/v1/groups", obj("node", node)),
                new Target("POST", "/api/v1/tokens", "/api/v1/tokens", obj("role", "sva:tenant", "tenant", "acme",
                        "expiresIn", 60, "subject", "fuzz")),
                new Target("POST", "/api/v1/containers", "/api/v1/containers", obj("node", node, "name", "vm")),
                new Target("POST", "/api/v1/containers/{id}/mappings", "/api/v1/containers/" + ctr + "/mappings", obj("iova", "0x100000",
                        "size", 4096, "physicalAddress", "0x80000000", "read", true, "write", true)),
                new Target("POST", "/api/v1/address-spaces", "/api/v1/address-spaces", obj("node", node, "pid", 77, "name", "p")),
                new Target("POST", "/api/v1/address-spaces/{id}/mappings", "/api/v1/address-spaces/" + proc + "/mappings",
                        obj("va", "0x7f0000000000", "size", 65536, "physicalAddress", "0x1000", "read", true, "write", true,
                                "pinned", false)),
                new Target("POST", "/api/v1/devices/{id}/bonds", "/api/v1/devices/" + solo + "/bonds", obj("addressSpaceId", proc,
                        "iopf", true, "driverData", "ctx")),
                new Target("POST", "/api/v1/containers/{id}/bonds", "/api/v1/containers/" + vm + "/bonds", obj("addressSpaceId", proc,
                        "iopf", false, "driverData", "ctx")),
                new Target("POST", "/api/v1/dma", "/api/v1/dma", obj("deviceId", gpu, "pasid", 1, "address", "0x7f0000000000",
                        "size", 8, "access", "READ")),
                new Target("POST", "/api/v1/dma/batch", "/api/v1/dma/batch", obj("requests", List.of(obj("deviceId", gpu,
                        "address", "0x100000", "size", 1, "access", "WRITE")))));
    }

    @Test
    void randomBodiesNeverProduceAServerError() {
        long seed = Long.getLong("fuzz.seed", 0x5EED_5FA1L);
        random = new Random(seed);
        String gpu = device("0000:3b:00.0", 20, true);
        String group = groupOf(gpu);
        String ctr = container();
        attach(ctr, group);
        String solo = device("0000:3c:00.0", 20, true); // device binds; hot-plugs go to the other group
        String vm = container();
        attach(vm, groupOf(device("0000:3d:00.0", 20, true))); // container binds
        String proc = process(4242);
        interesting = interestingValues(gpu, group, ctr, proc);

        List<Target> targets = targets(gpu, group, ctr, solo, vm, proc);

        List<String> failures = new ArrayList<>();
        for (Target target : targets) {
            int accepted = 0;
            int refused = 0;
            for (int i = 0; i < BODIES_PER_ENDPOINT; i++) {
                String body = body(target.template());
                Response r = api.send(target.method(), target.path(), body);
                if (r.status() < 300) {
                    accepted++;
                } else {
                    refused++;
                }
                if (r.status() >= 500) {
                    failures.add(target.method() + " " + target.path() + " " + abbreviate(body) + " -> " + r);
                } else if (r.status() >= 400 && (r.code() == null
                        || r.contentType() == null || !r.contentType().startsWith("application/problem+json"))) {
                    failures.add("not a problem: " + target.method() + " " + target.path() + " " + abbreviate(body) + " -> " + r);
                }
            }
            if (accepted == 0 || refused == 0) {
                failures.add(target.method() + " " + target.path() + ": " + accepted + " accepted, " + refused
                        + " refused; the fuzzer must reach both the rules and the parser");
            }
        }
        assertThat(failures).as("seed %s: answers that broke the contract", seed).isEmpty();
        assertThat(api.get("/api/v1/nodes/local").status()).as("the service is still up").isEqualTo(200);
    }

    @Autowired
    @Qualifier("requestMappingHandlerMapping")
    RequestMappingHandlerMapping mappings;

    /**
     * Every mapping the service registers, read from Spring MVC, gets hostile requests: real and
     * garbage path variables, odd and unknown query parameters, mutated bodies (with lone surrogates
     * spliced in), wildcard and odd content types, other methods; a few odd paths besides. No answer
     * is a 5xx, every refusal is a problem with a code. An endpoint that takes a body without a
     * template in {@link #targets}, or that no request reached, fails the test, so a new endpoint
     * cannot go unfuzzed.
     */
    @Test
    void everyEndpointSurvivesHostileRequests() {
        long seed = Long.getLong("fuzz.seed", 0x5EED_5FA1L) ^ 0xE4D;
        random = new Random(seed);
        String gpu = device("0000:3b:00.0", 20, true);
        String group = groupOf(gpu);
        String ctr = container();
        attach(ctr, group);
        String solo = device("0000:3c:00.0", 20, true);
        String vm = container();
        String vmDevice = device("0000:3d:00.0", 20, true);
        attach(vm, groupOf(vmDevice));
        String proc = process(4242);
        String proc2 = process(4343);
        String bond = bind(solo, proc2).str("id");
        String other = Api.uniqueNode();
        assertThat(api.post("/api/v1/nodes", Api.json(Map.of("name", other))).status()).isEqualTo(201);
        String otherDevice = created(api.post("/api/v1/devices", Api.json(Map.of("node", other, "bdf", "0000:01:00.0",
                "driver", "vfio-pci", "pasidBits", 20))));
        interesting = interestingValues(gpu, group, ctr, proc);
        Map<String, Target> templates = new LinkedHashMap<>();
        targets(gpu, group, ctr, solo, vm, proc).forEach(t -> templates.put(t.key(), t));
        // the topology bodies are fuzzed here only: a valid import in the other test would re-form the groups the
        // other targets use (its own tests, TopologyInputTests, cover the import's refusals)
        for (Target t : List.of(
                new Target("PUT", "/api/v1/nodes/{name}/topology", "/api/v1/nodes/" + other + "/topology",
                        obj("functions", List.of(obj("bdf", "0000:00:1f.0", "type", "ENDPOINT", "vendorId", "8086", "deviceId", "a0a3")))),
                new Target("POST", "/api/v1/nodes/{name}/topology/what-if", "/api/v1/nodes/" + node + "/topology/what-if",
                        obj("unplug", List.of("0000:3b:00.0"))),
                // a group no other target uses: an allocation that succeeds must not turn the binds above into refusals
                new Target("PUT", "/api/v1/groups/{id}/allocation", "/api/v1/groups/" + groupOf(otherDevice) + "/allocation",
                        obj("tenant", "acme")))) {
            templates.put(t.key(), t);
        }

        Map<String, List<String>> pools = new LinkedHashMap<>();
        pools.put("devices", List.of(gpu, solo, vmDevice, otherDevice));
        pools.put("groups", List.of(group, groupOf(solo), groupOf(otherDevice)));
        pools.put("containers", List.of(ctr, vm));
        pools.put("address-spaces", List.of(proc, proc2));
        pools.put("bonds", List.of(bond));
        pools.put("nodes", List.of(node, "local", other));
        pools.put("limit", List.of("1", "2", "1000", "0", "-1", "1001"));
        pools.put("cursor", List.of("0", "1", gpu, node, "dev-0"));
        pools.put("after", List.of("0", "1", "-1", "9223372036854775807"));
        pools.put("type", List.of("DEVICE_ADDED", "BOND_CREATED,GROUP_CREATED", "nope", "device_added"));
        for (String address : List.of("iova", "va", "size")) {
            pools.put(address, List.of("0x1000", "0x0", "0xffffffffffffffff", "4096", "0x7f0000000000", "0x10000000000000000"));
        }
        pools.put("groupId", pools.get("groups"));
        pools.put("deviceId", pools.get("devices"));
        pools.put("addressSpaceId", pools.get("address-spaces"));
        pools.put("containerId", pools.get("containers"));
        pools.put("node", pools.get("nodes"));
        pools.put("name", pools.get("nodes"));
        List<String> oddIds = List.of("dev-0", "dev--1", "0", "..", "%", "dev-99999999999999999999", "\uD83D\uDCA5",
                "x".repeat(300), "dev-1;x", "grp-1", "ctr-1", " ", "\u0000", "\uDC00");

        EndpointFuzzer fuzzer = new EndpointFuzzer(port, random);
        List<EndpointFuzzer.Endpoint> endpoints = EndpointFuzzer.endpoints(mappings);
        assertThat(endpoints).as("the API's mappings").hasSizeGreaterThan(30);
        List<String> failures = new ArrayList<>();
        for (EndpointFuzzer.Endpoint e : endpoints) {
            if (e.takesBody() && !templates.containsKey(e.key())) {
                failures.add(e.key() + " takes a body but has no template in targets(): add one");
            }
        }
        Map<String, Integer> reached = new LinkedHashMap<>();
        endpoints.forEach(e -> reached.put(e.key(), 0));
        int total = Integer.getInteger("fuzz.requests", 2400);
        for (int i = 0; i < total; i++) {
            Map.Entry<String, EndpointFuzzer.Answer> sent;
            EndpointFuzzer.Endpoint endpoint = null;
            if (random.nextInt(25) == 0) {
                sent = fuzzer.oddPath();
            } else {
                endpoint = endpoints.get(i % endpoints.size());
                Target template = templates.get(endpoint.key());
                sent = fuzzer.hit(endpoint, key -> {
                    String var = key.substring(key.indexOf('/') + 1);
                    List<String> pool = pools.get(var.equals("id") ? key.substring(0, key.indexOf('/')) : var);
                    return pool == null || random.nextInt(5) == 0 ? unescape(oddIds.get(random.nextInt(oddIds.size())))
                            : pool.get(random.nextInt(pool.size()));
                }, name -> fuzzer.oddValue(pools.getOrDefault(name, List.of("1"))),
                        () -> spliceSurrogate(template == null ? Api.json(oddValue(3)) : body(template.template())));
            }
            if (sent.getValue() == null) {
                continue;
            }
            String method = sent.getKey().substring(0, sent.getKey().indexOf(' '));
            String violation = EndpointFuzzer.violation(method, sent.getValue());
            if (violation != null) {
                failures.add(violation + ": " + sent.getKey() + " -> " + sent.getValue().status() + " "
                        + EndpointFuzzer.abbreviate(sent.getValue().text()));
            }
            int status = sent.getValue().status();
            if (endpoint != null && method.equals(endpoint.method()) && status != 404 && status != 405 && status != 401) {
                reached.merge(endpoint.key(), 1, Integer::sum);
            }
        }
        reached.forEach((key, n) -> {
            if (n == 0) {
                failures.add(key + ": no request reached its handler");
            }
        });
        assertThat(failures).as("seed %s: answers that broke the contract", seed).isEmpty();
        assertThat(api.get("/api/v1/nodes/local").status()).as("the service is still up").isEqualTo(200);
    }

    /** Spells {@code \\uXXXX} escapes of the odd ids as the chars they name (lone surrogates included). */
    private static String unescape(String s) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < s.length(); i++) {
            if (s.startsWith("\\u", i) && i + 6 <= s.length()) {
                sb.append((char) Integer.parseInt(s.substring(i + 2, i + 6), 16));
                i += 5;
            } else {
                sb.append(s.charAt(i));
            }
        }
        return sb.toString();
    }

    /** Sometimes puts a lone UTF-16 surrogate escape at the start of the body's first string value. */
    private String spliceSurrogate(String json) {
        int at = json.indexOf("\":\"");
        if (at < 0 || random.nextInt(6) != 0) {
            return json;
        }
        String surrogate = random.nextBoolean() ? "\\ud800" : "\\udfff";
        return json.substring(0, at + 3) + surrogate + json.substring(at + 3);
    }

    /** The template with fresh identities (a new BDF, pid, node name, address), so that it can succeed again. */
    private Map<String, Object> fresh(Map<String, Object> template) {
        Map<String, Object> body = new LinkedHashMap<>(template);
        body.computeIfPresent("bdf", (k, v) -> String.format("%04x:%02x:%02x.%d", random.nextInt(4), random.nextInt(256),
                random.nextInt(32), random.nextInt(8)));
        body.computeIfPresent("pid", (k, v) -> 1 + random.nextInt(4_000_000));
        body.computeIfPresent("iova", (k, v) -> "0x" + Long.toHexString((random.nextLong() & 0xff_ffff_f000L) | 0x1000));
        body.computeIfPresent("va", (k, v) -> "0x" + Long.toHexString((random.nextLong() & 0xff_ffff_f000L) | 0x1000));
        if (template.containsKey("name") && template.containsKey("vaBits")) {
            body.put("name", "f-" + Long.toHexString(random.nextLong() & 0xffff_ffffL));
        }
        return body;
    }

    private String body(Map<String, Object> template) {
        int kind = random.nextInt(10);
        switch (kind) {
            case 0, 1, 2, 3 -> {
                // the template with one to three fields swapped for odd values
                Map<String, Object> body = fresh(template);
                List<String> keys = new ArrayList<>(body.keySet());
                for (int n = 1 + random.nextInt(3); n > 0; n--) {
                    String key = keys.get(random.nextInt(keys.size()));
                    if (key.equals("node") && random.nextInt(4) != 0) {
                        continue; // mostly stay on this test's node
                    }
                    body.put(key, oddValue(2));
                }
                return Api.json(body);
            }
            case 4 -> {
                Map<String, Object> body = fresh(template);
                body.put(randomString(8), oddValue(2));
                return Api.json(body);
            }
            case 5 -> {
                Map<String, Object> body = fresh(template);
                body.remove(new ArrayList<>(body.keySet()).get(random.nextInt(body.size())));
                return Api.json(body);
            }
            case 6 -> {
                return Api.json(oddValue(4));
            }
            case 7 -> {
                String json = Api.json(template);
                return json.substring(0, random.nextInt(json.length()));
            }
            case 8 -> {
                return garbage();
            }
            default -> {
                // plausible numbers: exercises the rules rather than the parser
                Map<String, Object> body = fresh(template);
                for (String key : List.of("iova", "va", "physicalAddress", "address")) {
                    if (body.containsKey(key)) {
                        body.put(key, "0x" + Long.toHexString(random.nextLong() & (random.nextBoolean() ? 0xffff_f000L : -0x1000L)));
                    }
                }
                for (String key : List.of("size", "pasidBits", "iovaBits", "vaBits", "pid", "pasid")) {
                    if (body.containsKey(key)) {
                        body.put(key, random.nextBoolean() ? (long) random.nextInt(1 << 24) : 1L << random.nextInt(63));
                    }
                }
                return Api.json(body);
            }
        }
    }

    private Object oddValue(int depth) {
        int pick = random.nextInt(depth > 0 ? 12 : 9);
        return switch (pick) {
            case 0, 1, 2, 3 -> interesting.get(random.nextInt(interesting.size()));
            case 4 -> random.nextLong();
            case 5 -> random.nextDouble() * Math.pow(10, random.nextInt(40) - 20);
            case 6 -> randomString(random.nextInt(40));
            case 7 -> "0x" + new BigInteger(random.nextInt(80) + 1, random).toString(16);
            case 8 -> random.nextBoolean();
            case 9, 10 -> {
                List<Object> list = new ArrayList<>();
                for (int i = random.nextInt(4); i > 0; i--) {
                    list.add(oddValue(depth - 1));
                }
                yield list;
            }
            default -> {
                Map<String, Object> map = new LinkedHashMap<>();
                for (int i = random.nextInt(4); i > 0; i--) {
                    map.put(random.nextBoolean() ? randomString(5) : "size", oddValue(depth - 1));
                }
                yield map;
            }
        };
    }

    private List<Object> interestingValues(String gpu, String group, String ctr, String proc) {
        List<Object> values = new ArrayList<>();
        values.add(null);
        values.addAll(List.of(true, false, 0, 1, -1, 7, 20, 21, 64, 65, 4095, 4096, 4097, 65536, 65535,
                Integer.MAX_VALUE, Integer.MIN_VALUE, Long.MAX_VALUE, Long.MIN_VALUE, 0.5, -0.0, 1e308, 4096.0,
                BigInteger.ONE.shiftLeft(64), BigInteger.ONE.shiftLeft(64).negate(), BigInteger.TEN.pow(40)));
        values.addAll(List.of("", " ", "0x", "0x0", "0x1000", "0X1000", "0x1001", "0xfffffffffffff000", "0xffffffffffffffff",
                "0x10000000000000000", "0x-1000", "-0x1000", "0x 1000", "4096", "1e3", "NaN", "Infinity",
                "dev-1", "grp-1", "ctr-1", "as-1", "bond-1", "dev--1", "dev-9223372036854775807", "dev-99999999999999999999",
                gpu, group, ctr, proc, "local", node, "vfio-pci", "nvidia", "READ", "WRITE", "EXECUTE", "read",
                "0000:3b:00.0", "ff:1f.7", "\u0000", "\uD83D\uDCA5", "<script>", "' OR 1=1 --", "x".repeat(5000),
                "%s%n", "../../etc/passwd"));
        values.add(List.of());
        values.add(Map.of());
        values.add(List.of(List.of(List.of(List.of()))));
        return values;
    }

    private String garbage() {
        return switch (random.nextInt(6)) {
            case 0 -> randomString(random.nextInt(200));
            case 1 -> "[".repeat(1 + random.nextInt(3000));
            case 2 -> "{\"a\":".repeat(1 + random.nextInt(3000));
            case 3 -> "{\"size\": 1" + "0".repeat(random.nextInt(500)) + "}";
            case 4 -> "\uFEFF{}";
            default -> {
                byte[] bytes = new byte[random.nextInt(64)];
                random.nextBytes(bytes);
                yield new String(bytes, java.nio.charset.StandardCharsets.ISO_8859_1);
            }
        };
    }

    private String randomString(int length) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < length; i++) {
            sb.append(random.nextInt(8) == 0 ? (char) random.nextInt(0x3000) : (char) (' ' + random.nextInt(95)));
        }
        return sb.toString();
    }

    private static String abbreviate(String s) {
        return s.length() <= 300 ? s : s.substring(0, 300) + "…";
    }
}
