package dev.sva.bench;

import dev.sva.SvaApplication;
import java.util.Arrays;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * The service started in-process on a random loopback port, and a blocking keep-alive HTTP/1.1
 * client ({@link BlockingHttp}) to load it from the benchmark's thread. Requests go to 127.0.0.1 only.
 */
final class BenchServer implements AutoCloseable {

    final ConfigurableApplicationContext app;
    final BlockingHttp http;

    /** The admin's bearer token of the benchmarked service. */
    static final String ADMIN_TOKEN = "bench-admin-token-0123456789abcdefghijklmnopqrstuvwxyz";

    BenchServer(String... args) {
        String[] all = Arrays.copyOf(args, args.length + 5);
        all[args.length] = "--server.port=0";
        all[args.length + 1] = "--logging.level.root=WARN";
        all[args.length + 2] = "--sva.events.prune-every=PT1H";
        all[args.length + 3] = "--sva.security.admin-token=" + ADMIN_TOKEN;
        all[args.length + 4] = "--sva.security.data-dir=target/bench-security";
        app = new SpringApplicationBuilder(SvaApplication.class).run(all);
        http = new BlockingHttp("127.0.0.1", ((WebServerApplicationContext) app).getWebServer().getPort(), ADMIN_TOKEN);
    }

    /** Sends a request and answers the body; throws unless the status is {@code expected}. */
    String send(String method, String path, String json, int expected) throws Exception {
        BlockingHttp.Answer r = http.send(method, path, json);
        if (r.status() != expected) {
            throw new IllegalStateException(method + " " + path + " answered " + r.status() + ": " + r.body());
        }
        return r.body();
    }

    @Override
    public void close() {
        http.close();
        app.close();
    }

    /** p-th percentile (0..100) of nanosecond samples, in microseconds. */
    static double percentileMicros(long[] samples, double p) {
        long[] sorted = samples.clone();
        Arrays.sort(sorted);
        int i = (int) Math.min(sorted.length - 1, Math.round(p / 100.0 * (sorted.length - 1)));
        return sorted[i] / 1000.0;
    }
}
