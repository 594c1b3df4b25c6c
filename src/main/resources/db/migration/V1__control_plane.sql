-- The control plane's state. Runs unchanged on H2 (2.x) and PostgreSQL.
-- Addresses (IOVA, VA) that must sort are stored as sort keys: the unsigned value XOR 2^63, so that
-- signed BIGINT order is unsigned address order (dev.sva.core.Address#sortKey). Physical addresses and
-- BAR bases are stored as the two's-complement long of the unsigned value.
-- Sequences step by 50: Hibernate's pooled optimizer takes ids in blocks (allocationSize = 50).

-- node_seq starts past 1: the default node holds id 1, and the pooled optimizer takes (51-49)..51 first.
CREATE SEQUENCE node_seq START WITH 51 INCREMENT BY 50;
CREATE SEQUENCE iommu_group_seq START WITH 1 INCREMENT BY 50;
CREATE SEQUENCE device_seq START WITH 1 INCREMENT BY 50;
CREATE SEQUENCE container_seq START WITH 1 INCREMENT BY 50;
CREATE SEQUENCE dma_mapping_seq START WITH 1 INCREMENT BY 50;
CREATE SEQUENCE address_space_seq START WITH 1 INCREMENT BY 50;
CREATE SEQUENCE region_seq START WITH 1 INCREMENT BY 50;
CREATE SEQUENCE bond_seq START WITH 1 INCREMENT BY 50;
CREATE SEQUENCE container_bond_seq START WITH 1 INCREMENT BY 50;

CREATE TABLE node (
    id             BIGINT       NOT NULL PRIMARY KEY,
    name           VARCHAR(63)  NOT NULL,
    pasid_bits     INTEGER      NOT NULL,
    iova_bits      INTEGER      NOT NULL,
    va_bits        INTEGER      NOT NULL,
    last_event_seq BIGINT       NOT NULL,
    created_at     TIMESTAMP WITH TIME ZONE NOT NULL,
    CONSTRAINT node_name_unique UNIQUE (name)
);

-- The default node always exists.
INSERT INTO node (id, name, pasid_bits, iova_bits, va_bits, last_event_seq, created_at)
VALUES (1, 'local', 20, 48, 48, 0, CURRENT_TIMESTAMP);

CREATE TABLE container (
    id         BIGINT       NOT NULL PRIMARY KEY,
    node_id    BIGINT       NOT NULL REFERENCES node (id),
    name       VARCHAR(255),
    created_at TIMESTAMP WITH TIME ZONE NOT NULL
);
CREATE INDEX container_node ON container (node_id, id);

CREATE TABLE iommu_group (
    id           BIGINT NOT NULL PRIMARY KEY,
    node_id      BIGINT NOT NULL REFERENCES node (id),
    container_id BIGINT REFERENCES container (id),
    created_at   TIMESTAMP WITH TIME ZONE NOT NULL
);
CREATE INDEX iommu_group_node ON iommu_group (node_id, id);
CREATE INDEX iommu_group_container ON iommu_group (container_id);

CREATE TABLE device (
    id         BIGINT      NOT NULL PRIMARY KEY,
    node_id    BIGINT      NOT NULL REFERENCES node (id),
    group_id   BIGINT      NOT NULL REFERENCES iommu_group (id),
    bdf        VARCHAR(12) NOT NULL,
    driver     VARCHAR(64),
    pasid_bits INTEGER     NOT NULL,
    pri        BOOLEAN     NOT NULL,
    ats        BOOLEAN     NOT NULL,
    created_at TIMESTAMP WITH TIME ZONE NOT NULL,
    CONSTRAINT device_bdf_unique UNIQUE (node_id, bdf)
);
CREATE INDEX device_group ON device (group_id);

CREATE TABLE device_bar (
    device_id BIGINT  NOT NULL REFERENCES device (id) ON DELETE CASCADE,
    bar_index INTEGER NOT NULL,
    base      BIGINT  NOT NULL,
    size      BIGINT  NOT NULL,
    PRIMARY KEY (device_id, bar_index)
);

CREATE TABLE dma_mapping (
    id               BIGINT  NOT NULL PRIMARY KEY,
    container_id     BIGINT  NOT NULL REFERENCES container (id) ON DELETE CASCADE,
    first_key        BIGINT  NOT NULL,
    last_key         BIGINT  NOT NULL,
    physical_address BIGINT  NOT NULL,
    can_read         BOOLEAN NOT NULL,
    can_write        BOOLEAN NOT NULL,
    created_at       TIMESTAMP WITH TIME ZONE NOT NULL,
    CONSTRAINT dma_mapping_start_unique UNIQUE (container_id, first_key)
);

CREATE TABLE address_space (
    id         BIGINT  NOT NULL PRIMARY KEY,
    node_id    BIGINT  NOT NULL REFERENCES node (id),
    pid        INTEGER NOT NULL,
    name       VARCHAR(255),
    pasid      INTEGER,
    created_at TIMESTAMP WITH TIME ZONE NOT NULL,
    CONSTRAINT address_space_pid_unique UNIQUE (node_id, pid),
    -- one PASID per live address space per node (rule 8); NULLs do not collide
    CONSTRAINT address_space_pasid_unique UNIQUE (node_id, pasid)
);

CREATE TABLE region (
    id               BIGINT  NOT NULL PRIMARY KEY,
    address_space_id BIGINT  NOT NULL REFERENCES address_space (id) ON DELETE CASCADE,
    first_key        BIGINT  NOT NULL,
    last_key         BIGINT  NOT NULL,
    physical_address BIGINT  NOT NULL,
    can_read         BOOLEAN NOT NULL,
    can_write        BOOLEAN NOT NULL,
    pinned           BOOLEAN NOT NULL,
    CONSTRAINT region_start_unique UNIQUE (address_space_id, first_key)
);

CREATE TABLE bond (
    id               BIGINT  NOT NULL PRIMARY KEY,
    node_id          BIGINT  NOT NULL REFERENCES node (id),
    device_id        BIGINT  NOT NULL REFERENCES device (id),
    address_space_id BIGINT  NOT NULL REFERENCES address_space (id),
    container_id     BIGINT  REFERENCES container (id),
    pasid            INTEGER NOT NULL,
    iopf             BOOLEAN NOT NULL,
    driver_data      VARCHAR(4096),
    created_at       TIMESTAMP WITH TIME ZONE NOT NULL,
    -- one bond per device and address space (rule 10)
    CONSTRAINT bond_device_space_unique UNIQUE (device_id, address_space_id),
    -- a PASID names one address space on a device
    CONSTRAINT bond_device_pasid_unique UNIQUE (device_id, pasid)
);
CREATE INDEX bond_node ON bond (node_id, id);
CREATE INDEX bond_space ON bond (address_space_id);
CREATE INDEX bond_container ON bond (container_id);

CREATE TABLE container_bond (
    id               BIGINT  NOT NULL PRIMARY KEY,
    container_id     BIGINT  NOT NULL REFERENCES container (id),
    address_space_id BIGINT  NOT NULL REFERENCES address_space (id),
    iopf             BOOLEAN NOT NULL,
    driver_data      VARCHAR(4096),
    created_at       TIMESTAMP WITH TIME ZONE NOT NULL,
    CONSTRAINT container_bond_unique UNIQUE (container_id, address_space_id)
);

CREATE TABLE event (
    node_id      BIGINT       NOT NULL REFERENCES node (id),
    seq          BIGINT       NOT NULL,
    occurred_at  TIMESTAMP WITH TIME ZONE NOT NULL,
    type         VARCHAR(40)  NOT NULL,
    subject_kind VARCHAR(20)  NOT NULL,
    subject_id   VARCHAR(40)  NOT NULL,
    -- a BOND_REVOKED carries up to 4,096 characters of driverData, each up to 6 once JSON-escaped
    data         VARCHAR(65536) NOT NULL,
    PRIMARY KEY (node_id, seq)
);
