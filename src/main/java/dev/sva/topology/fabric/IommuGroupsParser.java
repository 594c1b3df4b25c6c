package dev.sva.topology.fabric;

import java.util.List;

public final class IommuGroupsParser {
    private IommuGroupsParser() {
    }

    public static List<List<PciAddress>> parse(String findSysKernelIommuGroupsText) {
        throw new UnsupportedOperationException("not yet");
    }
}
