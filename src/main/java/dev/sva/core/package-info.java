/**
 * What every feature shares: the problem catalogue and its HTTP mapping, the address and size codecs,
 * opaque ids, list pages, and {@link dev.sva.core.StateChange}, the vocabulary in which committed
 * changes reach the translation engine. Nothing here knows a feature.
 */
package dev.sva.core;
