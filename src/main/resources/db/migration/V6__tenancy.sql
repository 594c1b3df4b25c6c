-- Issue 10, stage 2: tenancy (SECURITY.md, "Whole-group allocation"; docs/domain.md rules 19-24).
-- Containers and address spaces belong to the tenant whose token made them; NULL is an object an admin
-- made, which belongs to no tenant. A bond (and its revocation record) carries the tenant of its
-- address space, fixed at bind time, so that lists of bonds filter by a column, not a join.
-- A group's tenant is its allocation: NULL while unallocated.
-- An event records, when it is written, the tenant whose object it is about (NULL: no tenant's), so
-- that a tenant's event list and stream are a query on this column.
ALTER TABLE container ADD COLUMN tenant VARCHAR(128);
ALTER TABLE address_space ADD COLUMN tenant VARCHAR(128);
ALTER TABLE iommu_group ADD COLUMN tenant VARCHAR(128);
ALTER TABLE bond ADD COLUMN tenant VARCHAR(128);
ALTER TABLE revoked_bond ADD COLUMN tenant VARCHAR(128);
ALTER TABLE event ADD COLUMN tenant VARCHAR(128);
CREATE INDEX event_tenant ON event (node_id, tenant, seq);
