package dev.sva.container;

import static dev.sva.support.ProblemAssert.assertRefused;
import static dev.sva.support.ProblemAssert.obj;
import static org.assertj.core.api.Assertions.assertThat;

import dev.sva.support.Api;
import dev.sva.support.Api.Response;
import dev.sva.support.ApiTest;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.BatchPreparedStatementSetter;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Rule 17: at most 65,535 mappings per container ({@code dma_entry_limit}), the 65,536th answers
 * {@code 409 MAPPING_LIMIT} ({@code ENOSPC}). 65,535 HTTP calls would take minutes, so all but the last
 * are written straight into the table, as the service itself stores them.
 */
abstract class DmaEntryLimitTests extends ApiTest {

    private static final int LIMIT = 65_535;

    @Autowired
    private DataSource dataSource;

    @Autowired
    private PlatformTransactionManager transactions;

    /** Inserts {@code count} 4 KiB mappings at IOVA 0x1000, 0x2000, … into the container with this key. */
    private void insertMappings(long containerKey, int count) {
        JdbcTemplate jdbc = new JdbcTemplate(dataSource);
        long firstId = 1_000_000_000_000L + containerKey * 100_000L; // far above what the sequence hands out
        new TransactionTemplate(transactions).executeWithoutResult(tx -> {
            // the service keeps the container's count with its rows (dma_entry_limit without a count(*)): so does this fixture
            jdbc.update("UPDATE container SET mapping_count = mapping_count + ? WHERE id = ?", count, containerKey);
            jdbc.batchUpdate(
                "INSERT INTO dma_mapping (id, container_id, first_key, last_key, physical_address, can_read, can_write, created_at)"
                        + " VALUES (?, ?, ?, ?, ?, TRUE, FALSE, CURRENT_TIMESTAMP)",
                new BatchPreparedStatementSetter() {
                    @Override
                    public void setValues(PreparedStatement ps, int i) throws SQLException {
                        long iova = (i + 1L) * 0x1000;
                        ps.setLong(1, firstId + i);
                        ps.setLong(2, containerKey);
                        ps.setLong(3, iova ^ Long.MIN_VALUE);
                        ps.setLong(4, (iova + 0xfff) ^ Long.MIN_VALUE);
                        ps.setLong(5, iova);
                    }

                    @Override
                    public int getBatchSize() {
                        return count;
                    }
                });
        });
    }

    private Response map(String ctr, Object... fields) {
        return api.post("/api/v1/containers/" + ctr + "/mappings", Api.json(obj(fields)));
    }

    @Test
    void the65536thMappingOfAContainerIsRefusedUntilAnUnmapMakesRoom() {
        String ctr = container();
        insertMappings(Long.parseLong(ctr.substring(ctr.indexOf('-') + 1)), LIMIT - 1);
        assertThat(api.get("/api/v1/containers/" + ctr).body().path("mappingCount").asLong()).isEqualTo(LIMIT - 1);

        Response last = map(ctr, "iova", "0x10000000", "size", 0x1000, "physicalAddress", "0x0", "read", true);
        assertThat(last.status()).as("the 65,535th mapping: %s", last).isEqualTo(201);
        assertThat(api.get("/api/v1/containers/" + ctr).body().path("mappingCount").asLong()).isEqualTo(LIMIT);

        Response over = assertRefused(map(ctr, "iova", "0x10001000", "size", 0x1000, "physicalAddress", "0x0", "read", true),
                409, "MAPPING_LIMIT", "ENOSPC");
        assertThat(over.body().path("limit").asInt()).isEqualTo(LIMIT);
        assertRefused(map(ctr, "size", 0x1000, "physicalAddress", "0x0", "read", true), 409, "MAPPING_LIMIT", "ENOSPC");
        assertThat(api.get("/api/v1/containers/" + ctr).body().path("mappingCount").asLong()).isEqualTo(LIMIT);
        String other = container();
        assertThat(map(other, "iova", "0x10001000", "size", 0x1000, "physicalAddress", "0x0", "read", true).status())
                .as("the limit is per container").isEqualTo(201);

        Response unmapped = api.delete("/api/v1/containers/" + ctr + "/mappings?iova=0x1000&size=0x1000");
        assertThat(unmapped.body().path("unmappedCount").asLong()).isOne();
        assertThat(map(ctr, "iova", "0x10001000", "size", 0x1000, "physicalAddress", "0x0", "read", true).status())
                .as("room for one again").isEqualTo(201);
        assertRefused(map(ctr, "iova", "0x1000", "size", 0x1000, "physicalAddress", "0x0", "read", true),
                409, "MAPPING_LIMIT", "ENOSPC");

        assertThat(api.delete("/api/v1/containers/" + ctr).status()).isEqualTo(204);
    }
}
