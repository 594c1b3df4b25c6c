package dev.sva.topology.fabric;

/**
 * Whether {@code pci_enable_pasid()} ({@code drivers/pci/ats.c}) would succeed on a function's path: it fails
 * unless {@code pci_acs_path_enabled(pdev, NULL, PCI_ACS_RR | PCI_ACS_UF)} — the function itself and every bridge
 * up to the root pass {@code pci_acs_enabled} for RR|UF. A PASID-tagged request could otherwise be routed
 * peer-to-peer before the IOMMU sees its PASID.
 */
public final class PasidPaths {

    private PasidPaths() {
    }

    /**
     * @throws FabricException when the fabric has no function {@code a}
     */
    public static PasidPath check(Fabric f, PciAddress a) {
        PciFunction start = f.function(a).orElseThrow(() -> new FabricException(a.toString(), "bdf",
                "no such function"));
        AcsRules rules = new AcsRules(f);
        PciFunction from = start;
        if (start.virtualFunction()) {
            // pci_enable_pasid(): a VF shares its PF's PASID configuration and returns early; the PF's check covered
            // the bridges above, which are the VF's too. Check those.
            int bus = start.address().busKey();
            from = null;
            while (!f.isRootBus(bus)) {
                PciFunction self = f.busSelf(bus);
                if (self != null) {
                    from = self;
                    break;
                }
                bus = f.parentBus(bus);
            }
            if (from == null) {
                return new PasidPath(true, null, null);
            }
        }
        PciFunction failure = rules.pathFailure(from, AcsRules.PASID_FLAGS);
        if (failure == null) {
            return new PasidPath(true, null, null);
        }
        return new PasidPath(false, failure.address(),
                AcsFlag.fromMask(rules.missing(failure, AcsRules.PASID_FLAGS)));
    }
}
