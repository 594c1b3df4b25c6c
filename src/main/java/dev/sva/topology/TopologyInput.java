package dev.sva.topology;

import dev.sva.core.Address;
import dev.sva.core.ProblemException;
import dev.sva.core.ProblemType;
import dev.sva.core.Problems;
import dev.sva.topology.fabric.Acs;
import dev.sva.topology.fabric.AcsFlag;
import dev.sva.topology.fabric.Bar;
import dev.sva.topology.fabric.IommuGroupsParser;
import dev.sva.topology.fabric.ListingParseException;
import dev.sva.topology.fabric.LspciParser;
import dev.sva.topology.fabric.ParsedListing;
import dev.sva.topology.fabric.PciAddress;
import dev.sva.topology.fabric.PciFunction;
import dev.sva.topology.fabric.PortType;
import dev.sva.topology.fabric.Warning;
import io.swagger.v3.oas.annotations.media.Schema;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * A host's topology as a request carries it, turned into the fabric package's values: exactly one of the structured
 * {@code functions} or the raw {@code lspci} text, and optionally the host's groups as {@code hostGroups} or the raw
 * {@code iommuGroups} text. Every refusal is {@code 400 VALIDATION_FAILED} naming the field (and the line of a text).
 */
record TopologyInput(String source, List<PciFunction> functions, List<List<PciAddress>> hostGroups, List<Warning> warnings) {

    /** At most this many characters of text per field (TOPOLOGY.md limits: input text ≤ 16 MiB). */
    static final int MAX_TEXT = 16 * 1024 * 1024;

    private static final Pattern HEX16 = Pattern.compile("[0-9a-fA-F]{4}");
    private static final Pattern DEVFN = Pattern.compile("([0-9a-fA-F]{2})\\.([0-7])");
    private static final Pattern DRIVER = Pattern.compile("[A-Za-z0-9_.\\-]{1,64}");

    @Schema(description = "A host's topology: exactly one of functions or lspci; optionally one of hostGroups or iommuGroups")
    record TopologyImport(@Schema(description = "The fabric, one entry per PCI function") List<PciFunctionBody> functions,
                @Schema(description = "The raw text of `sudo lspci -vvv -nn -D` (with or without -D)") String lspci,
                @Schema(description = "The host's IOMMU groups, each a list of BDFs") List<List<String>> hostGroups,
                @Schema(description = "The raw text of `find /sys/kernel/iommu_groups/ -type l`") String iommuGroups) {
    }

    @Schema(description = "One PCI function (TOPOLOGY.md \"The fabric model\")")
    record PciFunctionBody(@Schema(requiredMode = Schema.RequiredMode.REQUIRED, example = "0000:01:00.0") String bdf,
                        @Schema(example = "10de") String vendorId, @Schema(example = "1eb8") String deviceId,
                        String subsystemVendorId, String subsystemDeviceId,
                        @Schema(requiredMode = Schema.RequiredMode.REQUIRED, example = "ENDPOINT") PortType type,
                        @Schema(description = "null = inferred from the slot") Boolean multifunction,
                        Integer secondaryBus, Integer subordinateBus,
                        @Schema(description = "absent = no ACS capability") AcsControl acs,
                        @Schema(description = "the listing could not show ACS (lspci without root)") Boolean acsUnknown,
                        @Schema(description = "devfns (DD.F) on the function's bus that a quirk makes it DMA as", example = "[\"00.1\"]")
                        List<String> dmaAliases,
                        List<FunctionBar> bars, Integer pasidBits, Boolean pri, Boolean ats,
                        @Schema(example = "vfio-pci") String driver, Boolean virtualFunction,
                        @Schema(example = "3D controller") String className) {
    }

    record AcsControl(List<AcsFlag> cap, List<AcsFlag> ctl) {
    }

    record FunctionBar(@Schema(requiredMode = Schema.RequiredMode.REQUIRED) Integer index,
                   @Schema(requiredMode = Schema.RequiredMode.REQUIRED, example = "0xf6000000") String base,
                   @Schema(requiredMode = Schema.RequiredMode.REQUIRED, types = {"integer", "string"}, example = "16777216") Object size) {
    }

