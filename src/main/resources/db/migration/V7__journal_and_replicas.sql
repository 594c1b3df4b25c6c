-- Issue 12: one journal per change, several replicas on one database (docs/replicas.md).

-- The journal: per node, one record per committing transaction that changed what the translation
-- engine holds, with its engine commands in order (JSON). Positions are gap-free per node, allocated
-- under the node's row lock like event seqs. Every replica's engine is fed only from these rows.
CREATE TABLE journal (
    node_id      BIGINT    NOT NULL REFERENCES node (id),
    position     BIGINT    NOT NULL,
    committed_at TIMESTAMP WITH TIME ZONE NOT NULL,
    changes      VARCHAR   NOT NULL,
    PRIMARY KEY (node_id, position)
);

ALTER TABLE node ADD COLUMN journal_position BIGINT DEFAULT 0 NOT NULL;

-- Membership: each running replica holds a lease it renews while it can prove it is current.
-- Writers wait for every ready replica whose lease has not expired (database time) to confirm a change.
CREATE TABLE replica (
    id          VARCHAR(64)  NOT NULL PRIMARY KEY,
    host        VARCHAR(255) NOT NULL,
    started_at  TIMESTAMP WITH TIME ZONE NOT NULL,
    lease_until TIMESTAMP WITH TIME ZONE NOT NULL,
    ready       BOOLEAN      NOT NULL
);
