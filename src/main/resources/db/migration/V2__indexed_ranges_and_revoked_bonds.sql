-- What a map, an unmap and an unbind need without scanning (issue 8, items 9 and 11).

-- Mappings (and regions) of one container never overlap, so they end in the same order as they
-- start: the only one that begins before an address and may still cover it is the first one that
-- ends at or after it. One probe of this index finds it, where "first_key <= x and last_key >= y"
-- on the start index walked every earlier mapping of the container.
CREATE INDEX dma_mapping_end ON dma_mapping (container_id, last_key);
CREATE INDEX region_end ON region (address_space_id, last_key);

-- Kept counts for dma_entry_limit and the region limit, written under the node lock with the rows
-- they count, instead of a count(*) per map.
ALTER TABLE container ADD COLUMN mapping_count INTEGER DEFAULT 0 NOT NULL;
UPDATE container SET mapping_count = (SELECT COUNT(*) FROM dma_mapping m WHERE m.container_id = container.id);
ALTER TABLE address_space ADD COLUMN region_count INTEGER DEFAULT 0 NOT NULL;
UPDATE address_space SET region_count = (SELECT COUNT(*) FROM region r WHERE r.address_space_id = address_space.id);

-- A bond that went without its owner asking (a process exit above all): a later unbind of it is
-- told why it is gone (ESRCH after an exit) rather than that it never existed. Kept as long as
-- events are (sva.events.retention).
CREATE TABLE revoked_bond (
    bond_id    BIGINT      NOT NULL PRIMARY KEY,
    node_id    BIGINT      NOT NULL,
    reason     VARCHAR(32) NOT NULL,
    revoked_at TIMESTAMP WITH TIME ZONE NOT NULL
);
CREATE INDEX revoked_bond_time ON revoked_bond (revoked_at);
