package dev.sva.translation.engine;

import java.util.ArrayList;
import java.util.List;

/**
 * A VFIO container / iommufd IOAS: the IOVA mappings shared by the devices of its attached groups.
 *
 * <p>Threading: {@link #groups} is written and read by the engine writer only; see {@link Space} for the rest.
 */
final class Container extends Space {

    final List<Group> groups = new ArrayList<>(2);

    Container(long id) {
        super(id);
    }
}
