package dev.sva.topology.fabric;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Parses a host's own IOMMU groups: the output of {@code find /sys/kernel/iommu_groups/ -type l}
 * ({@code /sys/kernel/iommu_groups/N/devices/DDDD:BB:DD.F} per line). The two shapes the widespread
 * "ls-iommu" shell loops print are accepted too: {@code IOMMU Group N: } / {@code IOMMU Group N } followed by an
 * {@code lspci -nns} line on the same or the next, indented, lines. Groups come back ordered by group number,
 * members in BDF order; a function in two groups, an unknown line or more than {@value Fabric#MAX_FUNCTIONS}
 * entries is a {@link ListingParseException} naming the line.
 */
public final class IommuGroupsParser {

    private static final Pattern FIND = Pattern.compile(
            "^/sys/kernel/iommu_groups/(\\d{1,9})/devices/((?:[0-9a-fA-F]{4}:)?[0-9a-fA-F]{2}:[0-9a-fA-F]{2}\\.[0-7])$");
    private static final Pattern FIND_DIR = Pattern.compile("^/sys/kernel/iommu_groups/?(?:\\d{1,9}(?:/devices)?/?)?$");
    private static final Pattern SCRIPT = Pattern.compile(
            "^IOMMU [Gg]roup (\\d{1,9}):?(?:\\s+((?:[0-9a-fA-F]{4}:)?[0-9a-fA-F]{2}:[0-9a-fA-F]{2}\\.[0-7])\\b.*)?$");
    private static final Pattern MEMBER = Pattern.compile(
            "^((?:[0-9a-fA-F]{4}:)?[0-9a-fA-F]{2}:[0-9a-fA-F]{2}\\.[0-7])\\b.*$");

    private IommuGroupsParser() {
    }

    public static List<List<PciAddress>> parse(String findSysKernelIommuGroupsText) {
        if (findSysKernelIommuGroupsText == null) {
            throw new ListingParseException(0, "no iommu_groups text");
        }
        if (findSysKernelIommuGroupsText.length() > LspciParser.MAX_CHARS) {
            throw new ListingParseException(0, "the text has " + findSysKernelIommuGroupsText.length()
                    + " characters, more than the limit of " + LspciParser.MAX_CHARS);
        }
        TreeMap<Integer, TreeSet<PciAddress>> groups = new TreeMap<>();
        Map<PciAddress, Integer> seenAt = new HashMap<>();
        String[] lines = findSysKernelIommuGroupsText.split("\n", -1);
        Integer current = null;
        int entries = 0;
        for (int i = 0; i < lines.length; i++) {
            int no = i + 1;
            String t = lines[i].strip();
            if (t.isEmpty() || FIND_DIR.matcher(t).matches()) {
                continue;
            }
            Integer group = null;
            String bdf = null;
            Matcher m = FIND.matcher(t);
            if (m.matches()) {
                group = Integer.valueOf(m.group(1));
                bdf = m.group(2);
            } else if ((m = SCRIPT.matcher(t)).matches()) {
                current = Integer.valueOf(m.group(1));
                group = current;
                bdf = m.group(2);
                if (bdf == null) {
                    groups.computeIfAbsent(group, k -> new TreeSet<>());
                    continue;
                }
            } else if (current != null && (m = MEMBER.matcher(t)).matches()) {
                group = current;
                bdf = m.group(1);
            } else {
                throw new ListingParseException(no, "not an iommu_groups line (expected"
                        + " /sys/kernel/iommu_groups/N/devices/DDDD:BB:DD.F): " + LspciParser.abbreviate(t));
            }
            PciAddress a;
            try {
                a = PciAddress.parse(bdf);
            } catch (IllegalArgumentException ex) {
                throw new ListingParseException(no, ex.getMessage());
            }
            if (++entries > Fabric.MAX_FUNCTIONS) {
                throw new ListingParseException(no, "more than " + Fabric.MAX_FUNCTIONS + " entries");
            }
            Integer before = seenAt.putIfAbsent(a, group);
            if (before != null && !before.equals(group)) {
                throw new ListingParseException(no, a + " is in group " + before + " and in group " + group);
            }
            groups.computeIfAbsent(group, k -> new TreeSet<>()).add(a);
        }
        List<List<PciAddress>> out = new ArrayList<>();
        for (TreeSet<PciAddress> g : groups.values()) {
            if (!g.isEmpty()) {
                out.add(new ArrayList<>(g));
            }
        }
        return out;
    }
}
