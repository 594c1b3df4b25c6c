package dev.sva.container;

import static dev.sva.support.ProblemAssert.assertInvalid;
import static dev.sva.support.ProblemAssert.assertNotFound;
import static dev.sva.support.ProblemAssert.assertRefused;
import static dev.sva.support.ProblemAssert.obj;
import static org.assertj.core.api.Assertions.assertThat;

import dev.sva.support.Api;
import dev.sva.support.Api.Response;
import dev.sva.support.ApiTest;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * DMA mappings over HTTP, by the VFIO type1 v2 / iommufd rules 14–16: 4 KiB granularity, no wrap, the
 * node's IOVA width, no overlap (touching is fine), automatic IOVAs, unmap that never splits, and the
 * list in unsigned IOVA order.
 */
abstract class DmaMappingTests extends ApiTest {

    private String ctr;

    @BeforeEach
    void newContainer() {
        ctr = container();
    }

    private Response mapIn(String containerId, Object... fields) {
        return api.post("/api/v1/containers/" + containerId + "/mappings", Api.json(obj(fields)));
    }

    private Response map(Object... fields) {
        return mapIn(ctr, fields);
    }

    private Response rw(String iova, Object size) {
        return map("iova", iova, "size", size, "physicalAddress", "0x80000000", "read", true, "write", true);
    }

    private Response unmap(String query) {
        return api.delete("/api/v1/containers/" + ctr + "/mappings" + query);
    }

    private List<JsonNode> mappings(String containerId) {
        List<JsonNode> out = new ArrayList<>();
        Response r = api.get("/api/v1/containers/" + containerId + "/mappings?limit=1000");
        assertThat(r.status()).as("%s", r).isEqualTo(200);
        r.body().path("items").forEach(out::add);
        return out;
    }

    private List<String> iovas() {
        return mappings(ctr).stream().map(m -> m.path("iova").asString()).toList();
    }

    /** A container on a node of its own with the given IOVA width. */
    private String containerOnNodeWithIovaBits(int iovaBits) {
        String name = Api.uniqueNode();
        Response n = api.post("/api/v1/nodes", Api.json(obj("name", name, "iovaBits", iovaBits)));
        assertThat(n.status()).as("%s", n).isEqualTo(201);
        return created(api.post("/api/v1/containers", Api.json(obj("node", name))));
    }

    // ---- map ----

    @Test
    void theLocationOfAMappingListsExactlyThatMappingAndAnAddressFindsTheMappingThatCoversIt() {
        Response low = map("iova", "0x100000", "size", 0x2000, "physicalAddress", "0x80000000", "read", true);
        Response high = map("iova", "0x200000", "size", 0x10000, "physicalAddress", "0x90000000", "read", true);
        map("iova", "0x300000", "size", 0x1000, "physicalAddress", "0xa0000000", "read", true);

        Response located = api.get(high.header("Location"));
        assertThat(located.body().path("items")).containsExactly(high.body());
        assertThat(api.get("/api/v1/containers/" + ctr + "/mappings?iova=0x20abcd").body().path("items"))
                .as("the mapping that translates the address").containsExactly(high.body());
        assertThat(api.get("/api/v1/containers/" + ctr + "/mappings?iova=0x101fff&size=0xfe002").body().path("items"))
                .as("[0x101fff, 0x200000] touches both").containsExactly(low.body(), high.body());
        assertThat(api.get("/api/v1/containers/" + ctr + "/mappings?iova=0x102000&size=0xfe000").body().path("items"))
                .as("the hole between them").isEmpty();

        Response first = api.get("/api/v1/containers/" + ctr + "/mappings?iova=0x0&size=0x400000&limit=1");
        assertThat(first.body().path("items")).containsExactly(low.body());
        Response second = api.get("/api/v1/containers/" + ctr + "/mappings?iova=0x0&size=0x300000&limit=1&cursor="
                + first.str("nextCursor"));
        assertThat(second.body().path("items")).as("pages of a range").containsExactly(high.body());
        assertThat(second.str("nextCursor")).isNull();

        assertInvalid(api.get("/api/v1/containers/" + ctr + "/mappings?size=4096"), "size");
        assertInvalid(api.get("/api/v1/containers/" + ctr + "/mappings?iova=0x1000&size=0"), "size");
        assertInvalid(api.get("/api/v1/containers/" + ctr + "/mappings?iova=0xfffffffffffff000&size=0x2000"), "size", "EOVERFLOW");
        assertInvalid(api.get("/api/v1/containers/" + ctr + "/mappings?iova=nope"), "iova");
    }

