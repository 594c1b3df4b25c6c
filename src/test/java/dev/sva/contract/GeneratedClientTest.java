package dev.sva.contract;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.sva.contract.client.ApiClient;
import dev.sva.contract.client.ApiException;
import dev.sva.contract.client.api.AddressSpacesApi;
import dev.sva.contract.client.api.BondsApi;
import dev.sva.contract.client.api.ContainersApi;
import dev.sva.contract.client.api.DevicesApi;
import dev.sva.contract.client.api.DmaApi;
import dev.sva.contract.client.api.EventsApi;
import dev.sva.contract.client.api.NodesApi;
import dev.sva.contract.client.model.AddressSpaceView;
import dev.sva.contract.client.model.BarBody;
import dev.sva.contract.client.model.BondView;
import dev.sva.contract.client.model.ContainerView;
import dev.sva.contract.client.model.CreateAddressSpace;
import dev.sva.contract.client.model.CreateBond;
import dev.sva.contract.client.model.CreateContainer;
import dev.sva.contract.client.model.CreateDevice;
import dev.sva.contract.client.model.CreateMapping;
import dev.sva.contract.client.model.CreateNode;
import dev.sva.contract.client.model.CreateRegion;
import dev.sva.contract.client.model.DeviceSummary;
import dev.sva.contract.client.model.DeviceView;
import dev.sva.contract.client.model.DmaRequest;
import dev.sva.contract.client.model.DmaResultView;
import dev.sva.contract.client.model.EventView;
import dev.sva.contract.client.model.NodeView;
import dev.sva.contract.client.model.PageEventView;
import dev.sva.contract.client.model.PageMappingView;
import dev.sva.contract.client.model.Problem;
import dev.sva.support.Api;
import dev.sva.support.ApiTest;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The README's story told through the Java client that the build generates from {@code openapi.yaml}
 * (openapi-generator, {@code native} library, into {@code target/generated-test-sources/openapi}), and
 * nothing else: if the document stops describing what the service does — a name, a type, a problem
 * member, the stream — this fails to compile or fails here.
 */
class GeneratedClientTest extends ApiTest {

    /**
     * The one place a generated client is built: the base URI of this service, and every request's
     * headers — the bearer token of {@code support/Api}, which every call of this test, the stream's
     * included, carries.
     */
    private ApiClient client() {
        ApiClient client = new ApiClient();
        client.updateBaseUri("http://127.0.0.1:" + port);
        client.setReadTimeout(Duration.ofSeconds(30));
        client.setRequestInterceptor(request -> request.header("Authorization", api.authorization()));
        return client;
    }

