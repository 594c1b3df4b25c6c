/**
 * The change stream: every committed change of a node is an event numbered by the node's gap-free
 * {@code seq}, written in the same transaction as the change, so a watcher that reads events in
 * order sees exactly the committed history.
 */
package dev.sva.event;