    @Test
    void mapAnswers201WithTheMapping() {
        Response r = map("iova", "0x100000", "size", 0x10000, "physicalAddress", "0x80000000", "read", true, "write", false);
        assertThat(r.status()).as("%s", r).isEqualTo(201);
        assertThat(r.header("Location")).contains("/api/v1/containers/" + ctr + "/mappings");
        assertThat(r.body()).hasSize(5);
        assertThat(r.str("iova")).isEqualTo("0x100000");
        assertThat(r.body().path("size").isIntegralNumber()).isTrue();
        assertThat(r.body().path("size").asLong()).isEqualTo(0x10000);
        assertThat(r.str("physicalAddress")).isEqualTo("0x80000000");
        assertThat(r.body().path("read").asBoolean()).isTrue();
        assertThat(r.body().path("write").asBoolean()).isFalse();
        assertThat(mappings(ctr)).containsExactly(r.body());
        assertThat(api.get("/api/v1/containers/" + ctr).body().path("mappingCount").asLong()).isOne();
    }

    @Test
    void sizesAreAcceptedAsIntegersAndAsHexStrings() {
        assertThat(rw("0x10000", 8192).body().path("size").asLong()).isEqualTo(8192);
        Response hex = rw("0x20000", "0x2000");
        assertThat(hex.status()).as("%s", hex).isEqualTo(201);
        assertThat(hex.body().path("size").isIntegralNumber()).isTrue();
        assertThat(hex.body().path("size").asLong()).isEqualTo(0x2000);
        assertThat(rw("0x30000", "0X3000").body().path("size").asLong()).isEqualTo(0x3000);
        assertThat(rw("0x40000", 1L << 33).body().path("size").asLong()).isEqualTo(1L << 33);
        assertInvalid(rw("0x50000", "8192"), "size");
        assertInvalid(rw("0x50000", 4096.0), "size");
        assertInvalid(rw("0x50000", true), "size");
        assertInvalid(rw("0x50000", List.of(4096)), "size");
        assertInvalid(rw("0x50000", -4096), "size");
        assertInvalid(rw("0x50000", null), "size");
    }

    @Test
    void addressesAreReadInAnyCaseAndWrittenInLowerCase() {
        Response r = map("iova", "0XABCD000", "size", 4096, "physicalAddress", "0xDEADBEEF000", "read", true);
        assertThat(r.status()).as("%s", r).isEqualTo(201);
        assertThat(r.str("iova")).isEqualTo("0xabcd000");
        assertThat(r.str("physicalAddress")).isEqualTo("0xdeadbeef000");
        assertThat(mappings(ctr).get(0).path("iova").asString()).isEqualTo("0xabcd000");
        assertThat(rw("0x000000000000000000000000000F000", 4096).str("iova"))
                .as("leading zeros are not significant").isEqualTo("0xf000");
    }

    @Test
    void misalignedZeroSizedOrPermissionlessMappingsAreRefused() {
        assertInvalid(rw("0x1001", 4096), "iova");
        assertInvalid(rw("0x1800", 4096), "iova");
        assertInvalid(rw("0x1000", 4097), "size");
        assertInvalid(rw("0x1000", 512), "size");
        assertInvalid(rw("0x1000", 0), "size");
        assertInvalid(map("iova", "0x1000", "size", 4096, "physicalAddress", "0x80000800", "read", true), "physicalAddress");
        assertInvalid(map("iova", "0x1000", "size", 4096, "physicalAddress", "0x80000000", "read", false, "write", false), "read");
        assertInvalid(map("iova", "0x1000", "size", 4096, "physicalAddress", "0x80000000"), "read");
        assertInvalid(map("iova", "0x1000", "size", 4096, "read", true), "physicalAddress");
        assertInvalid(map("iova", "0x1000", "physicalAddress", "0x0", "read", true), "size");
        assertInvalid(rw("4096", 4096), "iova");
        assertInvalid(rw("0xzz", 4096), "iova");
        assertInvalid(rw("0x", 4096), "iova");
        assertInvalid(rw("0x+1000", 4096), "iova");
        assertInvalid(rw("0x\uff11\uff10\uff10\uff10", 4096), "iova");
        assertInvalid(rw("0x1000", "0x+1000"), "size");
        assertInvalid(map("iova", 4096, "size", 4096, "physicalAddress", "0x0", "read", true), "iova");
        assertInvalid(map("iova", "0x1000", "size", 4096, "physicalAddress", "0x0", "read", "yes"), "read");
        assertThat(mappings(ctr)).isEmpty();
    }

