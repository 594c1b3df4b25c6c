package dev.sva.addressspace;

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
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * Address spaces (processes) over HTTP: pid rules, the PASID before and after the first bind, VA
 * regions under the mapping rules against {@code vaBits}, munmap that splits regions, and exit.
 */
abstract class AddressSpaceTests extends ApiTest {

    private Response create(Object... fields) {
        var body = obj("node", node);
        body.putAll(obj(fields));
        return api.post("/api/v1/address-spaces", Api.json(body));
    }

    private Response mmap(String as, Object... fields) {
        return api.post("/api/v1/address-spaces/" + as + "/mappings", Api.json(obj(fields)));
    }

    private Response mmap(String as, String va, long size, String physical) {
        return mmap(as, "va", va, "size", size, "physicalAddress", physical, "read", true, "write", true);
    }

    private Response munmap(String as, String query) {
        return api.delete("/api/v1/address-spaces/" + as + "/mappings" + query);
    }

    private List<JsonNode> regions(String as) {
        Response r = api.get("/api/v1/address-spaces/" + as + "/mappings?limit=1000");
        assertThat(r.status()).as("%s", r).isEqualTo(200);
        List<JsonNode> out = new ArrayList<>();
        r.body().path("items").forEach(out::add);
        return out;
    }

    private static void assertRegion(JsonNode region, String va, long size, String physical) {
        assertThat(region.path("va").asString()).as("%s", region).isEqualTo(va);
        assertThat(region.path("size").asLong()).as("%s", region).isEqualTo(size);
        assertThat(region.path("physicalAddress").asString()).as("%s", region).isEqualTo(physical);
    }

    // ---- create ----

    @Test
    void createsAProcessWithNoPasidYet() {
        Response r = create("pid", 4242, "name", "trainer");
        assertThat(r.status()).as("%s", r).isEqualTo(201);
        String id = r.str("id");
        assertThat(r.header("Location")).endsWith("/api/v1/address-spaces/" + id);
        assertThat(r.str("node")).isEqualTo(node);
        assertThat(r.body().path("pid").asInt()).isEqualTo(4242);
        assertThat(r.str("name")).isEqualTo("trainer");
        assertThat(r.body().has("pasid")).as("pasid is present, as null").isTrue();
        assertThat(r.body().path("pasid").isNull()).isTrue();
        assertThat(api.get("/api/v1/address-spaces/" + id).body()).isEqualTo(r.body());

        Response unnamed = create("pid", 4243);
        assertThat(unnamed.status()).isEqualTo(201);
        assertThat(unnamed.body().path("name").isNull()).isTrue();
    }

    @Test
    void pasidAppearsWithTheFirstBind() {
        String proc = process(4242);
        assertThat(api.get("/api/v1/address-spaces/" + proc).body().path("pasid").isNull()).isTrue();
        String gpu = device("0000:3b:00.0", 20, false);
        assertThat(bind(gpu, proc).status()).isEqualTo(201);
        assertThat(api.get("/api/v1/address-spaces/" + proc).body().path("pasid").asInt()).isEqualTo(1);
    }

    @Test
    void pidMustLieBelowPidMaxLimit() {
        assertThat(create("pid", 1).status()).isEqualTo(201);
        assertThat(create("pid", 4_194_303).status()).as("PID_MAX_LIMIT - 1, the largest pid Linux hands out").isEqualTo(201);
        assertInvalid(create("pid", 0), "pid");
        assertInvalid(create("pid", -1), "pid");
        assertInvalid(create("pid", 4_194_304), "pid");
        assertInvalid(create("pid", 1L << 40), "pid");
        assertInvalid(create(), "pid");
        assertInvalid(create("pid", null), "pid");
        assertInvalid(create("pid", "init"), "pid");
        assertInvalid(create("pid", 1.5), "pid");
        assertInvalid(create("pid", true), "pid");
        assertInvalid(create("pid", 7, "name", "x".repeat(256)), "name");
        assertThat(api.get("/api/v1/address-spaces?node=" + node).body().path("items").size()).isEqualTo(2);
    }

