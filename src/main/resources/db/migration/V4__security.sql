-- Issue 10, stage 1: every event names its actor, the caller whose request made it (SECURITY.md, "Audit").
-- Events written before this migration, and the service's own background work, are the actor 'system'.
ALTER TABLE event ADD COLUMN actor_subject VARCHAR(255) DEFAULT 'system' NOT NULL;
ALTER TABLE event ADD COLUMN actor_role VARCHAR(20);
ALTER TABLE event ADD COLUMN actor_tenant VARCHAR(128);
