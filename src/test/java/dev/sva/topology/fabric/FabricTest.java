package dev.sva.topology.fabric;

import static dev.sva.topology.fabric.Fx.a;
import static dev.sva.topology.fabric.Fx.acs;
import static dev.sva.topology.fabric.Fx.dp;
import static dev.sva.topology.fabric.Fx.ep;
import static dev.sva.topology.fabric.Fx.fabric;
import static dev.sva.topology.fabric.Fx.rp;
import static dev.sva.topology.fabric.Fx.up;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Fabric.of refuses what no host can have, naming the function, the field and the reason. */
class FabricTest {

    private static FabricException refused(PciFunction... fs) {
        try {
            fabric(fs);
        } catch (FabricException e) {
            return e;
        }
        throw new AssertionError("accepted");
    }

    @Test
    void refusesADuplicateAddress() {
        FabricException e = refused(ep("00:02.0"), ep("0000:00:02.0"));
        assertThat(e.bdf()).isEqualTo("0000:00:02.0");
        assertThat(e.field()).isEqualTo("bdf");
        assertThat(e.reason()).contains("twice");
    }

    @Test
    void refusesABridgeWhoseSecondaryBusIsItsOwn() {
        FabricException e = refused(rp("00:01.0", 0, 0));
        assertThat(e.field()).isEqualTo("secondaryBus");
        assertThat(e.reason()).contains("loop");
    }

    @Test
    void refusesABridgeWhoseSecondaryBusIsAnAncestorsBus() {
        FabricException e = refused(rp("00:01.0", 1, 3), up("01:00.0", 2, 3), dp("02:00.0", 1, 1));
        assertThat(e.bdf()).isEqualTo("0000:02:00.0");
        assertThat(e.field()).isEqualTo("secondaryBus");
        assertThat(e.reason()).contains("already the secondary bus of 0000:00:01.0");
        FabricException loop = refused(rp("00:01.0", 2, 3), up("02:00.0", 3, 3), dp("03:00.0", 0, 0));
        assertThat(loop.reason()).contains("loop");
    }

    @Test
    void refusesOverlappingSiblingRanges() {
        FabricException e = refused(rp("00:01.0", 1, 4), rp("00:02.0", 3, 5));
        assertThat(e.bdf()).isEqualTo("0000:00:02.0");
        assertThat(e.reason()).contains("overlaps");
    }

    @Test
    void refusesAChildRangeLeavingItsParents() {
        FabricException e = refused(rp("00:01.0", 1, 2), up("01:00.0", 2, 5));
        assertThat(e.field()).isEqualTo("subordinateBus");
        assertThat(e.reason()).contains("leaves the range");
    }

    @Test
    void refusesASubordinateBelowTheSecondary() {
        FabricException e = refused(rp("00:01.0", 3, 2));
        assertThat(e.field()).isEqualTo("subordinateBus");
    }

    @Test
    void refusesOutOfRangeNumbers() {
        assertThat(refused(rp("00:01.0", 1, 256)).field()).isEqualTo("subordinateBus");
        assertThat(refused(ep("00:02.0").withDmaAliases(List.of(256))).field()).isEqualTo("dmaAliases");
        assertThat(refused(ep("00:02.0").withIds(0x10000, 1)).field()).isEqualTo("vendorId");
        assertThat(refused(ep("00:02.0").withCapabilities(21, false, false)).field()).isEqualTo("pasidBits");
        assertThatThrownBy(() -> PciAddress.parse("00:20.0")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> PciAddress.parse("0000:00:01.8")).hasMessageContaining("function");
    }

    @Test
    void refusesBusNumbersOnNonBridgesAndMissingOnBridges() {
        assertThat(refused(ep("00:02.0").withBuses(1, 1)).field()).isEqualTo("secondaryBus");
        assertThat(refused(PciFunction.of(a("00:01.0"), PortType.ROOT_PORT)).field()).isEqualTo("secondaryBus");
    }

    @Test
    void refusesAFunctionOnABusNoBridgeLeadsTo() {
        FabricException e = refused(rp("00:01.0", 1, 4), ep("03:00.0"));
        assertThat(e.bdf()).isEqualTo("0000:03:00.0");
        assertThat(e.reason()).contains("virtual bus");
        // An SR-IOV VF may sit there.
        assertThat(fabric(rp("00:01.0", 1, 4), ep("01:00.0"), ep("03:00.0").withVirtualFunction(true)).size())
                .isEqualTo(3);
    }

    @Test
    void refusesMoreThan65536Functions() {
        List<PciFunction> fs = new ArrayList<>(Fabric.MAX_FUNCTIONS + 1);
        for (int i = 0; i <= Fabric.MAX_FUNCTIONS; i++) {
            fs.add(ep(String.format("%04x:%02x:%02x.%d", i >> 16, (i >> 8) & 0xff, (i >> 3) & 0x1f, i & 7)));
        }
        FabricException e = null;
        try {
            Fabric.of(fs);
        } catch (FabricException ex) {
            e = ex;
        }
        assertThat(e).isNotNull();
        assertThat(e.field()).isEqualTo("functions");
        assertThat(Fabric.of(fs.subList(0, Fabric.MAX_FUNCTIONS)).size()).isEqualTo(Fabric.MAX_FUNCTIONS);
    }

    @Test
    void aDeepChainOfBridgesIsAcceptedWithoutRecursion() {
        List<PciFunction> fs = new ArrayList<>();
        for (int bus = 0; bus < 255; bus++) {
            fs.add(Fx.bridge(String.format("%02x:00.0", bus), bus % 2 == 0 ? PortType.UPSTREAM_PORT
                    : PortType.DOWNSTREAM_PORT, bus + 1, 255));
        }
        fs.add(ep("ff:00.0"));
        Fabric f = Fabric.of(fs);
        assertThat(GroupDerivation.derive(f).groups()).isNotEmpty();
        assertThat(PasidPaths.check(f, a("ff:00.0")).isolated()).isFalse();
    }

    @Test
    void bridgeAboveAndWhatIfEdits() {
        Fabric f = fabric(rp("00:01.0", 1, 1), ep("01:00.0"));
        assertThat(f.bridgeAbove(a("01:00.0")).map(PciFunction::address)).contains(a("00:01.0"));
        assertThat(f.bridgeAbove(a("00:01.0"))).isEmpty();
        assertThat(f.without(a("00:01.0")).size()).isZero(); // a bridge goes with its subtree
        assertThat(f.with(ep("00:02.0")).size()).isEqualTo(3);
        assertThat(refusedEdit(() -> f.withAcsControl(a("00:01.0"), Set.of(AcsFlag.RR))).field()).isEqualTo("acs");
        Fabric g = fabric(acs(rp("00:01.0", 1, 1), "SV RR CR UF", ""), ep("01:00.0"));
        assertThat(refusedEdit(() -> g.withAcsControl(a("00:01.0"), Set.of(AcsFlag.EC))).field()).isEqualTo("acs.ctl");
        assertThat(g.withAcsControl(a("00:01.0"), Set.of(AcsFlag.RR)).function(a("00:01.0")).orElseThrow().acs().ctl())
                .containsExactly(AcsFlag.RR);
    }

    private static FabricException refusedEdit(Runnable r) {
        try {
            r.run();
        } catch (FabricException e) {
            return e;
        }
        throw new AssertionError("accepted");
    }
}
