package dev.sva.core;

import jakarta.persistence.GeneratedValue;
import jakarta.persistence.GenerationType;
import jakarta.persistence.Id;
import jakarta.persistence.MappedSuperclass;

/**
 * An entity whose id its own database sequence hands out. The sequence is the one JPA names by
 * default, {@code <entity>_SEQ}, which the snake-case naming turns into {@code <table>_seq}
 * ({@code ContainerBond} → {@code container_bond_seq}); it steps by 50, Hibernate's default block
 * (allocationSize), as V1 creates it. A new entity has no id until it is persisted.
 */
@MappedSuperclass
public abstract class SequencedEntity {

    @Id
    @GeneratedValue(strategy = GenerationType.SEQUENCE)
    private Long id;

    protected SequencedEntity() {
    }

    public long id() {
        return id;
    }
}