    @Test
    void aRangeThatWrapsPast2To64IsRefusedAsOverflow() {
        String wide = containerOnNodeWithIovaBits(64);
        assertInvalid(mapIn(wide, "iova", "0xfffffffffffff000", "size", 0x2000, "physicalAddress", "0x0", "read", true),
                "size", "EOVERFLOW");
        assertInvalid(mapIn(wide, "iova", "0x1000", "size", 0x2000, "physicalAddress", "0xfffffffffffff000", "read", true),
                "size", "EOVERFLOW");
        assertInvalid(mapIn(wide, "iova", "0x8000000000001000", "size", "0x8000000000000000", "physicalAddress", "0x0", "read", true),
                "size", "EOVERFLOW");
        assertInvalid(mapIn(wide, "iova", "0x10000000000000000", "size", 4096, "physicalAddress", "0x0", "read", true),
                "iova", "EOVERFLOW");
        assertInvalid(mapIn(wide, "iova", "0x1000", "size", "0x10000000000000000", "physicalAddress", "0x0", "read", true),
                "size", "EOVERFLOW");
        // on a 48-bit node the wrap is still the first thing wrong
        assertInvalid(rw("0xfffffffffffff000", 0x2000), "size", "EOVERFLOW");
        Response last = mapIn(wide, "iova", "0xfffffffffffff000", "size", 0x1000, "physicalAddress", "0xfffffffffffff000", "read", true);
        assertThat(last.status()).as("the last page of the 64-bit space: %s", last).isEqualTo(201);
        assertThat(last.str("iova")).isEqualTo("0xfffffffffffff000");
        assertThat(mappings(wide)).hasSize(1);
    }

    @Test
    void sizesAreUnsigned64BitAndOnlyARealWrapIsOverflow() {
        // 2^63 and more is a size like any other (the kernel's __u64): beyond 48 bits it is out of range
        assertRefused(rw("0x1000", "0x4000000000000000"), 422, "OUT_OF_RANGE", "EINVAL");
        assertRefused(rw("0x1000", "0x8000000000000000"), 422, "OUT_OF_RANGE", "EINVAL");
        assertRefused(map("iova", "0x1000", "size", "0xfffffffffffff000", "physicalAddress", "0x0", "read", true),
                422, "OUT_OF_RANGE", "EINVAL");
        assertInvalid(rw("0x1000", "0xfffffffffffff000"), "size", "EOVERFLOW"); // the physical side wraps
        assertRefused(rw("0x1000", new java.math.BigInteger("9223372036854775808")), 422, "OUT_OF_RANGE", "EINVAL");
        assertInvalid(rw("0x2000", "0xfffffffffffff000"), "size", "EOVERFLOW");
        assertInvalid(rw("0x1000", new java.math.BigInteger("18446744073709551616")), "size", "EOVERFLOW");
        assertThat(iovas()).isEmpty();
        // on a 64-bit node the same map fits, and its size comes back exact
        String wide = containerOnNodeWithIovaBits(64);
        Response half = mapIn(wide, "iova", "0x1000", "size", "0x8000000000000000", "physicalAddress", "0x0", "read", true);
        assertThat(half.status()).as("%s", half).isEqualTo(201);
        assertThat(half.body().path("size").bigIntegerValue()).isEqualTo(new java.math.BigInteger("9223372036854775808"));
        assertThat(api.get(half.header("Location")).body().path("items")).containsExactly(half.body());
        // the only 2^63-aligned places are 0 (excluded) and 2^63, which the mapping reaches into
        assertRefused(mapIn(wide, "size", "0x8000000000000000", "physicalAddress", "0x0", "write", true), 422, "OUT_OF_RANGE", "ENOSPC");
        assertRefused(mapIn(wide, "iova", "0x8000000000000000", "size", 0x1000, "physicalAddress", "0x0", "write", true),
                409, "MAPPING_OVERLAP", "EEXIST");
        Response r = api.delete("/api/v1/containers/" + wide + "/mappings?iova=0x1000&size=0x8000000000000000");
        assertThat(r.status()).as("%s", r).isEqualTo(200);
        assertThat(r.body().path("unmappedBytes").bigIntegerValue()).isEqualTo(new java.math.BigInteger("9223372036854775808"));
        assertThat(mappings(wide)).isEmpty();
    }

