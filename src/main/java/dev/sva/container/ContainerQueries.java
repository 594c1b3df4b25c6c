package dev.sva.container;

import dev.sva.core.StateChange;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;
import org.springframework.data.domain.Pageable;
import org.springframework.stereotype.Component;
import org.springframework.transaction.annotation.Propagation;
import org.springframework.transaction.annotation.Transactional;

/**
 * What other features may read of containers and their DMA mappings, so that the repositories stay
 * inside this package. Depends on nothing but the repositories (so {@code bond}, which
 * {@link ContainerService} calls through its port, reads here without a cycle). Joins the caller's
 * transaction; reads only.
 */
@Component
@Transactional(propagation = Propagation.SUPPORTS, readOnly = true)
public class ContainerQueries {

    private final ContainerRepository containers;
    private final DmaMappingRepository mappings;

    ContainerQueries(ContainerRepository containers, DmaMappingRepository mappings) {
        this.containers = containers;
        this.mappings = mappings;
    }

    public Optional<Container> container(long key) {
        return containers.findById(key);
    }

    /** The ids of the node's containers. */
    public long[] idsOf(long nodeId) {
        return containers.page(nodeId, null, 0, Pageable.unpaged()).stream().mapToLong(Container::id).toArray();
    }

    /** Every DMA mapping of the node ({@code null}: of every node) as a {@code Mapped}: to rebuild the engine. Answers how many. */
    public long replayMappings(Long nodeId, Consumer<StateChange> sink) {
        List<DmaMapping> rows = new ArrayList<>();
        if (nodeId == null) {
            rows = mappings.findAll();
        } else {
            for (long container : idsOf(nodeId)) {
                rows.addAll(mappings.allOf(container));
            }
        }
        for (DmaMapping m : rows) {
            sink.accept(new StateChange.Mapped(m.containerId(), m.iova(), m.size(), m.physicalAddress(), m.read(), m.write()));
        }
        return rows.size();
    }
}
