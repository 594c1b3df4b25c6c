package dev.sva.topology.fabric;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Parses {@code lspci -vvv -nn}, with or without {@code -D}, as a host prints it (TOPOLOGY.md "What a host offers").
 * Lines are recognised by their content, not their indentation, so text pasted through a forum (tabs turned into
 * spaces) still parses. Text before the first function header (a shell prompt) is skipped with a warning.
 *
 * <p>Hostile input is refused, never followed: more than {@value #MAX_CHARS} characters or {@value
 * Fabric#MAX_FUNCTIONS} functions, a header that is cut off, a duplicate address, a bridge block that ends before its
 * {@code Bus:} line, an ACS capability without its {@code ACSCap}/{@code ACSCtl} lines — each a {@link
 * ListingParseException} naming the line. The parser is a single pass over the lines with no recursion.
 */
public final class LspciParser {

    /** 16 MiB of text. */
    public static final int MAX_CHARS = 16 * 1024 * 1024;
    private static final int MAX_WARNINGS = 100;

    private static final Pattern HEADER = Pattern.compile(
            "^(?:([0-9a-fA-F]{4}):)?([0-9a-fA-F]{2}):([0-9a-fA-F]{2})\\.([0-7]) (.+)$");
    private static final Pattern HEADER_START = Pattern.compile("^(?:[0-9a-fA-F]{4}:)?[0-9a-fA-F]{2}:[0-9a-fA-F]{2}\\.");
    private static final Pattern CLASS_CODE = Pattern.compile("^(.*?)(?: \\[([0-9a-fA-F]{4})\\])?$");
    private static final Pattern IDS = Pattern.compile("\\[([0-9a-fA-F]{4}):([0-9a-fA-F]{4})\\]");
    private static final Pattern BUS = Pattern.compile(
            "^Bus: primary=([0-9a-fA-F]{2}), secondary=([0-9a-fA-F]{2}), subordinate=([0-9a-fA-F]{2})(?:,.*)?$");
    private static final Pattern REGION = Pattern.compile(
            "^Region ([0-6]): Memory at ([0-9a-fA-F]+|<unassigned>|<ignored>) \\(([^)]*)\\)(.*)$");
    private static final Pattern SIZE = Pattern.compile("\\[size=([0-9]+)([KMGTP]?)\\]");
    private static final Pattern EXPRESS = Pattern.compile("Express \\(v\\d+\\) ([^,(]+?)(?: \\(.*\\))?(?:,.*)?$");
    private static final Pattern CAP = Pattern.compile("^Capabilities: \\[[0-9a-fA-F]+(?: v\\d+)?\\] (.*)$");
    private static final Pattern PASID_WIDTH = Pattern.compile("Max PASID Width: ([0-9a-fA-F]+)");
    private static final Pattern GROUP = Pattern.compile("^IOMMU group: (\\d+)$");
    private static final Pattern VF_OFFSET = Pattern.compile("VF offset: (\\d+), stride: (\\d+)");
    private static final Pattern NUM_VFS = Pattern.compile("Number of VFs: (\\d+)");

    private LspciParser() {
    }

    /** Parses the text; see the class comment for what is refused. */
    public static ParsedListing parse(String lspciVvvNnText) {
        if (lspciVvvNnText == null) {
            throw new ListingParseException(0, "no lspci text");
        }
        if (lspciVvvNnText.length() > MAX_CHARS) {
            throw new ListingParseException(0, "the text has " + lspciVvvNnText.length()
                    + " characters, more than the limit of " + MAX_CHARS);
        }
        return new Run(lspciVvvNnText).run();
    }

    private static final class Block {
        final int line;
        final PciAddress address;
        final String className;
        Integer vendor;
        Integer device;
        Integer subVendor;
        Integer subDevice;
        PortType express;
        int busLine;
        Integer primary;
        Integer secondary;
        Integer subordinate;
        int acsCapLine;
        Set<AcsFlag> acsCap;
        Set<AcsFlag> acsCtl;
        boolean accessDenied;
        final List<Bar> bars = new ArrayList<>();
        int pasidBits;
        boolean pri;
        boolean ats;
        String driver;
        boolean vfByName;
        Integer vfOffset;
        Integer vfStride;
        Integer numVfs;
        String capability = "";

        Block(int line, PciAddress address, String className) {
            this.line = line;
            this.address = address;
            this.className = className;
        }
    }

    private static final class Run {
        private final String text;
        private final List<Warning> warnings = new ArrayList<>();
        private final LinkedHashMap<PciAddress, Block> blocks = new LinkedHashMap<>();
        private final TreeMap<Integer, List<PciAddress>> groups = new TreeMap<>();
        private Block cur;
        private int skipped;

        Run(String text) {
            this.text = text;
        }

        ParsedListing run() {
            int lineNo = 0;
            int pos = 0;
            int n = text.length();
            while (pos < n) {
                int nl = text.indexOf('\n', pos);
                int end = nl < 0 ? n : nl;
                lineNo++;
                String raw = text.substring(pos, end);
                pos = end + 1;
                line(lineNo, raw.endsWith("\r") ? raw.substring(0, raw.length() - 1) : raw);
            }
            finish(cur);
            if (blocks.isEmpty()) {
                throw new ListingParseException(lineNo, "no PCI function header found (expected lines like"
                        + " '0000:00:1c.0 PCI bridge [0604]: Intel Corporation … [8086:a110]')");
            }
            markVirtualFunctions();
            inferDeniedPortTypes();
            List<PciFunction> out = new ArrayList<>(blocks.size());
            for (Block b : blocks.values()) {
                out.add(toFunction(b));
            }
            List<List<PciAddress>> hostGroups = new ArrayList<>(groups.values());
            return new ParsedListing(out, hostGroups, warnings);
        }

        private void line(int no, String raw) {
            if (raw.isBlank()) {
                return;
            }
            boolean indented = Character.isWhitespace(raw.charAt(0));
            String t = raw.strip();
            if (!indented && HEADER_START.matcher(t).find()) {
                finish(cur);
                cur = header(no, t);
                return;
            }
            if (cur == null) {
                warn(new Warning(Warning.SKIPPED_LINE, null, "line " + no + " precedes the first function and was"
                        + " skipped: " + abbreviate(t)));
                return;
            }
            attribute(no, t);
        }

        private Block header(int no, String t) {
            Matcher m = HEADER.matcher(t);
            if (!m.matches()) {
                throw new ListingParseException(no, "the function header is cut off: " + abbreviate(t));
            }
            int domain = m.group(1) == null ? 0 : Integer.parseInt(m.group(1), 16);
            PciAddress a = new PciAddress(domain, Integer.parseInt(m.group(2), 16), Integer.parseInt(m.group(3), 16),
                    Integer.parseInt(m.group(4)));
            if (blocks.size() >= Fabric.MAX_FUNCTIONS) {
                throw new ListingParseException(no, "more than " + Fabric.MAX_FUNCTIONS + " functions");
            }
            Block prev = blocks.get(a);
            if (prev != null) {
                throw new ListingParseException(no, a + " appears twice (first at line " + prev.line + ")");
            }
            String rest = m.group(5);
            int colon = rest.indexOf(": ");
            if (colon < 0) {
                throw new ListingParseException(no, "the function header is cut off (no 'class: device' part): "
                        + abbreviate(t));
            }
            Matcher cm = CLASS_CODE.matcher(rest.substring(0, colon));
            String className = cm.matches() ? cm.group(1).trim() : rest.substring(0, colon).trim();
            Block b = new Block(no, a, className);
            String desc = rest.substring(colon + 2);
            Matcher ids = IDS.matcher(desc);
            while (ids.find()) { // the last [vvvv:dddd] is the ids (-nn); names may hold brackets too
                b.vendor = Integer.parseInt(ids.group(1), 16);
                b.device = Integer.parseInt(ids.group(2), 16);
            }
            b.vfByName = desc.contains("Virtual Function");
            blocks.put(a, b);
            return b;
        }

        private void attribute(int no, String t) {
            Block b = cur;
            Matcher m;
            if (t.startsWith("Capabilities:")) {
                if (t.contains("<access denied>")) {
                    b.accessDenied = true;
                    b.capability = "";
                    return;
                }
                m = CAP.matcher(t);
                b.capability = m.matches() ? m.group(1) : t;
                Matcher e = EXPRESS.matcher(b.capability);
                if (b.capability.startsWith("Express") && e.find()) {
                    b.express = portType(no, e.group(1).trim());
                } else if (b.capability.startsWith("Access Control Services")) {
                    b.acsCapLine = no;
                } else if (b.capability.startsWith("Page Request Interface")) {
                    b.pri = true;
                } else if (b.capability.startsWith("Address Translation Service")) {
                    b.ats = true;
                }
                return;
            }
            if (t.startsWith("Subsystem:")) {
                Matcher ids = IDS.matcher(t);
                while (ids.find()) {
                    b.subVendor = Integer.parseInt(ids.group(1), 16);
                    b.subDevice = Integer.parseInt(ids.group(2), 16);
                }
            } else if (t.startsWith("Bus: ")) {
                m = BUS.matcher(t);
                if (!m.matches()) {
                    throw new ListingParseException(no, "cannot read the bus numbers: " + abbreviate(t));
                }
                b.busLine = no;
                b.primary = Integer.parseInt(m.group(1), 16);
                b.secondary = Integer.parseInt(m.group(2), 16);
                b.subordinate = Integer.parseInt(m.group(3), 16);
            } else if (t.startsWith("ACSCap:")) {
                b.acsCap = flags(no, t.substring("ACSCap:".length()));
            } else if (t.startsWith("ACSCtl:")) {
                if (b.acsCap == null) {
                    throw new ListingParseException(no, "ACSCtl without the ACSCap line before it");
                }
                b.acsCtl = flags(no, t.substring("ACSCtl:".length()));
            } else if (t.startsWith("Region ")) {
                if (b.capability.contains("SR-IOV")) {
                    return; // the VFs' BARs, programmed in the PF's SR-IOV capability
                }
                m = REGION.matcher(t);
                if (m.matches()) {
                    bar(no, b, m);
                }
            } else if (t.contains("Max PASID Width:")) {
                m = PASID_WIDTH.matcher(t);
                if (m.find()) {
                    int w = Integer.parseInt(m.group(1), 16); // ls-ecaps.c prints the width with %02x
                    if (w > 20) {
                        throw new ListingParseException(no, "Max PASID Width " + w + " exceeds 20 bits");
                    }
                    b.pasidBits = w;
                }
            } else if (t.startsWith("Kernel driver in use:")) {
                b.driver = t.substring("Kernel driver in use:".length()).trim();
            } else if (t.startsWith("IOMMU group:")) {
                m = GROUP.matcher(t);
                if (!m.matches()) {
                    throw new ListingParseException(no, "cannot read the IOMMU group: " + abbreviate(t));
                }
                int g;
                try {
                    g = Integer.parseInt(m.group(1));
                } catch (NumberFormatException ex) {
                    throw new ListingParseException(no, "IOMMU group number out of range");
                }
                groups.computeIfAbsent(g, k -> new ArrayList<>()).add(b.address);
            } else if (b.capability.contains("SR-IOV")) {
                m = VF_OFFSET.matcher(t);
                if (m.find()) {
                    b.vfOffset = Integer.parseInt(m.group(1));
                    b.vfStride = Integer.parseInt(m.group(2));
                }
                m = NUM_VFS.matcher(t);
                if (m.find()) {
                    b.numVfs = Integer.parseInt(m.group(1));
                }
            }
        }

        private void bar(int no, Block b, Matcher m) {
            String at = m.group(2);
            String tail = m.group(4);
            if (at.startsWith("<") || tail.contains("[disabled]")) {
                return; // not decoded: no peer can reach it
            }
            Matcher s = SIZE.matcher(tail);
            if (!s.find()) {
                throw new ListingParseException(no, "a memory region without [size=…]: lspci -vvv prints it");
            }
            long base;
            try {
                base = Long.parseUnsignedLong(at, 16);
            } catch (NumberFormatException ex) {
                throw new ListingParseException(no, "region address " + abbreviate(at) + " exceeds 64 bits");
            }
            long size;
            try {
                size = Long.parseLong(s.group(1));
            } catch (NumberFormatException ex) {
                throw new ListingParseException(no, "region size out of range");
            }
            int shift = switch (s.group(2)) {
                case "K" -> 10;
                case "M" -> 20;
                case "G" -> 30;
                case "T" -> 40;
                case "P" -> 50;
                default -> 0;
            };
            if (size <= 0 || size > (Long.MAX_VALUE >>> shift)) {
                throw new ListingParseException(no, "region size out of range");
            }
            size <<= shift;
            int index = Integer.parseInt(m.group(1));
            for (Bar other : b.bars) {
                if (other.index() == index) {
                    throw new ListingParseException(no, "region " + index + " appears twice in " + b.address);
                }
            }
            try {
                b.bars.add(new Bar(index, base, size));
            } catch (IllegalArgumentException ex) {
                throw new ListingParseException(no, ex.getMessage());
            }
        }

        private void finish(Block b) {
            if (b == null) {
                return;
            }
            boolean bridgeType = b.express != null && b.express.isBridge();
            if (bridgeType && b.primary == null) {
                throw new ListingParseException(b.line, "the block of " + b.address + " (" + b.express
                        + ") ends before its 'Bus: primary=…' line: the listing is truncated");
            }
            if (b.primary != null && b.primary != b.address.bus()) {
                throw new ListingParseException(b.busLine, b.address + " says primary=" + hex(b.primary)
                        + " but sits on bus " + hex(b.address.bus()));
            }
            if (b.acsCapLine > 0 && (b.acsCap == null || b.acsCtl == null)) {
                throw new ListingParseException(b.acsCapLine, "the ACS capability of " + b.address
                        + " lacks its ACSCap/ACSCtl lines: the listing is truncated");
            }
            if (b.acsCapLine == 0 && b.acsCap != null) {
                throw new ListingParseException(b.line, "ACSCap outside an Access Control Services capability");
            }
        }

        private void markVirtualFunctions() {
            Map<PciAddress, Boolean> vf = new HashMap<>();
            for (Block b : blocks.values()) {
                if (b.vfOffset == null || b.vfStride == null || b.numVfs == null) {
                    continue;
                }
                int rid = (b.address.bus() << 8) | b.address.devfn();
                for (int i = 0; i < b.numVfs && i < 65536; i++) {
                    long r = rid + b.vfOffset + (long) i * b.vfStride;
                    if (r > 0xffff) {
                        break;
                    }
                    vf.put(PciAddress.of(b.address.domain(), (int) (r >> 8), (int) (r & 0xff)), Boolean.TRUE);
                }
            }
            for (Block b : blocks.values()) {
                if (vf.containsKey(b.address)) {
                    b.vfByName = true;
                }
            }
        }

        /**
         * lspci without root prints {@code Capabilities: <access denied>} and so no {@code Express} line: a PCIe port
         * would then read as a conventional PCI bridge, which aliases everything below it (step 1) — a far coarser
         * grouping than the host's. A bridge bound to {@code pcieport} is a PCIe port all the same:
         * {@code pcie_portdrv_probe()} ({@code drivers/pci/pcie/portdrv.c}) refuses any device that is not a PCIe root,
         * upstream or downstream port (or an RC event collector, which has no bridge header). Its type follows from
         * where it sits, by the rule {@code set_pcie_port_type()} ({@code drivers/pci/probe.c}) uses to correct a
         * misreported type: on a root bus a root port; below an upstream port a downstream port; below a root or
         * downstream port an upstream port. Parents are read first, so one pass suffices. Its ACS stays unknown (and is
         * warned about).
         */
        private void inferDeniedPortTypes() {
            Map<Integer, Block> bySecondary = new HashMap<>();
            for (Block b : blocks.values()) {
                if (b.secondary != null) {
                    bySecondary.putIfAbsent((b.address.domain() << 8) | b.secondary, b);
                }
            }
            List<Block> inOrder = new ArrayList<>(blocks.values());
            inOrder.sort((x, y) -> x.address.compareTo(y.address)); // parents first, whatever order the text has
            for (Block b : inOrder) {
                if (b.express != null || !b.accessDenied || b.primary == null || !"pcieport".equals(b.driver)) {
                    continue;
                }
                Block parent = bySecondary.get(b.address.busKey());
                if (parent == null) {
                    b.express = PortType.ROOT_PORT;
                } else if (parent.express == PortType.UPSTREAM_PORT) {
                    b.express = PortType.DOWNSTREAM_PORT;
                } else if (parent.express == PortType.ROOT_PORT || parent.express == PortType.DOWNSTREAM_PORT) {
                    b.express = PortType.UPSTREAM_PORT;
                } else {
                    continue; // below a conventional or unknown bridge: leave it as lspci shows it
                }
                warn(new Warning(Warning.PORT_TYPE_INFERRED, b.address, "capabilities not readable (lspci without root);"
                        + " taken as a PCIe " + b.express + " because the pcieport driver is bound to it"
                        + " (pcie_portdrv_probe binds only PCIe ports)"));
            }
        }

        private PciFunction toFunction(Block b) {
            PortType type;
            boolean bridgeHeader = b.primary != null;
            if (b.express != null) {
                type = b.express;
                if (!type.isBridge() && bridgeHeader) {
                    warn(new Warning(Warning.SKIPPED_LINE, b.address, "a bridge header with Express type " + type
                            + "; taken as a conventional PCI bridge"));
                    type = PortType.PCI_BRIDGE;
                }
            } else {
                type = bridgeHeader ? PortType.PCI_BRIDGE : PortType.PCI;
            }
            Acs acs = b.acsCap == null ? null : new Acs(b.acsCap, b.acsCtl);
            boolean bridge = type.isBridge();
            return new PciFunction(b.address, b.vendor, b.device, b.subVendor, b.subDevice, type, null,
                    bridge ? b.secondary : null, bridge ? b.subordinate : null, acs, acs == null && b.accessDenied,
                    List.of(), b.bars, b.pasidBits, b.pri, b.ats, b.driver, b.vfByName && !bridge, b.className);
        }

        private PortType portType(int no, String s) {
            return switch (s) {
                case "Root Port" -> PortType.ROOT_PORT;
                case "Downstream Port" -> PortType.DOWNSTREAM_PORT;
                case "Upstream Port" -> PortType.UPSTREAM_PORT;
                case "Endpoint" -> PortType.ENDPOINT;
                case "Legacy Endpoint" -> PortType.LEGACY_ENDPOINT;
                case "Root Complex Integrated Endpoint" -> PortType.RC_INTEGRATED_ENDPOINT;
                case "Root Complex Event Collector" -> PortType.RC_EVENT_COLLECTOR;
                case "PCI-Express to PCI/PCI-X Bridge" -> PortType.PCIE_TO_PCI_BRIDGE;
                case "PCI/PCI-X to PCI-Express Bridge" -> PortType.PCI_TO_PCIE_BRIDGE;
                default -> throw new ListingParseException(no, "unknown PCI Express port type '" + abbreviate(s)
                        + "'");
            };
        }

        private static Set<AcsFlag> flags(int no, String s) {
            EnumSet<AcsFlag> set = EnumSet.noneOf(AcsFlag.class);
            EnumSet<AcsFlag> seen = EnumSet.noneOf(AcsFlag.class);
            for (String tok : s.trim().split("\\s+")) {
                if (tok.isEmpty()) {
                    continue;
                }
                char sign = tok.charAt(tok.length() - 1);
                String name = tok.substring(0, tok.length() - 1);
                AcsFlag flag = null;
                for (AcsFlag a : AcsFlag.values()) {
                    if (a.lspciName().equals(name)) {
                        flag = a;
                    }
                }
                if (sign != '+' && sign != '-' || name.isEmpty()) {
                    throw new ListingParseException(no, "cannot read ACS flag '" + abbreviate(tok) + "'");
                }
                if (flag == null) {
                    continue; // a flag newer than this parser (PCIe 6 ACS enhancements) does not bear on groups
                }
                seen.add(flag);
                if (sign == '+') {
                    set.add(flag);
                }
            }
            if (seen.size() != AcsFlag.values().length) {
                EnumSet<AcsFlag> absent = EnumSet.complementOf(seen);
                throw new ListingParseException(no, "ACS flags " + absent + " missing: the line is truncated");
            }
            return set;
        }

        private void warn(Warning w) {
            if (warnings.size() < MAX_WARNINGS) {
                warnings.add(w);
            } else if (skipped++ == 0) {
                warnings.add(new Warning(Warning.SKIPPED_LINE, null, "further warnings omitted"));
            }
        }

        private static String hex(int v) {
            return String.format("%02x", v);
        }
    }

    static String abbreviate(String s) {
        return s.length() <= 80 ? s : s.substring(0, 80) + "…";
    }
}