    static TopologyInput of(TopologyImport body) {
        if (body == null) {
            throw Problems.invalid("functions", "a body with functions or lspci is required");
        }
        if ((body.functions() == null) == (body.lspci() == null)) {
            throw Problems.invalid(body.functions() == null ? "functions" : "lspci",
                    "give exactly one of functions (structured) or lspci (the text of lspci -vvv -nn -D)");
        }
        if (body.hostGroups() != null && body.iommuGroups() != null) {
            throw Problems.invalid("iommuGroups", "give at most one of hostGroups or iommuGroups");
        }
        List<Warning> warnings = new ArrayList<>();
        List<PciFunction> functions;
        List<List<PciAddress>> hostGroups = List.of();
        String source;
        if (body.lspci() != null) {
            source = "LSPCI";
            ParsedListing listing = parseText("lspci", body.lspci(), LspciParser::parse);
            functions = listing.functions();
            hostGroups = listing.hostGroups();
            warnings.addAll(listing.warnings());
        } else {
            source = "FUNCTIONS";
            functions = functions(body.functions());
        }
        if (body.hostGroups() != null) {
            hostGroups = hostGroups(body.hostGroups());
        } else if (body.iommuGroups() != null) {
            hostGroups = parseText("iommuGroups", body.iommuGroups(), IommuGroupsParser::parse);
        }
        return new TopologyInput(source, functions, hostGroups, warnings);
    }

    /** A structured function list (also the {@code plug} of a what-if). */
    static List<PciFunction> functions(List<PciFunctionBody> bodies) {
        if (bodies.size() > dev.sva.topology.fabric.Fabric.MAX_FUNCTIONS) {
            throw Problems.invalid("functions", "at most " + dev.sva.topology.fabric.Fabric.MAX_FUNCTIONS + " functions");
        }
        List<PciFunction> out = new ArrayList<>(bodies.size());
        for (int i = 0; i < bodies.size(); i++) {
            out.add(function("functions[" + i + "]", bodies.get(i)));
        }
        return out;
    }

    static PciFunction function(String at, PciFunctionBody b) {
        if (b == null) {
            throw Problems.invalid(at, "must be an object");
        }
        PciAddress address = address(at + ".bdf", b.bdf());
        if (b.type() == null) {
            throw invalid(at + ".type", address, "is required: ROOT_PORT, DOWNSTREAM_PORT, ENDPOINT, …");
        }
        Acs acs = null;
        if (b.acs() != null) {
            if (b.acs().cap() == null || b.acs().ctl() == null || b.acs().cap().contains(null) || b.acs().ctl().contains(null)) {
                throw invalid(at + ".acs", address, "needs cap and ctl, each a list of SV, TB, RR, CR, UF, EC, DT");
            }
            acs = new Acs(flags(b.acs().cap()), flags(b.acs().ctl()));
        }
        List<Integer> aliases = new ArrayList<>();
        if (b.dmaAliases() != null) {
            if (b.dmaAliases().size() > 256) {
                throw invalid(at + ".dmaAliases", address, "a bus has 256 devfns");
            }
            for (int k = 0; k < b.dmaAliases().size(); k++) {
                String d = b.dmaAliases().get(k);
                var m = d == null ? null : DEVFN.matcher(d);
                if (m == null || !m.matches() || Integer.parseInt(m.group(1), 16) > 0x1f) {
                    throw invalid(at + ".dmaAliases[" + k + "]", address, "must be a devfn DD.F, such as 00.1");
                }
                aliases.add(Integer.parseInt(m.group(1), 16) << 3 | Integer.parseInt(m.group(2)));
            }
        }
        int pasidBits = b.pasidBits() == null ? 0 : b.pasidBits();
        if (pasidBits < 0 || pasidBits > 20) {
            throw invalid(at + ".pasidBits", address, "must be between 0 and 20");
        }
        if (b.driver() != null && !DRIVER.matcher(b.driver()).matches()) {
            throw invalid(at + ".driver", address, "must be 1 to 64 letters, digits, '_', '.' or '-'");
        }
        if (b.className() != null && b.className().length() > 128) {
            throw invalid(at + ".className", address, "must be at most 128 characters");
        }
        return new PciFunction(address, id16(at + ".vendorId", address, b.vendorId()), id16(at + ".deviceId", address, b.deviceId()),
                id16(at + ".subsystemVendorId", address, b.subsystemVendorId()),
                id16(at + ".subsystemDeviceId", address, b.subsystemDeviceId()), b.type(), b.multifunction(),
                b.secondaryBus(), b.subordinateBus(), acs, Boolean.TRUE.equals(b.acsUnknown()), aliases,
                bars(at, address, b.bars()), pasidBits, Boolean.TRUE.equals(b.pri()), Boolean.TRUE.equals(b.ats()),
                b.driver(), Boolean.TRUE.equals(b.virtualFunction()), b.className());
    }