    @Test
    void aLivePidIsUniqueOnItsNodeAndReusableAfterExit() {
        String first = process(100);
        Response dup = assertRefused(create("pid", 100), 409, "DUPLICATE", "EEXIST");
        assertThat(dup.body().path("pid").asInt()).isEqualTo(100);

        String other = Api.uniqueNode();
        assertThat(api.post("/api/v1/nodes", Api.json(obj("name", other))).status()).isEqualTo(201);
        assertThat(api.post("/api/v1/address-spaces", Api.json(obj("node", other, "pid", 100))).status())
                .as("the same pid on another node is another process").isEqualTo(201);

        assertThat(api.delete("/api/v1/address-spaces/" + first).status()).isEqualTo(204);
        Response again = create("pid", 100);
        assertThat(again.status()).as("a pid is reusable once its process exited: %s", again).isEqualTo(201);
        assertThat(again.str("id")).isNotEqualTo(first);
    }

    // ---- regions ----

    @Test
    void theLocationOfARegionListsExactlyThatRegion() {
        String proc = process(101);
        Response a = mmap(proc, "va", "0x10000", "size", 4096, "physicalAddress", "0x1000", "read", true);
        Response b = mmap(proc, "va", "0x20000", "size", 8192, "physicalAddress", "0x2000", "read", true);
        assertThat(api.get(b.header("Location")).body().path("items")).containsExactly(b.body());
        assertThat(api.get(a.header("Location")).body().path("items")).containsExactly(a.body());
        assertThat(api.get("/api/v1/address-spaces/" + proc + "/mappings?va=0x21fff").body().path("items")).containsExactly(b.body());
        assertInvalid(api.get("/api/v1/address-spaces/" + proc + "/mappings?size=1"), "size");
    }

    @Test
    void mmapAnswers201WithTheRegionPinnedByDefault() {
        String proc = process(100);
        Response r = mmap(proc, "va", "0x7F0000000000", "size", "0x10000", "physicalAddress", "0xABC000", "read", true);
        assertThat(r.status()).as("%s", r).isEqualTo(201);
        assertThat(r.header("Location")).contains("/api/v1/address-spaces/" + proc + "/mappings");
        assertRegion(r.body(), "0x7f0000000000", 0x10000, "0xabc000");
        assertThat(r.body().path("read").asBoolean()).isTrue();
        assertThat(r.body().path("write").asBoolean()).isFalse();
        assertThat(r.body().path("pinned").asBoolean()).isTrue();
        assertThat(regions(proc)).containsExactly(r.body());

        Response paged = mmap(proc, "va", "0x1000", "size", 4096, "physicalAddress", "0x0", "write", true, "pinned", false);
        assertThat(paged.status()).as("%s", paged).isEqualTo(201);
        assertThat(paged.body().path("pinned").asBoolean()).isFalse();
        assertThat(regions(proc).get(0).path("va").asString()).isEqualTo("0x1000");
    }

    @Test
    void regionsFollowTheMappingRules() {
        String proc = process(100);
        assertInvalid(mmap(proc, "0x1001", 4096, "0x0"), "va");
        assertInvalid(mmap(proc, "0x1000", 4095, "0x0"), "size");
        assertInvalid(mmap(proc, "0x1000", 0, "0x0"), "size");
        assertInvalid(mmap(proc, "0x1000", 4096, "0x10"), "physicalAddress");
        assertInvalid(mmap(proc, "va", "0x1000", "size", 4096, "physicalAddress", "0x0", "read", false, "write", false), "read");
        assertInvalid(mmap(proc, "va", "0x1000", "size", 4096, "physicalAddress", "0x0"), "read");
        assertInvalid(mmap(proc, "size", 4096, "physicalAddress", "0x0", "read", true), "va");
        assertInvalid(mmap(proc, "va", "0x1000", "size", 4096, "physicalAddress", "0x0", "read", true, "pinned", "no"), "pinned");
        assertInvalid(mmap(proc, "0xfffffffffffff000", 0x2000, "0x0"), "size", "EOVERFLOW");
        assertInvalid(mmap(proc, "0x1000", 0x2000, "0xfffffffffffff000"), "size", "EOVERFLOW");
        assertThat(regions(proc)).isEmpty();
    }

    @Test
    void aRegionBeyondTheNodesVaWidthIsOutOfRange() {
        String narrow = Api.uniqueNode();
        assertThat(api.post("/api/v1/nodes", Api.json(obj("name", narrow, "vaBits", 39))).status()).isEqualTo(201);
        String proc = created(api.post("/api/v1/address-spaces", Api.json(obj("node", narrow, "pid", 1))));
        assertThat(mmap(proc, "0x7ffffff000", 0x1000, "0x0").status()).as("the last page below 2^39").isEqualTo(201);
        Response r = assertRefused(mmap(proc, "0x8000000000", 0x1000, "0x0"), 422, "OUT_OF_RANGE", "EINVAL");
        assertThat(r.str("field")).isEqualTo("va");
        assertThat(r.body().path("widthBits").asInt()).isEqualTo(39);
        assertRefused(mmap(proc, "0x7ffffff000", 0x2000, "0x0"), 422, "OUT_OF_RANGE", "EINVAL");
        assertThat(regions(proc)).hasSize(1);
    }

