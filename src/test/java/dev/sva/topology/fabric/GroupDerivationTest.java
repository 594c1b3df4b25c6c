package dev.sva.topology.fabric;

import static dev.sva.topology.fabric.Fx.a;
import static dev.sva.topology.fabric.Fx.acs;
import static dev.sva.topology.fabric.Fx.bridge;
import static dev.sva.topology.fabric.Fx.derive;
import static dev.sva.topology.fabric.Fx.dp;
import static dev.sva.topology.fabric.Fx.ep;
import static dev.sva.topology.fabric.Fx.fn;
import static dev.sva.topology.fabric.Fx.groupOf;
import static dev.sva.topology.fabric.Fx.groups;
import static dev.sva.topology.fabric.Fx.ids;
import static dev.sva.topology.fabric.Fx.rp;
import static dev.sva.topology.fabric.Fx.up;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Each step of pci_device_group() (TOPOLOGY.md), one behaviour per test; each fails if its step is removed. */
class GroupDerivationTest {

    // --- step 1: DMA aliases through bridges (pci_for_each_dma_alias) ---

    @Test
    void functionsBehindAPcieToPciBridgeShareTheBridgesGroupAsItsDmaAlias() {
        Derivation d = derive(acs(rp("00:01.0", 1, 2)),
                bridge("01:00.0", PortType.PCIE_TO_PCI_BRIDGE, 2, 2),
                fn("02:00.0", PortType.PCI), fn("02:01.0", PortType.PCI));
        assertThat(groups(d)).containsExactly("00:01.0", "01:00.0 02:00.0 02:01.0");
        assertThat(groupOf(d, "02:01.0").reasons()).anySatisfy(r -> {
            assertThat(r.kind()).isEqualTo(ReasonKind.DMA_ALIAS);
            assertThat(r.bdf()).isEqualTo(a("01:00.0"));
            assertThat(r.detail()).contains("02:00.0"); // aliases as (secondary bus, 00.0)
        });
    }

    @Test
    void theAliasWalkStopsAtABridgeXlateRoot() {
        // Broadcom Vulcan/ThunderX2 root (14e4:9000): PCI_DEV_FLAGS_BRIDGE_XLATE_ROOT ends the walk, so the child
        // joins through the ACS climb, not as an alias of the conventional bridge.
        PciFunction xlate = ids(bridge("01:00.0", PortType.PCI_BRIDGE, 2, 2), 0x14e4, 0x9000);
        Derivation d = derive(bridge("00:01.0", PortType.PCIE_TO_PCI_BRIDGE, 1, 2), xlate, fn("02:00.0", PortType.PCI));
        assertThat(groups(d)).containsExactly("00:01.0 01:00.0 02:00.0");
        List<Reason> reasons = groupOf(d, "02:00.0").reasons();
        assertThat(reasons).anySatisfy(r -> {
            assertThat(r.kind()).isEqualTo(ReasonKind.ACS_PATH);
            assertThat(r.bdf()).isEqualTo(a("01:00.0"));
        });
        assertThat(reasons).noneSatisfy(r -> {
            assertThat(r.kind()).isEqualTo(ReasonKind.DMA_ALIAS);
            assertThat(r.bdf()).isEqualTo(a("01:00.0"));
        });
    }

    // --- step 2: the ACS path climb with REQ_ACS_FLAGS ---

    @Test
    void rootPortWithoutAcsMergesItsEndpoints() {
        Derivation d = derive(rp("00:01.0", 1, 1), acs(ep("01:00.0")), acs(ep("01:00.1")));
        assertThat(groups(d)).containsExactly("00:01.0 01:00.0 01:00.1");
        Reason r = groupOf(d, "01:00.0").reasons().get(0);
        assertThat(r.kind()).isEqualTo(ReasonKind.ACS_PATH);
        assertThat(r.bdf()).isEqualTo(a("00:01.0"));
        assertThat(r.missing()).containsExactlyInAnyOrder(AcsFlag.SV, AcsFlag.RR, AcsFlag.CR, AcsFlag.UF);
    }

