package dev.sva.bench;

import dev.sva.SvaApplication;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Arrays;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * The service started in-process on a random loopback port, and a JDK HTTP client to load it: what
 * the HTTP benchmarks measure against. Requests go to 127.0.0.1 only.
 */
final class BenchServer implements AutoCloseable {

    final ConfigurableApplicationContext app;
    final HttpClient http = HttpClient.newHttpClient();
    final String base;

    BenchServer(String... args) {
        String[] all = Arrays.copyOf(args, args.length + 3);
        all[args.length] = "--server.port=0";
        all[args.length + 1] = "--logging.level.root=WARN";
        all[args.length + 2] = "--sva.events.prune-every=PT1H";
        app = new SpringApplicationBuilder(SvaApplication.class).run(all);
        base = "http://127.0.0.1:" + ((WebServerApplicationContext) app).getWebServer().getPort();
    }

    /** Sends a request and answers the body; throws unless the status is {@code expected}. */
    String send(String method, String path, String json, int expected) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path));
        if (json != null) {
            b.header("Content-Type", "application/json");
        }
        b.method(method, json == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(json));
        HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != expected) {
            throw new IllegalStateException(method + " " + path + " answered " + r.statusCode() + ": " + r.body());
        }
        return r.body();
    }

    @Override
    public void close() {
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
