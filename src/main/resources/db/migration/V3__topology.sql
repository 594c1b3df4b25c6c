-- Issue 9: a node's PCI fabric as its host reported it (TOPOLOGY.md). Runs unchanged on H2 and PostgreSQL.

-- A node whose groups come from an imported topology: hand-made groups and devices are refused there.
ALTER TABLE node ADD COLUMN topology_managed BOOLEAN DEFAULT FALSE NOT NULL;

-- Port drivers (pcieport) and bridges manage their own DMA (driver_managed_dma): they never make a
-- group non-viable (rule 6).
ALTER TABLE device ADD COLUMN driver_managed_dma BOOLEAN DEFAULT FALSE NOT NULL;
-- pci_enable_pasid() needs ACS RR|UF on the whole path (drivers/pci/ats.c): the first bridge whose ACS
-- falls short, and the flags it lacks (comma-separated); NULL when the path is isolated or unknown.
ALTER TABLE device ADD COLUMN pasid_blocked_by VARCHAR(12);
ALTER TABLE device ADD COLUMN pasid_blocked_missing VARCHAR(40);

-- One row per node that has a topology: where it came from and whether the host reported its groups.
CREATE TABLE topology (
    node_id        BIGINT      NOT NULL PRIMARY KEY REFERENCES node (id),
    source         VARCHAR(12) NOT NULL,
    host_report    BOOLEAN     NOT NULL,
    function_count INTEGER     NOT NULL,
    imported_at    TIMESTAMP WITH TIME ZONE NOT NULL
);

-- One row per PCI function of a node's fabric. Flag sets are comma-separated AcsFlag names; aliases are
-- comma-separated two-digit hex devfns; BARs are "index:base:size" (hex) joined by ';'. host_group is the
-- ordinal of the host-reported IOMMU group holding the function (NULL: not reported).
CREATE TABLE topology_function (
    node_id              BIGINT      NOT NULL REFERENCES node (id),
    bdf                  VARCHAR(12) NOT NULL,
    pci_vendor           INTEGER,
    pci_device           INTEGER,
    pci_subsystem_vendor INTEGER,
    pci_subsystem_device INTEGER,
    port_type            VARCHAR(24) NOT NULL,
    multifunction        BOOLEAN,
    secondary_bus        INTEGER,
    subordinate_bus      INTEGER,
    acs_cap              VARCHAR(40),
    acs_ctl              VARCHAR(40),
    acs_unknown          BOOLEAN     NOT NULL,
    dma_aliases          VARCHAR(1024),
    bars                 VARCHAR(1024),
    pasid_bits           INTEGER     NOT NULL,
    pri                  BOOLEAN     NOT NULL,
    ats                  BOOLEAN     NOT NULL,
    driver               VARCHAR(64),
    virtual_function     BOOLEAN     NOT NULL,
    class_name           VARCHAR(128),
    host_group           INTEGER,
    PRIMARY KEY (node_id, bdf)
);