    @Test
    void rootPortWithAcsIsolatesItsEndpoint() {
        Derivation d = derive(acs(rp("00:01.0", 1, 1)), ep("01:00.0"));
        assertThat(groups(d)).containsExactly("00:01.0", "01:00.0");
    }

    @Test
    void downstreamPortWithoutRequestRedirectMergesItsSiblings() {
        // Two functions below one downstream port, each ACS-isolated as functions; the port lacks RR.
        Derivation d = derive(acs(rp("00:01.0", 1, 3)), up("01:00.0", 2, 3),
                acs(dp("02:00.0", 3, 3), "SV RR CR UF", "SV CR UF"), acs(ep("03:00.0")), acs(ep("03:00.1")));
        assertThat(groups(d)).containsExactly("00:01.0", "01:00.0", "02:00.0 03:00.0 03:00.1");
        assertThat(groupOf(d, "03:00.1").reasons().get(0).missing()).containsExactly(AcsFlag.RR);
    }

    @Test
    void aFlagTheCapabilityLacksCountsAsHardWiredEnabled() {
        // cap without RR: flags &= (cap | EC) drops RR from the request (pci_acs_flags_enabled).
        Derivation d = derive(acs(rp("00:01.0", 1, 1), "SV CR UF", "SV CR UF"), ep("01:00.0"), ep("01:01.0"));
        assertThat(groups(d)).containsExactly("00:01.0", "01:00.0", "01:01.0");
    }

    @Test
    void aFlagTheCapabilityHasButControlLacksFailsThePath() {
        Derivation d = derive(acs(rp("00:01.0", 1, 1), "SV RR CR UF", "SV RR CR"), ep("01:00.0"));
        assertThat(groups(d)).containsExactly("00:01.0 01:00.0");
        assertThat(groupOf(d, "01:00.0").reasons().get(0).missing()).containsExactly(AcsFlag.UF);
    }

    @Test
    void thePathCoversEveryBridgeUpToTheRoot() {
        // The downstream port is isolated, but the root port above is not: the whole tree is one group.
        Derivation d = derive(rp("00:01.0", 1, 3), up("01:00.0", 2, 3), acs(dp("02:00.0", 3, 3)), ep("03:00.0"));
        assertThat(groups(d)).containsExactly("00:01.0 01:00.0 02:00.0 03:00.0");
    }

    @Test
    void aSwitchWithPerPortAcsIsolatesEachPort() {
        Derivation d = derive(acs(rp("00:01.0", 1, 4)), up("01:00.0", 2, 4),
                acs(dp("02:00.0", 3, 3)), acs(dp("02:01.0", 4, 4)), ep("03:00.0"), ep("04:00.0"));
        assertThat(groups(d)).containsExactly("00:01.0", "01:00.0", "02:00.0", "02:01.0", "03:00.0", "04:00.0");
    }

    @Test
    void portDriversAreGroupMembersLikeAnyFunction() {
        Derivation d = derive(rp("00:1c.0", 1, 1).withDriver("pcieport"), ep("01:00.0"));
        assertThat(groupOf(d, "00:1c.0").members()).containsExactly(a("00:1c.0"), a("01:00.0"));
    }

    // --- step 4: aliases on the same bus (get_pci_alias_group) ---

    @Test
    void aDeclaredDmaAliasJoinsTheAliasedFunction() {
        Derivation d = derive(ep("00:02.0"), ep("00:03.0").withDmaAliases(List.of(0x10)));
        assertThat(groups(d)).containsExactly("00:02.0 00:03.0");
        assertThat(groupOf(d, "00:03.0").reasons()).singleElement().satisfies(r -> {
            assertThat(r.kind()).isEqualTo(ReasonKind.DMA_ALIAS);
            assertThat(r.detail()).contains("declared dmaAliases");
        });
    }

    @Test
    void anAliasIsSymmetricWhenTheAliasedFunctionComesLater() {
        Derivation d = derive(ep("00:02.0").withDmaAliases(List.of(0x18)), ep("00:03.0"));
        assertThat(groups(d)).containsExactly("00:02.0 00:03.0");
    }

    @Test
    void aliasesAreFollowedTransitively() {
        Derivation d = derive(ep("00:02.0"), ep("00:03.0").withDmaAliases(List.of(0x20)),
                ep("00:04.0").withDmaAliases(List.of(0x10)));
        assertThat(groups(d)).containsExactly("00:02.0 00:03.0 00:04.0");
    }

