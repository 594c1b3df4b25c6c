/**
 * The replica set (docs/replicas.md): several processes of the service on one PostgreSQL, each with its
 * own translation engine fed from the journal. Each holds a lease in the {@code replica} table that it
 * renews only while it can prove it is current, listens for the journal's wake-ups on a dedicated
 * connection, acknowledges what it applied, fences its DMA answers ({@code 503 REPLICA_NOT_CURRENT})
 * before its lease can have expired, and makes a writer wait until every live replica applied the
 * change. On H2 the process is alone.
 */
package dev.sva.replica;
