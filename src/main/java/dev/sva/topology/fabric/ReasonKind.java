package dev.sva.topology.fabric;

/** Why a function shares its group. */
public enum ReasonKind { ACS_PATH, MULTIFUNCTION, DMA_ALIAS, HOST_REPORTED, DECLARED }