    // --- step 5: multifunction slots (get_pci_function_alias_group) ---

    @Test
    void aVgaAndAudioPairWithoutAcsSharesOneGroup() {
        Derivation d = derive(acs(rp("00:01.0", 1, 1)), ep("01:00.0").withClassName("VGA compatible controller"),
                ep("01:00.1").withClassName("Audio device"));
        assertThat(groups(d)).containsExactly("00:01.0", "01:00.0 01:00.1");
        assertThat(groupOf(d, "01:00.1").reasons()).singleElement().satisfies(r -> {
            assertThat(r.kind()).isEqualTo(ReasonKind.MULTIFUNCTION);
            assertThat(r.bdf()).isEqualTo(a("01:00.0"));
        });
    }

    @Test
    void aMultifunctionFunctionWithAcsStaysAlone() {
        Derivation d = derive(acs(rp("00:01.0", 1, 1)), ep("01:00.0"), ep("01:00.1"), acs(ep("01:00.2")));
        assertThat(groups(d)).containsExactly("00:01.0", "01:00.0 01:00.1", "01:00.2");
    }

    @Test
    void aLoneFunctionZeroIsSingleFunctionUnlessTheInputSaysOtherwise() {
        assertThat(groups(derive(ep("00:02.0"), ep("00:03.0")))).containsExactly("00:02.0", "00:03.0");
        // Declared multifunction without ACS: pci_acs_enabled checks the (absent) capability — still alone, since
        // no sibling fails with it, but the function is no longer "isolated by being single-function".
        Derivation d = derive(acs(rp("00:01.0", 1, 1)), ep("01:00.0").withMultifunction(true));
        assertThat(groups(d)).containsExactly("00:01.0", "01:00.0");
    }

    @Test
    void rootPortsOfOneSlotWithoutAcsShareAGroup() {
        Derivation d = derive(rp("00:1c.0", 1, 1), rp("00:1c.4", 2, 2), ep("01:00.0"), ep("02:00.0"));
        assertThat(groups(d)).containsExactly("00:1c.0 00:1c.4 01:00.0 02:00.0");
    }

    // --- order and virtual buses ---

    @Test
    void theInputOrderDoesNotMatterParentsAreDerivedFirst() {
        List<PciFunction> fs = new ArrayList<>(List.of(rp("00:1c.0", 1, 1), rp("00:1c.4", 2, 3), ep("01:00.0"),
                up("02:00.0", 3, 3), acs(ep("03:00.0")), ep("00:1f.0"), ep("00:1f.3")));
        List<String> expected = groups(GroupDerivation.derive(Fabric.of(fs)));
        for (int seed = 0; seed < 5; seed++) {
            Collections.shuffle(fs, new Random(seed));
            assertThat(groups(GroupDerivation.derive(Fabric.of(fs)))).isEqualTo(expected);
        }
    }

    @Test
    void virtualFunctionsAreNeverMultifunction() {
        PciFunction pf = ep("01:00.0");
        Derivation d = derive(acs(rp("00:01.0", 1, 1)), pf, ep("01:00.1").withVirtualFunction(true),
                ep("01:00.2").withVirtualFunction(true));
        assertThat(groups(d)).containsExactly("00:01.0", "01:00.0", "01:00.1", "01:00.2");
    }

    @Test
    void virtualFunctionsOnAVirtualBusClimbThroughThePfsBus() {
        PciFunction vf1 = ep("02:00.0").withVirtualFunction(true);
        PciFunction vf2 = ep("02:00.1").withVirtualFunction(true);
        assertThat(groups(derive(acs(rp("00:01.0", 1, 2)), ep("01:00.0"), vf1, vf2)))
                .containsExactly("00:01.0", "01:00.0", "02:00.0", "02:00.1");
        assertThat(groups(derive(rp("00:01.0", 1, 2), ep("01:00.0"), vf1, vf2)))
                .containsExactly("00:01.0 01:00.0 02:00.0 02:00.1");
    }

    // --- hosts give no group / unknown ACS ---