    @Test
    void unmapOfIovaZeroAndSizeU64MaxUnmapsEverythingAsIopfUnmapAll() {
        rw("0x10000", 0x4000);
        rw("0x7ffffffff000", 0x1000);
        Response r = unmap("?iova=0x0&size=0xffffffffffffffff");
        assertThat(r.status()).as("%s", r).isEqualTo(200);
        assertThat(r.body().path("unmappedBytes").asLong()).isEqualTo(0x5000);
        assertThat(r.body().path("unmappedCount").asLong()).isEqualTo(2);
        assertThat(iovas()).isEmpty();
        // in decimal too; from any other start the same length wraps
        rw("0x10000", 0x4000);
        assertThat(unmap("?iova=0x0&size=18446744073709551615").body().path("unmappedCount").asLong()).isEqualTo(1);
        rw("0x10000", 0x4000);
        assertInvalid(unmap("?iova=0x2000&size=0xfffffffffffff000"), "size", "EOVERFLOW");
        assertInvalid(unmap("?iova=0x0&size=0x10000000000000000"), "size", "EOVERFLOW");
        assertThat(unmap("?iova=0x0&size=0xfffffffffffff000").body().path("unmappedCount").asLong()).isEqualTo(1);
        assertThat(iovas()).isEmpty();
    }

    @Test
    void unmapOfZeroBytesIsInvalidAsInTheKernel() {
        rw("0x10000", 0x4000);
        // vfio_dma_do_unmap and iopt_unmap_iova: a zero length is -EINVAL, not "nothing removed"
        for (String query : List.of("?iova=0x10000&size=0", "?iova=0x12000&size=0", "?iova=0x0&size=0x0")) {
            Response r = assertInvalid(unmap(query), "size", "EINVAL");
            assertThat(r.code()).isEqualTo("VALIDATION_FAILED");
        }
        assertThat(iovas()).containsExactly("0x10000");
    }

    @Test
    void aRangeBeyondTheNodesIovaWidthIsOutOfRange() {
        String narrow = containerOnNodeWithIovaBits(32);
        Response top = mapIn(narrow, "iova", "0xfffff000", "size", 0x1000, "physicalAddress", "0x0", "read", true);
        assertThat(top.status()).as("the last page below 2^32: %s", top).isEqualTo(201);
        Response r = assertRefused(mapIn(narrow, "iova", "0x100000000", "size", 0x1000, "physicalAddress", "0x0", "read", true),
                422, "OUT_OF_RANGE", "EINVAL");
        assertThat(r.str("field")).isEqualTo("iova");
        assertThat(r.body().path("widthBits").asInt()).isEqualTo(32);
        assertRefused(mapIn(narrow, "iova", "0xffffe000", "size", 0x3000, "physicalAddress", "0x0", "read", true),
                422, "OUT_OF_RANGE", "EINVAL");
        assertRefused(mapIn(narrow, "size", "0x100000000", "physicalAddress", "0x0", "read", true), 422, "OUT_OF_RANGE", "ENOSPC");
        assertThat(mappings(narrow)).hasSize(1);
        assertRefused(rw("0x1000000000000", 0x1000), 422, "OUT_OF_RANGE", "EINVAL");
        assertThat(rw("0xfffffffff000", 0x1000).status()).as("the last page of the default 48 bits").isEqualTo(201);
    }

    @Test
    void overlapIsRefusedAndTouchingRangesAreFine() {
        assertThat(rw("0x10000", 0x10000).status()).isEqualTo(201);
        for (String[] overlap : new String[][] {
                {"0x10000", "0x10000"}, {"0x1f000", "0x2000"}, {"0xf000", "0x2000"}, {"0x14000", "0x1000"},
                {"0x0", "0x100000"}, {"0x1f000", "0x1000"}}) {
            Response r = assertRefused(rw(overlap[0], overlap[1]), 409, "MAPPING_OVERLAP", "EEXIST");
            assertThat(r.body().path("mappings").get(0).path("iova").asString()).isEqualTo("0x10000");
        }
        assertThat(rw("0x20000", 0x1000).status()).as("touching the end").isEqualTo(201);
        assertThat(rw("0xf000", 0x1000).status()).as("touching the start").isEqualTo(201);
        assertThat(iovas()).containsExactly("0xf000", "0x10000", "0x20000");
    }