    @Test
    void readmeStoryRunsThroughTheGeneratedClient() throws Exception {
        ApiClient client = client();
        NodesApi nodes = new NodesApi(client);
        DevicesApi devices = new DevicesApi(client);
        AddressSpacesApi addressSpaces = new AddressSpacesApi(client);
        BondsApi bonds = new BondsApi(client);
        ContainersApi containers = new ContainersApi(client);
        DmaApi dma = new DmaApi(client);
        EventsApi events = new EventsApi(client);

        String host = Api.uniqueNode();
        NodeView created = nodes.createNode(new CreateNode().name(host));
        assertThat(created.getName()).isEqualTo(host);

        // A GPU alone in its IOMMU group, with a BAR, and a process with a region.
        DeviceView gpu = devices.createDevice(new CreateDevice().node(host).bdf("0000:3b:00.0").driver("vfio-pci")
                .pasidBits(20).pri(true).addBarsItem(new BarBody().index(0).base("0xfe000000").size(0x100000L)));
        assertThat(gpu.getBars()).singleElement().satisfies(bar -> assertThat(bar.getBase()).isEqualTo("0xfe000000"));
        AddressSpaceView trainer = addressSpaces.createAddressSpace(new CreateAddressSpace().node(host).pid(4242)
                .name("trainer"));
        addressSpaces.mapRegion(trainer.getId(), new CreateRegion().va("0x7f0000000000").size(65536L)
                .physicalAddress("0x90000000").read(true).write(true));

        // Binding the singleton device gives the process PASID 1, and a DMA with it translates.
        BondView bond = bonds.bindDevice(gpu.getId(), new CreateBond().addressSpaceId(trainer.getId()).driverData("ctx-7"));
        assertThat(bond.getPasid()).isEqualTo(1);
        DmaResultView viaPasid = dma.translateDma(new DmaRequest().deviceId(gpu.getId()).pasid(bond.getPasid())
                .address("0x7f0000000040").size(8L).access(DmaRequest.AccessEnum.READ));
        assertThat(viaPasid.getOutcome()).isEqualTo(DmaResultView.OutcomeEnum.TRANSLATED);
        assertThat(viaPasid.getPhysicalAddress()).isEqualTo("0x90000040");

        // A second function joins the group: a device bind is refused, read as the typed problem.
        DeviceView second = devices.createDevice(new CreateDevice().node(host).bdf("0000:3b:00.1")
                .groupId(gpu.getGroupId()).driver("vfio-pci").pasidBits(20));
        ApiException refused = catchThrowableOfType(ApiException.class,
                () -> bonds.bindDevice(gpu.getId(), new CreateBond().addressSpaceId(trainer.getId())));
        assertThat(refused.getCode()).isEqualTo(409);
        Problem problem = client.getObjectMapper().readValue(refused.getResponseBody(), Problem.class);
        assertThat(problem.getCode()).isEqualTo(Problem.CodeEnum.GROUP_NOT_SINGLETON);
        assertThat(problem.getErrno()).isEqualTo("EINVAL");
        assertThat(problem.getDevices()).extracting(DeviceSummary::getId)
                .containsExactlyInAnyOrder(gpu.getId(), second.getId());

        // The group's container maps a DMA window; the second function's DMA into it translates.
        ContainerView vm = containers.createContainer(new CreateContainer().node(host).name("vm1"));
        containers.attachGroup(vm.getId(), gpu.getGroupId());
        containers.mapDma(vm.getId(), new CreateMapping().iova("0x10000").size(4096L).physicalAddress("0x80000000")
                .read(true).write(false));
        DmaResultView viaIova = dma.translateDma(new DmaRequest().deviceId(second.getId()).address("0x10000")
                .size(8L).access(DmaRequest.AccessEnum.READ));
        assertThat(viaIova.getOutcome()).isEqualTo(DmaResultView.OutcomeEnum.TRANSLATED);
        assertThat(viaIova.getPhysicalAddress()).isEqualTo("0x80000000");

        // List, then watch from the list's seq: the next change made is the stream's first event.
        PageMappingView mappings = containers.listMappings(vm.getId(), null, null, null, null);
        assertThat(mappings.getItems()).singleElement().satisfies(m -> assertThat(m.getIova()).isEqualTo("0x10000"));
        PageEventView log = events.listEvents(host, null, null, null, null);
        assertThat(log.getSeq()).isEqualTo(mappings.getSeq());
        assertThat(log.getItems()).extracting(EventView::getType).contains(EventView.TypeEnum.BOND_REVOKED,
                EventView.TypeEnum.MAPPING_ADDED);
        containers.mapDma(vm.getId(), new CreateMapping().iova("0x20000").size(4096L).physicalAddress("0x80001000")
                .read(true).write(true));

        EventView next = firstStreamedEvent(client, host, mappings.getSeq());
        assertThat(next.getSeq()).isEqualTo(mappings.getSeq() + 1);
        assertThat(next.getType()).isEqualTo(EventView.TypeEnum.MAPPING_ADDED);
        assertThat(next.getNode()).isEqualTo(host);
        assertThat(next.getSubject().getId()).isEqualTo(vm.getId());
    }

    /**
     * The first event of {@code GET /events/stream?after=}: the generated {@code streamEvents} would wait
     * for the end of a stream that does not end, so the frame is read incrementally with the client's
     * own HTTP settings and its {@code data} parsed as the generated {@link EventView}.
     */
    private static EventView firstStreamedEvent(ApiClient client, String node, long after) throws IOException,
            InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(
                URI.create(client.getBaseUri() + "/api/v1/events/stream?node=" + node + "&after=" + after))
                .header("Accept", "text/event-stream").timeout(client.getReadTimeout()).GET();
        if (client.getRequestInterceptor() != null) {
            client.getRequestInterceptor().accept(request);
        }
        HttpResponse<InputStream> response = client.getHttpClient().send(request.build(),
                HttpResponse.BodyHandlers.ofInputStream());
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(
                type -> assertThat(type).startsWith("text/event-stream"));
        try (InputStream body = response.body();
                BufferedReader in = new BufferedReader(new InputStreamReader(body, StandardCharsets.UTF_8))) {
            String id = null;
            String type = null;
            StringBuilder data = new StringBuilder();
            for (String line = in.readLine(); line != null; line = in.readLine()) {
                if (line.isEmpty() && id != null) {
                    EventView event = client.getObjectMapper().readValue(data.toString(), EventView.class);
                    assertThat(List.of(Long.parseLong(id), type)).containsExactly(event.getSeq(), event.getType().getValue());
                    return event;
                } else if (line.startsWith("id:")) {
                    id = line.substring(3).trim();
                } else if (line.startsWith("event:")) {
                    type = line.substring(6).trim();
                } else if (line.startsWith("data:")) {
                    data.append(line.substring(5).trim());
                }
            }
        }
        throw new AssertionError("the stream ended before an event");
    }
}
