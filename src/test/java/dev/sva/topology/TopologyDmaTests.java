package dev.sva.topology;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sva.support.Api;
import dev.sva.support.Api.Response;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.SmartInitializingSingleton;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.context.ApplicationContext;

/**
 * Routing follows the fabric (TOPOLOGY.md): on a node with a topology a DMA without the IOMMU reaches exactly the BARs
 * the fabric routes it to, over {@code POST /dma}.
 */
public abstract class TopologyDmaTests extends TopologyTestSupport {

    @Autowired
    ApplicationContext context;

    Response dma(String deviceId, String address) {
        Response r = api.post("/api/v1/dma", Api.json(Map.of("deviceId", deviceId, "address", address, "size", 4, "access", "WRITE")));
        assertThat(r.status()).as("%s", r).isEqualTo(200);
        return r;
    }

    static void assertPeer(Response r, String peer, int bar, String offset) {
        assertThat(r.str("outcome")).as("%s", r).isEqualTo("PEER_TO_PEER");
        assertThat(r.body().path("peer").path("deviceId").asString()).isEqualTo(peer);
        assertThat(r.body().path("peer").path("bar").asInt()).isEqualTo(bar);
        assertThat(r.body().path("peer").path("offset").asString()).isEqualTo(offset);
    }

    static void assertNotPeer(Response r) {
        assertThat(r.str("outcome")).as("%s", r).isEqualTo("FAULT");
        assertThat(r.body().path("fault").path("reason").asString()).isEqualTo("BLOCKED");
    }

    @Test
    void aDownstreamPortWithoutRequestRedirectDeliversToItsSiblingsWindow() {
        importLspci(SWITCH_HOST);
        Map<String, String> d = devicesByBdf();
        // 04:10.0 lacks ReqRedir: a write from 06:00.0 to 05:00.0's BAR turns at the switch
        assertPeer(dma(d.get("0000:06:00.0"), "0x90000010"), d.get("0000:05:00.0"), 0, "0x10");
        // the multifunction accelerator without ACS: its functions reach each other inside the device
        assertPeer(dma(d.get("0000:06:00.0"), "0x91100020"), d.get("0000:06:00.1"), 0, "0x20");
        // the GPU's audio function reaches the GPU's BARs
        assertPeer(dma(d.get("0000:02:00.1"), "0xe0000000"), d.get("0000:02:00.0"), 1, "0x0");
        // 05:00.0 sits below 04:08.0, which redirects: nothing of its DMA turns before the root complex
        assertNotPeer(dma(d.get("0000:05:00.0"), "0x91000000"));
        // the NVMe behind an ACS root port reaches no peer at all
        assertNotPeer(dma(d.get("0000:01:00.0"), "0x90000000"));
    }

    @Test
    void requestRedirectOnThePortClosesThePeerPath() {
        importLspci(SWITCH_HOST);
        Map<String, String> d = devicesByBdf();
        importLspci(SWITCH_HOST_RR);
        assertThat(devicesByBdf()).isEqualTo(d);
        assertNotPeer(dma(d.get("0000:06:00.0"), "0x90000010"));
        // inside the multifunction device nothing changed
        assertPeer(dma(d.get("0000:06:00.0"), "0x91100020"), d.get("0000:06:00.1"), 0, "0x20");
        // and back: without Request Redirect the window opens again
        importLspci(SWITCH_HOST);
        assertPeer(dma(d.get("0000:06:00.0"), "0x90000010"), d.get("0000:05:00.0"), 0, "0x10");
    }

    @Test
    void aGroupMemberTheFabricDoesNotRouteToIsNotReached() {
        importLspci(SWITCH_HOST);
        Map<String, String> d = devicesByBdf();
        // 04:10.0 shares 06:00.0's group but has no BAR; 06:00.1 reaches 06:00.0 yet 06:00.0's DMA to an address of no
        // peer goes to the IOMMU
        assertNotPeer(dma(d.get("0000:06:00.0"), "0x92000000"));
        // the GPU's group holds root port 00:02.0: a DMA from the GPU to the NVMe's BAR (another root port) never turns
        assertNotPeer(dma(d.get("0000:02:00.0"), "0xfe600000"));
    }

    @Test
    void theRoutesAreRebuiltFromTheDatabaseAtStart() {
        importLspci(SWITCH_HOST);
        Map<String, String> d = devicesByBdf();
        // what a restart does before the server accepts a request: every node loaded from a snapshot of its tables. The
        // group rule alone would not deliver this one: 05:00.0 is in another group, reached through 04:10.0
        ((SmartInitializingSingleton) context.getBean("journalFeed")).afterSingletonsInstantiated();
        assertPeer(dma(d.get("0000:06:00.0"), "0x90000010"), d.get("0000:05:00.0"), 0, "0x10");
        assertPeer(dma(d.get("0000:06:00.0"), "0x91100020"), d.get("0000:06:00.1"), 0, "0x20");
    }
}