    @Test
    void theAmdIommusOwnFunctionGetsNoGroupAndAWarning() {
        PciFunction iommu = ids(fn("00:00.2", PortType.RC_INTEGRATED_ENDPOINT), 0x1022, 0x1451).withClassName("IOMMU");
        Derivation d = derive(ids(fn("00:00.0", PortType.PCI), 0x1022, 0x1450), iommu);
        assertThat(groups(d)).containsExactly("00:00.0");
        assertThat(d.groupOf(a("00:00.2"))).isEmpty();
        assertThat(d.warnings()).singleElement().satisfies(w -> {
            assertThat(w.kind()).isEqualTo(Warning.NO_GROUP);
            assertThat(w.bdf()).isEqualTo(a("00:00.2"));
        });
    }

    @Test
    void unknownAcsIsSaidAndTakenAsAbsent() {
        Derivation d = derive(rp("00:01.0", 1, 1).withAcsUnknown(true), ep("01:00.0"));
        assertThat(groups(d)).containsExactly("00:01.0 01:00.0");
        assertThat(d.warnings()).singleElement().satisfies(w -> {
            assertThat(w.kind()).isEqualTo(Warning.ACS_UNKNOWN);
            assertThat(w.bdf()).isEqualTo(a("00:01.0"));
        });
    }

    @Test
    void groupsComeInTheOrderOfTheirFirstMember() {
        Derivation d = derive(ep("00:1f.0"), ep("00:1f.3"), ep("00:02.0"), acs(rp("00:01.0", 1, 1)), ep("01:00.0"));
        assertThat(groups(d)).containsExactly("00:01.0", "00:02.0", "00:1f.0 00:1f.3", "01:00.0");
    }

    @Test
    void domainsAreDerivedSeparately() {
        Derivation d = derive(rp("0000:00:01.0", 1, 1), ep("0000:01:00.0"), acs(rp("0001:00:01.0", 1, 1)),
                ep("0001:01:00.0"));
        assertThat(groups(d)).containsExactly("00:01.0 01:00.0", "0001:00:01.0", "0001:01:00.0");
    }

    // --- the one case Linux's groups let a peer through (docs/topology.md "A known gap") ---

    /**
     * pci_device_group() checks only the requester's own path: below a switch port without Request Redirect the
     * device joins that port's group, yet the switch routes its DMA to a sibling port's window, whose device Linux
     * groups apart. The derivation keeps the kernel's groups and warns, naming the port — and only that port: a
     * sibling port with RR but without UF fails the path check too, but what it lets through stays in its own group.
     */
    @Test
    void onlyADownstreamPortWithoutRequestRedirectIsWarnedAsReachingAcrossGroups() {
        Fabric f = Fx.fabric(acs(rp("00:01.0", 1, 5)), up("01:00.0", 2, 5),
                acs(dp("02:00.0", 3, 3), "SV RR CR UF", "SV CR UF"), acs(dp("02:01.0", 4, 4)),
                acs(dp("02:02.0", 5, 5), "SV RR CR UF", "SV RR CR"),
                Fx.bar(ep("03:00.0"), 0, 0xa000_0000L, 0x1000), Fx.bar(ep("04:00.0"), 0, 0xb000_0000L, 0x1000),
                Fx.bar(ep("05:00.0"), 0, 0xc000_0000L, 0x1000));
        Derivation d = GroupDerivation.derive(f);
        assertThat(groups(d)).containsExactlyInAnyOrder("00:01.0", "01:00.0", "02:00.0 03:00.0", "02:01.0",
                "04:00.0", "02:02.0 05:00.0");
        assertThat(d.warnings()).filteredOn(w -> GroupDerivation.PEER_TO_PEER_ACROSS_GROUPS.equals(w.kind()))
                .extracting(Warning::bdf).containsExactly(a("02:00.0"));
        // What the warning is about: 03:00.0 reaches its sibling port's device, in another group.
        assertThat(Routing.reachablePeers(f, a("03:00.0"))).extracting(PeerPath::peer).contains(a("04:00.0"));
        assertThat(Routing.reachablePeers(f, a("05:00.0"))).extracting(PeerPath::peer).isEmpty();
    }
}
