/**
 * The isolation policy: whether a container bind may cover a multi-device IOMMU group
 * ({@code GROUP_AWARE}, the seed's proposal) or not ({@code STRICT}, the default). Set once by
 * configuration ({@code sva.isolation}, environment {@code SVA_ISOLATION}).
 */
package dev.sva.policy;