    static PciAddress address(String field, String bdf) {
        if (bdf == null) {
            throw Problems.invalid(field, "is required");
        }
        try {
            return PciAddress.parse(bdf);
        } catch (IllegalArgumentException e) {
            throw Problems.invalid(field, e.getMessage() == null ? "is not a PCI address DDDD:BB:DD.F" : e.getMessage());
        }
    }

    private static List<List<PciAddress>> hostGroups(List<List<String>> groups) {
        if (groups.size() > dev.sva.topology.fabric.Fabric.MAX_FUNCTIONS) {
            throw Problems.invalid("hostGroups", "at most " + dev.sva.topology.fabric.Fabric.MAX_FUNCTIONS + " groups");
        }
        List<List<PciAddress>> out = new ArrayList<>();
        Set<PciAddress> seen = new HashSet<>();
        for (int g = 0; g < groups.size(); g++) {
            List<String> group = groups.get(g);
            if (group == null || group.isEmpty()) {
                throw Problems.invalid("hostGroups[" + g + "]", "must be a non-empty list of BDFs");
            }
            List<PciAddress> members = new ArrayList<>();
            for (int k = 0; k < group.size(); k++) {
                PciAddress a = address("hostGroups[" + g + "][" + k + "]", group.get(k));
                if (!seen.add(a)) {
                    throw Problems.invalid("hostGroups[" + g + "][" + k + "]", a + " is in two groups").with("bdf", a.toString());
                }
                members.add(a);
            }
            out.add(members);
        }
        return out;
    }

    private static <T> T parseText(String field, String text, java.util.function.Function<String, T> parser) {
        if (text.length() > MAX_TEXT) {
            throw Problems.invalid(field, "is longer than " + MAX_TEXT + " characters (16 MiB)").with("line", 0);
        }
        try {
            return parser.apply(text);
        } catch (ListingParseException e) {
            return rethrow(field, e);
        }
    }

    private static <T> T rethrow(String field, ListingParseException e) {
        throw new ProblemException(ProblemType.VALIDATION_FAILED, field + " line " + e.line() + ": " + e.reason())
                .with("field", field)
                .with("line", e.line())
                .with("reason", e.reason());
    }

    private static Set<AcsFlag> flags(List<AcsFlag> flags) {
        return flags.isEmpty() ? EnumSet.noneOf(AcsFlag.class) : EnumSet.copyOf(flags);
    }

    private static Integer id16(String field, PciAddress at, String value) {
        if (value == null) {
            return null;
        }
        if (!HEX16.matcher(value).matches()) {
            throw invalid(field, at, "must be 4 hex digits, such as 10de");
        }
        return Integer.parseInt(value, 16);
    }

    private static List<Bar> bars(String at, PciAddress address, List<FunctionBar> bodies) {
        if (bodies == null) {
            return List.of();
        }
        if (bodies.size() > 7) {
            throw invalid(at + ".bars", address, "a PCI function has at most 6 BARs and an expansion ROM");
        }
        List<Bar> bars = new ArrayList<>();
        Set<Integer> seen = new HashSet<>();
        for (int i = 0; i < bodies.size(); i++) {
            FunctionBar b = bodies.get(i);
            String f = at + ".bars[" + i + "]";
            if (b == null) {
                throw invalid(f, address, "must be an object");
            }
            if (b.index() == null || b.index() < 0 || b.index() > 6) {
                throw invalid(f + ".index", address, "must be between 0 and 6");
            }
            if (!seen.add(b.index())) {
                throw invalid(f + ".index", address, "BAR " + b.index() + " is given twice");
            }
            long base = Address.parse(f + ".base", b.base());
            long size = Address.parseSize(f + ".size", b.size());
            if (size == 0) {
                throw invalid(f + ".size", address, "must be positive");
            }
            if (Long.compareUnsigned(base + size - 1, base) < 0) {
                throw Problems.invalid(f + ".size", "base + size wraps past 2^64", "EOVERFLOW").with("bdf", address.toString());
            }
            bars.add(new Bar(b.index(), base, size));
        }
        bars.sort(java.util.Comparator.comparingInt(Bar::index));
        return bars;
    }

    private static ProblemException invalid(String field, PciAddress at, String reason) {
        return Problems.invalid(field, reason).with("bdf", at.toString());
    }
}
