package dev.sva.bench;

import dev.sva.topology.fabric.LspciParser;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import tools.jackson.databind.json.JsonMapper;

/**
 * Issue #9 (Performance): the whole {@code PUT /api/v1/nodes/{name}/topology} of a 4,096-function host (switch trees
 * three deep, downstream ports alternating with and without ACS Request Redirect) against parsing the same
 * {@code lspci -vvv -nn -D} text alone, in one run, on the service's default H2 file database. Each PUT is a first
 * import on a fresh node: parse, derive, reconcile (4,096 devices, their groups and events) and commit.
 *
 * <pre>java -cp target/classes:$(cat target/bench.classpath) dev.sva.bench.TopologyImportBench [rounds]</pre>
 */
public final class TopologyImportBench {

    public static void main(String[] args) throws Exception {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 5;
        String text = host(4096);
        JsonMapper json = JsonMapper.builder().build();
        String body = json.writeValueAsString(Map.of("lspci", text));
        int functions = LspciParser.parse(text).functions().size();
        long[] parse = new long[rounds];
        for (int r = -2; r < rounds; r++) {
            long t0 = System.nanoTime();
            LspciParser.parse(text);
            if (r >= 0) {
                parse[r] = System.nanoTime() - t0;
            }
        }
        Path data = Files.createTempDirectory("sva-topology-bench");
        long[] put = new long[rounds];
        try (BenchServer server = new BenchServer("--spring.datasource.url=jdbc:h2:file:" + data.resolve("sva")
                + ";WRITE_DELAY=0;LOCK_TIMEOUT=10000")) {
            for (int r = -1; r < rounds; r++) {
                String node = "bench-" + (r + 1);
                server.send("POST", "/api/v1/nodes", "{\"name\":\"" + node + "\"}", 201);
                long t0 = System.nanoTime();
                server.send("PUT", "/api/v1/nodes/" + node + "/topology", body, 200);
                if (r >= 0) {
                    put[r] = System.nanoTime() - t0;
                }
            }
        }
        double p = BenchServer.percentileMicros(parse, 50) / 1000;
        double w = BenchServer.percentileMicros(put, 50) / 1000;
        System.out.printf("cores=%d functions=%d text=%d chars rounds=%d%n", Runtime.getRuntime().availableProcessors(),
                functions, text.length(), rounds);
        System.out.printf("parse alone   p50 %9.1f ms%n", p);
        System.out.printf("whole PUT     p50 %9.1f ms%n", w);
        System.out.printf("PUT/parse = %.1f%n", w / p);
    }

    /** A host of {@code count} functions as lspci prints it: per domain 8 root ports, each above a 15-port switch. */
    static String host(int count) {
        StringBuilder out = new StringBuilder();
        int n = 0;
        for (int domain = 0; n < count; domain++) {
            int bus = 1;
            for (int rp = 1; rp <= 8 && n < count; rp++) {
                int up = bus;
                int last = up + 16;
                bridge(out, domain, 0, rp, 0, "Root Port (Slot+)", up, last, rp % 2 == 0);
                n++;
                bridge(out, domain, up, 0, 0, "Upstream Port", up + 1, last, false);
                n++;
                for (int dp = 0; dp < 15 && n < count; dp++) {
                    int below = up + 2 + dp;
                    bridge(out, domain, up + 1, dp + 1, 0, "Downstream Port (Slot+)", below, below, dp % 2 == 0);
                    n++;
                    for (int fn = 0; fn < 8 && n < count; fn++) {
                        out.append(String.format("%04x:%02x:00.%d Processing accelerators [1200]: Xilinx Corporation Device [10ee:50%02x]%n",
                                domain, below, fn, fn));
                        out.append(String.format("\tRegion 0: Memory at %x (64-bit, non-prefetchable) [size=64K]%n",
                                0x8000_0000L + ((long) domain << 28) + ((long) below << 20) + ((long) fn << 16)));
                        out.append("\tCapabilities: [70] Express (v2) Endpoint, MSI 00\n");
                        out.append("\tCapabilities: [420 v1] Process Address Space ID (PASID)\n\t\tPASIDCap: Exec- Priv-, Max PASID Width: 14\n");
                        out.append("\tKernel driver in use: vfio-pci\n\n");
                        n++;
                    }
                }
                bus = last + 1;
            }
        }
        return out.toString();
    }

    private static void bridge(StringBuilder out, int domain, int bus, int dev, int fn, String type, int secondary,
                               int subordinate, boolean acs) {
        out.append(String.format("%04x:%02x:%02x.%d PCI bridge [0604]: PLX Technology, Inc. PEX 8747 [10b5:8747] (rev ca)%n",
                domain, bus, dev, fn));
        out.append(String.format("\tBus: primary=%02x, secondary=%02x, subordinate=%02x, sec-latency=0%n", bus, secondary, subordinate));
        out.append("\tCapabilities: [68] Express (v2) ").append(type).append(", MSI 00\n");
        out.append("\tCapabilities: [148 v1] Access Control Services\n");
        out.append("\t\tACSCap:\tSrcValid+ TransBlk+ ReqRedir+ CmpltRedir+ UpstreamFwd+ EgressCtrl+ DirectTrans+\n");
        out.append(acs ? "\t\tACSCtl:\tSrcValid+ TransBlk- ReqRedir+ CmpltRedir+ UpstreamFwd+ EgressCtrl- DirectTrans-\n"
                : "\t\tACSCtl:\tSrcValid- TransBlk- ReqRedir- CmpltRedir- UpstreamFwd- EgressCtrl- DirectTrans-\n");
        out.append("\tKernel driver in use: pcieport\n\n");
    }
}