    @Test
    void overlappingRegionsAreRefusedAndTouchingOnesAreFine() {
        String proc = process(100);
        assertThat(mmap(proc, "0x10000", 0x10000, "0x0").status()).isEqualTo(201);
        for (String[] overlap : new String[][] {{"0x10000", "0x10000"}, {"0x1f000", "0x2000"}, {"0xf000", "0x2000"},
                {"0x14000", "0x1000"}, {"0x0", "0x100000"}}) {
            Response r = assertRefused(mmap(proc, overlap[0], Long.decode(overlap[1]), "0x0"), 409, "MAPPING_OVERLAP", "EEXIST");
            assertThat(r.body().path("regions").get(0).path("va").asString()).isEqualTo("0x10000");
        }
        assertThat(mmap(proc, "0x20000", 0x1000, "0x0").status()).isEqualTo(201);
        assertThat(mmap(proc, "0xf000", 0x1000, "0x0").status()).isEqualTo(201);
        assertThat(regions(proc)).extracting(r -> r.path("va").asString()).containsExactly("0xf000", "0x10000", "0x20000");
    }

    // ---- munmap ----

    @Test
    void munmapInTheMiddleSplitsARegionInTwo() {
        String proc = process(100);
        assertThat(mmap(proc, "va", "0x100000", "size", 0x10000, "physicalAddress", "0x800000", "read", true,
                "write", true, "pinned", false).status()).isEqualTo(201);

        Response r = munmap(proc, "?va=0x104000&size=0x4000");
        assertThat(r.status()).as("%s", r).isEqualTo(200);
        assertThat(r.body().path("unmappedBytes").asLong()).isEqualTo(0x4000);

        List<JsonNode> left = regions(proc);
        assertThat(left).hasSize(2);
        assertRegion(left.get(0), "0x100000", 0x4000, "0x800000");
        assertRegion(left.get(1), "0x108000", 0x8000, "0x808000");
        for (JsonNode region : left) {
            assertThat(region.path("read").asBoolean()).isTrue();
            assertThat(region.path("write").asBoolean()).isTrue();
            assertThat(region.path("pinned").asBoolean()).as("the pieces keep their paging").isFalse();
        }
    }

    @Test
    void munmapAcrossRegionsTrimsBothAndRemovesWhatIsInside() {
        String proc = process(100);
        mmap(proc, "0x10000", 0x4000, "0x100000");
        mmap(proc, "0x18000", 0x1000, "0x200000");
        mmap(proc, "0x20000", 0x4000, "0x300000");
        Response r = munmap(proc, "?va=0x12000&size=0x10000");
        assertThat(r.status()).as("%s", r).isEqualTo(200);
        assertThat(r.body().path("unmappedBytes").asLong()).isEqualTo(0x2000 + 0x1000 + 0x2000);
        List<JsonNode> left = regions(proc);
        assertThat(left).hasSize(2);
        assertRegion(left.get(0), "0x10000", 0x2000, "0x100000");
        assertRegion(left.get(1), "0x22000", 0x2000, "0x302000");
    }

    @Test
    void munmapOfTheHeadOrTailOfARegionKeepsTheRest() {
        String proc = process(100);
        mmap(proc, "0x10000", 0x8000, "0x100000");
        assertThat(munmap(proc, "?va=0xf000&size=0x2000").body().path("unmappedBytes").asLong()).isEqualTo(0x1000);
        assertThat(munmap(proc, "?va=0x17000&size=0x1000").body().path("unmappedBytes").asLong()).isEqualTo(0x1000);
        List<JsonNode> left = regions(proc);
        assertThat(left).hasSize(1);
        assertRegion(left.get(0), "0x11000", 0x6000, "0x101000");
    }

