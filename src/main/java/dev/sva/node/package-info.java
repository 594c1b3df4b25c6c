/**
 * Nodes: one host, one IOMMU. A node scopes every other object, owns the PASID space and the address
 * widths, and its row is the lock every mutation takes first: mutations of one node are serialised,
 * which keeps the rules of DOMAIN.md true under concurrent requests and numbers the node's events
 * without gaps.
 */
package dev.sva.node;
