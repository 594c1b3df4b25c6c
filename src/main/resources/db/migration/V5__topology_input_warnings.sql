-- Issue 9: what a node's last topology import said about its input text (a skipped line, a port type inferred
-- because lspci ran without root), in the order it said it. The stored fabric cannot reproduce these; the
-- derivation's warnings and the divergences from the host's report are recomputed from the fabric on every read.
-- Runs unchanged on H2 and PostgreSQL.
CREATE TABLE topology_input_warning (
    node_id BIGINT        NOT NULL REFERENCES topology (node_id),
    seq     INTEGER       NOT NULL,
    kind    VARCHAR(40)   NOT NULL,
    bdf     VARCHAR(12),
    detail  VARCHAR(1000) NOT NULL,
    PRIMARY KEY (node_id, seq)
);