    @Test
    void munmapOfAHoleAnswersZeroOfZeroBytesIsInvalidAndWithoutParametersRemovesEverything() {
        String proc = process(100);
        mmap(proc, "0x10000", 0x4000, "0x0");
        mmap(proc, "0x40000", 0x1000, "0x0");
        // munmap(2) with a zero length is EINVAL, and so is this
        assertInvalid(munmap(proc, "?va=0x10000&size=0"), "size", "EINVAL");
        assertThat(munmap(proc, "?va=0x20000&size=0x10000").body().path("unmappedBytes").asLong()).isZero();
        assertThat(regions(proc)).hasSize(2);
        Response all = munmap(proc, "");
        assertThat(all.status()).as("%s", all).isEqualTo(200);
        assertThat(all.body().path("unmappedBytes").asLong()).isEqualTo(0x5000);
        assertThat(regions(proc)).isEmpty();

        assertInvalid(munmap(proc, "?va=0x1000"), "size");
        assertInvalid(munmap(proc, "?size=4096"), "va");
        assertInvalid(munmap(proc, "?va=0x1001&size=4096"), "va");
        assertInvalid(munmap(proc, "?va=0x1000&size=4097"), "size");
        assertInvalid(munmap(proc, "?va=0xfffffffffffff000&size=0x2000"), "size", "EOVERFLOW");
    }

    @Test
    void regionListIsSortedByVaAndPagesWithACursor() {
        String proc = process(100);
        List<String> order = List.of("0x1000", "0x5000", "0x9000", "0x7fff0000", "0x7ffffffff000");
        for (String va : List.of(order.get(2), order.get(4), order.get(0), order.get(3), order.get(1))) {
            assertThat(mmap(proc, va, 0x1000, "0x0").status()).isEqualTo(201);
        }
        List<String> seen = new ArrayList<>();
        String cursor = null;
        int pages = 0;
        do {
            Response page = api.get("/api/v1/address-spaces/" + proc + "/mappings?limit=2" + (cursor == null ? "" : "&cursor=" + cursor));
            assertThat(page.status()).as("%s", page).isEqualTo(200);
            page.body().path("items").forEach(m -> seen.add(m.path("va").asString()));
            cursor = page.str("nextCursor");
            pages++;
        } while (cursor != null);
        assertThat(pages).isEqualTo(3);
        assertThat(seen).isEqualTo(order);
        assertInvalid(api.get("/api/v1/address-spaces/" + proc + "/mappings?limit=0"), "limit");
        assertInvalid(api.get("/api/v1/address-spaces/" + proc + "/mappings?cursor=nope"), "cursor");
    }

    // ---- exit ----

    @Test
    void exitAnswers204AndThenTheProcessIsGone() {
        String proc = process(100);
        mmap(proc, "0x10000", 0x4000, "0x0");
        Response r = api.delete("/api/v1/address-spaces/" + proc);
        assertThat(r.status()).as("%s", r).isEqualTo(204);
        assertNotFound(api.get("/api/v1/address-spaces/" + proc));
        assertNotFound(api.delete("/api/v1/address-spaces/" + proc));
        assertNotFound(api.get("/api/v1/address-spaces/" + proc + "/mappings"));
        assertNotFound(mmap(proc, "0x20000", 0x1000, "0x0"));
        assertNotFound(munmap(proc, ""));
        assertThat(api.get("/api/v1/address-spaces?node=" + node).body().path("items").size()).isZero();
    }

    @Test
    void unknownAddressSpaceIdsAreNotFound() {
        for (String id : List.of("as-999999999", "as-", "dev-1", "nonsense")) {
            assertNotFound(api.get("/api/v1/address-spaces/" + id));
            assertNotFound(api.delete("/api/v1/address-spaces/" + id));
            assertNotFound(api.get("/api/v1/address-spaces/" + id + "/mappings"));
        }
    }

    @Test
    void listPagesInCreationOrderWithACursor() {
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            ids.add(process(1000 + i));
        }
        List<String> seen = new ArrayList<>();
        String cursor = null;
        do {
            Response page = api.get("/api/v1/address-spaces?node=" + node + "&limit=2" + (cursor == null ? "" : "&cursor=" + cursor));
            assertThat(page.status()).as("%s", page).isEqualTo(200);
            page.body().path("items").forEach(a -> seen.add(a.path("id").asString()));
            cursor = page.str("nextCursor");
        } while (cursor != null);
        assertThat(seen).isEqualTo(ids);
        assertInvalid(api.get("/api/v1/address-spaces?node=" + node + "&limit=0"), "limit");
        assertInvalid(api.get("/api/v1/address-spaces?node=" + node + "&limit=1001"), "limit");
    }
}
