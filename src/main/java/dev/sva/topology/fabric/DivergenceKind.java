package dev.sva.topology.fabric;

/**
 * {@code HOST_FINER}: the host splits what the fabric cannot isolate (ACS override suspected); {@code HOST_COARSER}:
 * the host joins what the derivation separates (a quirk or alias the derivation lacks).
 */
public enum DivergenceKind { HOST_FINER, HOST_COARSER }
