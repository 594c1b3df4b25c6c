package dev.sva.topology.fabric;

import java.util.List;

public final class LspciParser {
    private LspciParser() {
    }

    public static ParsedListing parse(String lspciVvvNnText) {
        throw new UnsupportedOperationException("not yet");
    }
}