    @Test
    void automaticIovaIsNonZeroSizeAlignedAndFree() {
        assertThat(rw("0x4000", 0x4000).status()).isEqualTo(201);
        assertThat(rw("0x10000", 0x1000).status()).isEqualTo(201);
        long[] sizes = {0x1000, 0x4000, 0x4000, 0x10000, 0x1000, 0x200000, 0x3000};
        for (long size : sizes) {
            Response r = map("size", size, "physicalAddress", "0x80000000", "read", true);
            assertThat(r.status()).as("%s", r).isEqualTo(201);
            long iova = Long.parseUnsignedLong(r.str("iova").substring(2), 16);
            long align = Long.highestOneBit(size) == size ? size : Long.highestOneBit(size) << 1;
            assertThat(iova).as("auto IOVA for size %x", size).isNotZero();
            assertThat(iova % align).as("auto IOVA %x aligned to %x", iova, align).isZero();
            assertThat(r.body().path("size").asLong()).isEqualTo(size);
        }
        List<JsonNode> all = mappings(ctr);
        assertThat(all).hasSize(2 + sizes.length);
        for (int i = 1; i < all.size(); i++) {
            long prevEnd = Long.parseUnsignedLong(all.get(i - 1).path("iova").asString().substring(2), 16)
                    + all.get(i - 1).path("size").asLong();
            long start = Long.parseUnsignedLong(all.get(i).path("iova").asString().substring(2), 16);
            assertThat(Long.compareUnsigned(prevEnd, start)).as("no two mappings overlap: %s", all).isLessThanOrEqualTo(0);
        }
        assertThat(all.stream().map(m -> m.path("iova").asString())).doesNotContain("0x0");
    }

    // ---- unmap (rule 16) ----

    @Test
    void unmapThatSplitsAMappingChangesNothing() {
        rw("0x10000", 0x4000);
        rw("0x20000", 0x4000);
        Response inside = assertRefused(unmap("?iova=0x10000&size=0x2000"), 409, "MAPPING_SPLIT", "EINVAL");
        assertThat(inside.body().path("mappings").get(0).path("iova").asString()).isEqualTo("0x10000");
        assertRefused(unmap("?iova=0x12000&size=0x2000"), 409, "MAPPING_SPLIT", "EINVAL");
        // covers the first wholly but cuts the second: neither goes
        Response across = assertRefused(unmap("?iova=0x10000&size=0x12000"), 409, "MAPPING_SPLIT", "EINVAL");
        assertThat(across.body().path("mappings").findValuesAsString("iova")).containsExactly("0x20000");
        assertRefused(unmap("?iova=0xf000&size=0x2000"), 409, "MAPPING_SPLIT", "EINVAL");
        assertThat(iovas()).containsExactly("0x10000", "0x20000");
        assertThat(api.get("/api/v1/containers/" + ctr).body().path("mappingCount").asLong()).isEqualTo(2);
    }

    @Test
    void unmapRemovesEveryMappingWhollyInsideAndCountsThem() {
        rw("0x10000", 0x4000);
        rw("0x18000", 0x1000);
        rw("0x20000", 0x8000);
        rw("0x40000", 0x1000);
        Response r = unmap("?iova=0x10000&size=0x18000");
        assertThat(r.status()).as("%s", r).isEqualTo(200);
        assertThat(r.body().path("unmappedBytes").asLong()).isEqualTo(0x4000 + 0x1000 + 0x8000);
        assertThat(r.body().path("unmappedCount").asLong()).isEqualTo(3);
        assertThat(iovas()).containsExactly("0x40000");
        assertThat(api.get("/api/v1/containers/" + ctr).body().path("mappingCount").asLong()).isOne();

        Response exact = unmap("?iova=0x40000&size=4096");
        assertThat(exact.body().path("unmappedBytes").asLong()).as("decimal size in the query").isEqualTo(4096);
        assertThat(exact.body().path("unmappedCount").asLong()).isOne();
        assertThat(iovas()).isEmpty();
    }

    @Test
    void unmapOfAHoleRemovesNothing() {
        rw("0x10000", 0x4000);
        for (String query : List.of("?iova=0x100000&size=0x10000", "?iova=0x0&size=0x10000", "?iova=0x14000&size=0x1000")) {
            Response r = unmap(query);
            assertThat(r.status()).as("%s: %s", query, r).isEqualTo(200);
            assertThat(r.body().path("unmappedBytes").asLong()).isZero();
            assertThat(r.body().path("unmappedCount").asLong()).isZero();
        }
        assertThat(iovas()).containsExactly("0x10000");
    }

