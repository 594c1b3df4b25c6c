package dev.sva.topology.fabric;

/** A peer-to-peer path from a requester to a peer. */
public record PeerLink(PciAddress from, PciAddress to) {}
