package dev.sva.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Issue #3, item 5 (ENGINE.md H3): {@code POST /dma/batch} of 1,024 requests, per item, against Jackson
 * parsing the same request JSON and writing the same response JSON in-process. A and B alternate in
 * one loop (ABAB…) so that the machine's noise hits both alike; medians and p90 are reported.
 *
 * <pre>java -cp target/classes:$(cat target/bench.classpath) dev.sva.bench.HttpBatchBench [rounds]</pre>
 */
public final class HttpBatchBench {

    private static io.micrometer.core.instrument.Timer batchTimer(io.micrometer.core.instrument.MeterRegistry meters) {
        return meters.get("http.server.requests").tag("uri", "/api/v1/dma/batch").timer();
    }

    public static void main(String[] args) throws Exception {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 400;
        int items = 1024;
        JsonMapper json = JsonMapper.builder().build();
        try (BenchServer server = new BenchServer("--spring.datasource.url=jdbc:h2:mem:bench;DB_CLOSE_DELAY=-1")) {
            String dev = json.readTree(server.send("POST", "/api/v1/devices",
                    "{\"bdf\":\"0000:10:00.0\",\"pasidBits\":20}", 201)).path("id").asString();
            String group = json.readTree(server.send("GET", "/api/v1/devices/" + dev, null, 200)).path("groupId").asString();
            String ctr = json.readTree(server.send("POST", "/api/v1/containers", "{}", 201)).path("id").asString();
            server.send("PUT", "/api/v1/containers/" + ctr + "/groups/" + group, null, 201);
            server.send("POST", "/api/v1/containers/" + ctr + "/mappings",
                    "{\"iova\":\"0x100000000\",\"size\":" + (items * 4096L) + ",\"physicalAddress\":\"0x200000000\",\"read\":true,\"write\":true}", 201);
            List<Map<String, Object>> requests = new ArrayList<>();
            for (int i = 0; i < items; i++) {
                requests.add(Map.of("deviceId", dev, "address", "0x" + Long.toHexString(0x100000000L + i * 4096L + 64),
                        "size", 64, "access", i % 2 == 0 ? "READ" : "WRITE"));
            }
            String body = json.writeValueAsString(Map.of("requests", requests));
            String response = server.send("POST", "/api/v1/dma/batch", body, 200);
            if (!response.contains("TRANSLATED") || response.contains("FAULT")) {
                throw new IllegalStateException("the batch does not translate: " + response.substring(0, 300));
            }
            JsonNode responseTree = json.readTree(response);

            io.micrometer.core.instrument.MeterRegistry meters = server.app.getBean(io.micrometer.core.instrument.MeterRegistry.class);
            double serverNanosBefore = 0;
            long serverCountBefore = 0;
            long[] rest = new long[rounds];
            long[] jackson = new long[rounds];
            long sink = 0;
            for (int r = -rounds / 4; r < rounds; r++) { // the first quarter warms both up, unrecorded
                long t0 = System.nanoTime();
                sink += server.send("POST", "/api/v1/dma/batch", body, 200).length();
                long t1 = System.nanoTime();
                JsonNode parsed = json.readTree(body);
                sink += parsed.path("requests").size();
                sink += json.writeValueAsString(responseTree).length();
                long t2 = System.nanoTime();
                if (r == -1) {
                    io.micrometer.core.instrument.Timer timer = batchTimer(meters);
                    serverNanosBefore = timer.totalTime(java.util.concurrent.TimeUnit.NANOSECONDS);
                    serverCountBefore = timer.count();
                }
                if (r >= 0) {
                    rest[r] = t1 - t0;
                    jackson[r] = t2 - t1;
                }
            }
            io.micrometer.core.instrument.Timer timer = batchTimer(meters);
            double serverMean = (timer.totalTime(java.util.concurrent.TimeUnit.NANOSECONDS) - serverNanosBefore)
                    / (timer.count() - serverCountBefore) / 1000.0 / items;
            double restP50 = BenchServer.percentileMicros(rest, 50) / items;
            double restP90 = BenchServer.percentileMicros(rest, 90) / items;
            double jsonP50 = BenchServer.percentileMicros(jackson, 50) / items;
            double jsonP90 = BenchServer.percentileMicros(jackson, 90) / items;
            System.out.printf("cores=%d rounds=%d items/batch=%d (sink %d)%n", Runtime.getRuntime().availableProcessors(), rounds, items, sink);
            System.out.printf("A  REST POST /dma/batch         p50 %.3f us/item  p90 %.3f us/item  (%.0f items/s at p50)%n",
                    restP50, restP90, 1e6 / restP50);
            System.out.printf("A' server-side (http.server.requests) mean %.3f us/item%n", serverMean);
            System.out.printf("B  Jackson parse+write in-proc  p50 %.3f us/item  p90 %.3f us/item%n", jsonP50, jsonP90);
            System.out.printf("A/B p50 = %.2f, A'/B = %.2f   (target <= 2)%n", restP50 / jsonP50, serverMean / jsonP50);
        }
    }
}
