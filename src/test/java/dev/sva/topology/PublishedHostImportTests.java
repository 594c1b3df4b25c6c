package dev.sva.topology;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sva.support.Api.Response;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * Real, published host listings (src/test/resources/hosts, each with its SOURCE.md) imported over HTTP as a user
 * would paste them, and what {@code GET /topology} answers afterwards: the divergences and warnings of the last import
 * that changed the node, not only the PUT's answer.
 */
public abstract class PublishedHostImportTests extends TopologyTestSupport {

    static final String X13S = resource("/hosts/lenovo-x13s/lspci.txt");
    static final String Z790 = resource("/hosts/asus-z790-tb4/lspci.txt");

    @Test
    void aPublishedListingImportsWithTheHostsOwnGroupsAndNoDivergence() {
        Response r = importLspci(X13S);
        assertThat(r.body().path("groups")).hasSize(3);
        assertThat(bdfsOf(groupWith(r, "0002:01:00.0"))).containsExactly("0002:00:00.0", "0002:01:00.0");
        assertThat(bdfsOf(groupWith(r, "0006:01:00.0"))).containsExactly("0006:00:00.0", "0006:01:00.0");
        assertThat(r.body().path("divergences")).isEmpty();
        assertThat(r.body().path("warnings")).isEmpty();
    }

    @Test
    void getTopologyAnswersTheDivergencesAndWarningsOfTheLastImport() {
        Response put = importLspci(Z790);
        // lspci without root: port types inferred (input text), ACS unknown (derivation), host finer (report)
        assertThat(kinds(put.body().path("warnings"))).contains("PORT_TYPE_INFERRED", "ACS_UNKNOWN");
        assertThat(put.body().path("divergences")).isNotEmpty();
        for (JsonNode d : put.body().path("divergences")) {
            assertThat(d.path("kind").asString()).isEqualTo("HOST_FINER");
        }
        Response tree = api.get("/api/v1/nodes/" + node + "/topology");
        assertThat(tree.status()).as("%s", tree).isEqualTo(200);
        assertThat(tree.body().path("divergences")).isEqualTo(put.body().path("divergences"));
        assertThat(tree.body().path("warnings")).isEqualTo(put.body().path("warnings"));

        // The next import that changes the node replaces both: the X13s agrees with its host and warns of nothing.
        importLspci(X13S);
        Response after = api.get("/api/v1/nodes/" + node + "/topology");
        assertThat(after.body().path("divergences")).isEmpty();
        assertThat(after.body().path("warnings")).isEmpty();
        assertThat(after.body().path("functionCount").asInt()).isEqualTo(5);
    }

    private static List<String> kinds(JsonNode warnings) {
        List<String> out = new ArrayList<>();
        warnings.forEach(w -> out.add(w.path("kind").asString()));
        return out;
    }
}
