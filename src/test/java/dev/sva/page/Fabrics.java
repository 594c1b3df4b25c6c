package dev.sva.page;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Fabrics for the page tests, as the {@code functions} of {@code PUT /nodes/{name}/topology} (TOPOLOGY.md). */
final class Fabrics {

    static final List<String> REQ = List.of("SV", "RR", "CR", "UF");

    private Fabrics() {
    }

    static Map<String, Object> port(String bdf, String type, int secondary, int subordinate, List<String> ctl) {
        Map<String, Object> f = new LinkedHashMap<>();
        f.put("bdf", bdf);
        f.put("vendorId", "1022");
        f.put("deviceId", "1483"); // an AMD root port: no ACS quirk applies (TOPOLOGY.md "Quirks")
        f.put("type", type);
        f.put("secondaryBus", secondary);
        f.put("subordinateBus", subordinate);
        f.put("acs", Map.of("cap", REQ, "ctl", ctl));
        f.put("driver", "pcieport");
        return f;
    }

    static Map<String, Object> endpoint(String bdf, String vendor, String device, String driver, int pasidBits, String barBase, long barSize) {
        Map<String, Object> f = new LinkedHashMap<>();
        f.put("bdf", bdf);
        f.put("vendorId", vendor);
        f.put("deviceId", device);
        f.put("type", "ENDPOINT");
        f.put("driver", driver);
        f.put("pasidBits", pasidBits);
        f.put("pri", pasidBits > 0);
        f.put("ats", pasidBits > 0);
        if (barBase != null) {
            f.put("bars", List.of(Map.of("index", 0, "base", barBase, "size", barSize)));
        }
        return f;
    }

    /**
     * Two root ports: 00:01.0 with its ACS control off above a GPU with its audio function (01:00.0,
     * 01:00.1: one group with the port, a multi-device group, the audio function can reach the GPU's
     * BAR without the IOMMU), and 00:02.0 with ACS on above an NVMe drive (02:00.0, alone).
     */
    static List<Map<String, Object>> small(List<String> port1Ctl) {
        return List.of(
                port("0000:00:01.0", "ROOT_PORT", 1, 1, port1Ctl),
                endpoint("0000:01:00.0", "10de", "20b0", "vfio-pci", 20, "0xf0000000", 16L << 20),
                endpoint("0000:01:00.1", "10de", "1aef", "vfio-pci", 0, "0xf1000000", 16384),
                port("0000:00:02.0", "ROOT_PORT", 2, 2, REQ),
                endpoint("0000:02:00.0", "144d", "a808", "vfio-pci", 0, "0xf2000000", 16384));
    }

    /**
     * 512 functions: 16 root ports (every other one with ACS off), each above a switch (an upstream
     * port and 6 downstream ports), each downstream port above a 4-function device.
     */
    static List<Map<String, Object>> large() {
        List<Map<String, Object>> fs = new ArrayList<>();
        int bus = 1;
        long bar = 0x4000000000L;
        for (int rp = 0; rp < 16; rp++) {
            int rpBus = bus;
            fs.add(port(String.format("0000:00:%02x.0", rp + 1), "ROOT_PORT", rpBus, rpBus + 7, rp % 2 == 0 ? REQ : List.of()));
            fs.add(port(String.format("0000:%02x:00.0", rpBus), "UPSTREAM_PORT", rpBus + 1, rpBus + 7, REQ));
            for (int d = 0; d < 6; d++) {
                int dsBus = rpBus + 2 + d;
                fs.add(port(String.format("0000:%02x:%02x.0", rpBus + 1, d), "DOWNSTREAM_PORT", dsBus, dsBus, REQ));
                for (int fn = 0; fn < 4; fn++) {
                    fs.add(endpoint(String.format("0000:%02x:00.%d", dsBus, fn), "15b3", "101d", "vfio-pci", 20,
                            String.format("0x%x", bar), 1L << 20));
                    bar += 1L << 20;
                }
            }
            bus += 8;
        }
        fs.sort((x, y) -> ((String) x.get("bdf")).compareTo((String) y.get("bdf")));
        return fs;
    }
}
