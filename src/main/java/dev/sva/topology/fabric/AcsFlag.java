package dev.sva.topology.fabric;

import java.util.Collections;
import java.util.EnumSet;
import java.util.Set;

/**
 * The ACS capability/control bits ({@code PCI_ACS_SV} … {@code PCI_ACS_DT}, {@code include/uapi/linux/pci_regs.h}),
 * in register order, with the names lspci prints for them.
 */
public enum AcsFlag {
    /** Source Validation, lspci {@code SrcValid}. */
    SV("SrcValid", 0x01),
    /** Translation Blocking, lspci {@code TransBlk}. */
    TB("TransBlk", 0x02),
    /** P2P Request Redirect, lspci {@code ReqRedir}. */
    RR("ReqRedir", 0x04),
    /** P2P Completion Redirect, lspci {@code CmpltRedir}. */
    CR("CmpltRedir", 0x08),
    /** Upstream Forwarding, lspci {@code UpstreamFwd}. */
    UF("UpstreamFwd", 0x10),
    /** P2P Egress Control, lspci {@code EgressCtrl}. */
    EC("EgressCtrl", 0x20),
    /** Direct Translated P2P, lspci {@code DirectTrans}. */
    DT("DirectTrans", 0x40);

    private final String lspciName;
    private final int bit;

    AcsFlag(String lspciName, int bit) {
        this.lspciName = lspciName;
        this.bit = bit;
    }

    /** The name lspci prints in {@code ACSCap:} / {@code ACSCtl:}. */
    public String lspciName() {
        return lspciName;
    }

    /** The bit in the ACS capability and control registers. */
    public int bit() {
        return bit;
    }

    /** {@code REQ_ACS_FLAGS} of {@code drivers/iommu/iommu.c}: SV | RR | CR | UF. */
    public static final Set<AcsFlag> REQ_ACS_FLAGS = Collections.unmodifiableSet(EnumSet.of(SV, RR, CR, UF));

    /** The flags {@code pci_enable_pasid()} requires on the path: RR | UF. */
    public static final Set<AcsFlag> PASID_FLAGS = Collections.unmodifiableSet(EnumSet.of(RR, UF));

    public static int mask(Set<AcsFlag> flags) {
        int m = 0;
        for (AcsFlag f : flags) {
            m |= f.bit;
        }
        return m;
    }

    public static Set<AcsFlag> fromMask(int mask) {
        EnumSet<AcsFlag> s = EnumSet.noneOf(AcsFlag.class);
        for (AcsFlag f : values()) {
            if ((mask & f.bit) != 0) {
                s.add(f);
            }
        }
        return Collections.unmodifiableSet(s);
    }
}