    @Test
    void unmapWithoutParametersUnmapsAll() {
        rw("0x10000", 0x4000);
        rw("0x800000000000", 0x1000);
        rw("0x7ffffffff000", 0x1000);
        assertThat(iovas()).hasSize(3);
        Response r = unmap("");
        assertThat(r.status()).as("%s", r).isEqualTo(200);
        assertThat(r.body().path("unmappedBytes").asLong()).isEqualTo(0x6000);
        assertThat(r.body().path("unmappedCount").asLong()).isEqualTo(3);
        assertThat(iovas()).isEmpty();
        Response again = unmap("");
        assertThat(again.body().path("unmappedCount").asLong()).isZero();
    }

    @Test
    void unmapParametersAreValidated() {
        rw("0x10000", 0x4000);
        assertInvalid(unmap("?iova=0x10000"), "size");
        assertInvalid(unmap("?size=0x4000"), "iova");
        assertInvalid(unmap("?iova=0x10001&size=0x4000"), "iova");
        assertInvalid(unmap("?iova=0x10000&size=0x4001"), "size");
        assertInvalid(unmap("?iova=10000&size=0x4000"), "iova");
        assertInvalid(unmap("?iova=0x10000&size=lots"), "size");
        assertInvalid(unmap("?iova=0xfffffffffffff000&size=0x2000"), "size", "EOVERFLOW");
        assertThat(iovas()).containsExactly("0x10000");
    }

    // ---- list ----

    @Test
    void listIsSortedByUnsignedIovaAndPagesWithACursor() {
        String wide = containerOnNodeWithIovaBits(64);
        List<String> order = List.of("0x1000", "0x200000", "0x7ffffffffffff000", "0x8000000000000000",
                "0xc000000000000000", "0xfffffffffffff000");
        for (String iova : List.of(order.get(3), order.get(0), order.get(5), order.get(2), order.get(4), order.get(1))) {
            Response r = mapIn(wide, "iova", iova, "size", 0x1000, "physicalAddress", "0x1000", "read", true);
            assertThat(r.status()).as("%s", r).isEqualTo(201);
        }
        List<String> seen = new ArrayList<>();
        String cursor = null;
        int pages = 0;
        do {
            Response page = api.get("/api/v1/containers/" + wide + "/mappings?limit=4" + (cursor == null ? "" : "&cursor=" + cursor));
            assertThat(page.status()).as("%s", page).isEqualTo(200);
            page.body().path("items").forEach(m -> seen.add(m.path("iova").asString()));
            cursor = page.str("nextCursor");
            pages++;
        } while (cursor != null);
        assertThat(pages).isEqualTo(2);
        assertThat(seen).isEqualTo(order);
        Response exact = api.get("/api/v1/containers/" + wide + "/mappings?limit=6");
        assertThat(exact.body().path("items").size()).isEqualTo(6);
        assertThat(exact.body().path("nextCursor").isNull()).isTrue();
        Response ones = api.get("/api/v1/containers/" + wide + "/mappings?limit=1");
        assertThat(ones.body().path("items").get(0).path("iova").asString()).isEqualTo("0x1000");

        assertInvalid(api.get("/api/v1/containers/" + wide + "/mappings?limit=0"), "limit");
        assertInvalid(api.get("/api/v1/containers/" + wide + "/mappings?limit=1001"), "limit");
        assertInvalid(api.get("/api/v1/containers/" + wide + "/mappings?cursor=zz"), "cursor");
    }

    @Test
    void mappingsOfOneContainerAreInvisibleToAnother() {
        rw("0x10000", 0x1000);
        String other = container();
        assertThat(mappings(other)).isEmpty();
        Response same = mapIn(other, "iova", "0x10000", "size", 0x1000, "physicalAddress", "0x0", "read", true);
        assertThat(same.status()).as("each container has its own IOVA space: %s", same).isEqualTo(201);
        Response r = api.delete("/api/v1/containers/" + other + "/mappings");
        assertThat(r.body().path("unmappedCount").asLong()).isOne();
        assertThat(iovas()).containsExactly("0x10000");
        assertNotFound(api.get("/api/v1/containers/ctr-999999999/mappings"));
    }
}
