package dev.sva.topology.fabric;

import static dev.sva.topology.fabric.Fx.a;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class IommuGroupsParserTest {

    @Test
    void readsFindOutputInGroupOrder() {
        String text = """
                /sys/kernel/iommu_groups/
                /sys/kernel/iommu_groups/10/devices/0000:00:1f.3
                /sys/kernel/iommu_groups/2/devices/0000:01:00.1
                /sys/kernel/iommu_groups/2/devices/0000:00:01.0
                /sys/kernel/iommu_groups/2/devices/0000:01:00.0
                /sys/kernel/iommu_groups/10/devices/0000:00:1f.0
                """;
        assertThat(IommuGroupsParser.parse(text)).containsExactly(
                List.of(a("00:01.0"), a("01:00.0"), a("01:00.1")), List.of(a("00:1f.0"), a("00:1f.3")));
    }

    @Test
    void readsTheCommonShellLoopFormats() {
        String blocks = """
                IOMMU Group 1:
                \t00:01.0 PCI bridge [0604]: Intel Corporation 6th-10th Gen Core Processor PCIe Controller (x16) [8086:1901] (rev 07)
                \t01:00.0 VGA compatible controller [0300]: NVIDIA Corporation TU116 [10de:2184] (rev a1)
                IOMMU Group 3:
                \t00:14.0 USB controller [0c03]: Intel Corporation USB [8086:a36d] (rev 10)
                """;
        assertThat(IommuGroupsParser.parse(blocks)).containsExactly(List.of(a("00:01.0"), a("01:00.0")),
                List.of(a("00:14.0")));
        String lines = "IOMMU Group 11 02:00.0 VGA compatible controller [0300]: NVIDIA [10de:1c03]\n"
                + "IOMMU Group 11 02:00.1 Audio device [0403]: NVIDIA [10de:10f1]\n";
        assertThat(IommuGroupsParser.parse(lines)).containsExactly(List.of(a("02:00.0"), a("02:00.1")));
    }

    @Test
    void refusesAFunctionInTwoGroups() {
        ListingParseException e = org.junit.jupiter.api.Assertions.assertThrows(ListingParseException.class,
                () -> IommuGroupsParser.parse("/sys/kernel/iommu_groups/1/devices/0000:00:01.0\n"
                        + "/sys/kernel/iommu_groups/2/devices/0000:00:01.0\n"));
        assertThat(e.line()).isEqualTo(2);
    }

    @Test
    void refusesAnUnknownLineNamingIt() {
        ListingParseException e = org.junit.jupiter.api.Assertions.assertThrows(ListingParseException.class,
                () -> IommuGroupsParser.parse("/sys/kernel/iommu_groups/1/devices/0000:00:01.0\nrm -rf /\n"));
        assertThat(e.line()).isEqualTo(2);
        assertThat(e.reason()).contains("rm -rf");
    }
}
