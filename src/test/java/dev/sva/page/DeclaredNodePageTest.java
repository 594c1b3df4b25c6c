package dev.sva.page;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sva.support.Api;
import dev.sva.support.Api.Response;
import dev.sva.support.TcpProxy;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;

/**
 * The page on a node without an imported topology: its declared groups, containers and bonds, a DMA
 * drawn where it goes, and changes made by another client arriving live, also across a dropped stream.
 */
class DeclaredNodePageTest extends PageTestSupport {

    @Test
    void showsDeclaredGroupsWithTheirDevicesContainersBondsAndHazards() {
        String a = deviceWithBar("0000:20:00.0", null, 20, "0xfe000000", 0x100000);
        String b = deviceWithBar("0000:20:00.1", groupOf(a), 20, "0xfd000000", 0x10000);
        String c = device("0000:30:00.0", 20, true);
        String ctr = container();
        attach(ctr, groupOf(c));
        String as = process(4242);
        Response bond = bind(c, as);
        assertThat(bond.status()).as("%s", bond).isEqualTo(201);
        int pasid = bond.body().path("pasid").asInt();

        openPage();
        browser.screenshot("declared-node");

        assertThat(text("#status")).contains("Node " + node + ": 3 functions, 2 groups (declared; no topology imported)");
        String shared = text(".enclosure[data-group='" + groupOf(a) + "'] .enclosure-label");
        assertThat(shared).contains("IOMMU group " + groupOf(a)).contains("2 functions")
                .contains("multi-device group: 2 devices share one domain");
        assertThat(text(".enclosure[data-group='" + groupOf(c) + "'] .enclosure-label"))
                .contains("1 function").contains("attached to " + ctr).doesNotContain("multi-device");
        assertThat(row("0000:20:00.1").getText()).contains("driver vfio-pci").contains("PASID 20 bits").contains(b);
        assertThat(row("0000:30:00.0").getText()).contains("PRI").contains("bond PASID " + pasid + " → " + as + " (pid 4242)");
        assertThat(text("#hazards")).contains("Multi-device group " + groupOf(a) + ": 0000:20:00.0, 0000:20:00.1 share one IOMMU domain");
        assertThat(text("#containers")).contains(ctr).contains(groupOf(c));
        assertThat(text("#bonds tbody")).contains("0000:30:00.0 (" + c + ")").contains(as + " · pid 4242").contains(String.valueOf(pasid));
    }

    @Test
    void drawsADmaToTheIommuToAPeerAndToAFault() {
        String a = deviceWithBar("0000:20:00.0", null, 20, "0xfe000000", 0x100000);
        String b = deviceWithBar("0000:20:00.1", groupOf(a), 20, "0xfd000000", 0x10000);
        String c = device("0000:30:00.0", 0, false);
        String ctr = container();
        attach(ctr, groupOf(c));
        map(ctr, "0x200000", 0x1000, "0x90000000");
        openPage();

        assertThat(sendDma(c, null, "0x200040", "READ")).isEqualTo("TRANSLATED");
        assertThat(text("#dma-result")).contains("translated to 0x90000040");
        assertThat(text(".iommu")).isEqualTo("IOMMU: translated to 0x90000040 (page walk)");
        assertThat(row("0000:30:00.0").getAttribute("class")).contains("dma-src");
        browser.screenshot("dma-translated");

        assertThat(sendDma(b, null, "0xfe000040", "WRITE")).isEqualTo("PEER_TO_PEER");
        assertThat(text("#dma-result")).contains("peer-to-peer: BAR 2 of 0000:20:00.0 (" + a + "), offset 0x40");
        assertThat(row("0000:20:00.0").getAttribute("class")).contains("dma-peer");
        assertThat(row("0000:20:00.0").getText()).contains("DMA lands in BAR 2 at offset 0x40");
        assertThat(text(".iommu")).isEqualTo("IOMMU: bypassed");
        assertThat(text("#dma-result")).doesNotContain("null");
        assertThat(row("0000:30:00.0").getAttribute("class")).doesNotContain("dma-src");
        browser.screenshot("dma-peer");

        assertThat(sendDma(c, null, "0x900000", "WRITE")).isEqualTo("FAULT");
        assertThat(text("#dma-result")).contains("fault TRANSLATION: SMMUv3 F_TRANSLATION (0x10)");
        assertThat(text(".iommu")).startsWith("IOMMU: F_TRANSLATION 0x10 / VT-d 0x");
        assertThat(row("0000:30:00.0").getAttribute("class")).contains("dma-fault");
        browser.screenshot("dma-fault");

        // a refusal is shown with its code, not swallowed
        assertThat(sendDma(c, "1048576", "0x1000", "READ")).isEqualTo("ERROR");
        assertThat(text("#dma-result")).contains("VALIDATION_FAILED");
    }

    @Test
    void followsChangesOfAnotherClientWithoutReloadAndResumesAfterTheStreamDrops() throws Exception {
        String a = device("0000:40:00.0", 0, false);
        try (TcpProxy proxy = new TcpProxy(port)) {
            openPage("http://127.0.0.1:" + proxy.port());
            browser.script("window.notReloaded = true");
            assertThat(row("0000:40:00.0").getText()).contains("driver vfio-pci");

            Response unbind = api.patch("/api/v1/devices/" + a, "{\"driver\": null}");
            assertThat(unbind.status()).as("%s", unbind).isEqualTo(200);
            browser.await(d -> row("0000:40:00.0").getText().contains("no driver"));
            assertThat(text("#events")).contains("DEVICE_UPDATED device " + a);
            browser.screenshot("live-driver-unbound");

            proxy.cut();
            browser.await(d -> "reconnecting".equals(d.findElement(By.id("live")).getAttribute("data-state")));
            // made while the page is cut off: it must arrive when the stream resumes from its last seq
            String b = created(api.post("/api/v1/devices", Api.json(Map.of("node", node, "bdf", "0000:41:00.0",
                    "driver", "nvme", "pasidBits", 0))));
            proxy.restore();
            browser.await(d -> "live".equals(d.findElement(By.id("live")).getAttribute("data-state")));
            assertThat(text("#live")).containsPattern("resumed after #\\d+");
            assertThat(row("0000:41:00.0").getText()).contains("driver nvme").contains(b);
            assertThat(text("#events")).contains("DEVICE_ADDED device " + b);
            assertThat(browser.script("return window.notReloaded === true")).isEqualTo(true);
            browser.screenshot("live-resumed");
        }
    }
}
