package dev.sva.topology.fabric;

import static dev.sva.topology.fabric.Fx.acs;
import static dev.sva.topology.fabric.Fx.bridge;
import static dev.sva.topology.fabric.Fx.derive;
import static dev.sva.topology.fabric.Fx.ep;
import static dev.sva.topology.fabric.Fx.fabric;
import static dev.sva.topology.fabric.Fx.fn;
import static dev.sva.topology.fabric.Fx.groups;
import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

/** pci_acs_enabled() by port type, and pci_acs_flags_enabled()'s hard-wired rule (drivers/pci/pci.c). */
class AcsRulesTest {

    private static PciFunction of(PortType t) {
        return t.isBridge() ? bridge("00:01.0", t, 1, 1) : fn("00:01.0", t);
    }

    @ParameterizedTest(name = "{0}: no ACS cap → single-function {1}, multifunction {2}; full ACS → {3}")
    @CsvSource({
        "ROOT_PORT,              false, false, true",
        "DOWNSTREAM_PORT,        false, false, true",
        "ENDPOINT,               true,  false, true",
        "UPSTREAM_PORT,          true,  false, true",
        "LEGACY_ENDPOINT,        true,  false, true",
        "RC_INTEGRATED_ENDPOINT, true,  false, true",
        "RC_EVENT_COLLECTOR,     false, false, false",
        "PCIE_TO_PCI_BRIDGE,     false, false, false",
        "PCI_TO_PCIE_BRIDGE,     false, false, false",
        "PCI_BRIDGE,             false, false, false",
        "PCI,                    false, false, false"})
    void everyPortTypeAnswersAsPciAcsEnabled(PortType type, boolean single, boolean multi, boolean withAcs) {
        PciFunction f = of(type);
        assertThat(new AcsRules(fabric(f)).enabled(f, AcsRules.REQ_ACS_FLAGS)).isEqualTo(single);
        PciFunction mf = f.withMultifunction(true);
        assertThat(new AcsRules(fabric(mf)).enabled(mf, AcsRules.REQ_ACS_FLAGS)).isEqualTo(multi);
        PciFunction full = acs(mf);
        assertThat(new AcsRules(fabric(full)).enabled(full, AcsRules.REQ_ACS_FLAGS)).isEqualTo(withAcs);
    }

    @Test
    void egressControlIsNeverTakenAsHardWired() {
        PciFunction port = acs(bridge("00:01.0", PortType.DOWNSTREAM_PORT, 1, 1), "SV RR CR UF", "SV RR CR UF");
        AcsRules r = new AcsRules(fabric(port));
        assertThat(r.enabled(port, AcsFlag.EC.bit())).isFalse(); // flags &= (cap | EC): EC stays requested
        assertThat(r.enabled(port, AcsFlag.TB.bit())).isTrue(); // TB not in cap: hard-wired
    }

    @Test
    void theMissingFlagsAreThoseTheControlLacks() {
        PciFunction port = acs(bridge("00:01.0", PortType.ROOT_PORT, 1, 1), "SV RR CR UF EC", "SV CR");
        AcsRules r = new AcsRules(fabric(port));
        assertThat(AcsFlag.fromMask(r.missing(port, AcsRules.REQ_ACS_FLAGS)))
                .containsExactlyInAnyOrder(AcsFlag.RR, AcsFlag.UF);
    }

    @Test
    void aMultifunctionUpstreamPortWithoutAcsIsNotIsolated() {
        // Two upstream ports in one slot (a multifunction switch upstream): pci_acs_enabled checks the capability.
        Derivation d = derive(acs(bridge("00:01.0", PortType.ROOT_PORT, 1, 3)),
                bridge("01:00.0", PortType.UPSTREAM_PORT, 2, 2), bridge("01:00.1", PortType.UPSTREAM_PORT, 3, 3));
        assertThat(groups(d)).containsExactly("00:01.0", "01:00.0 01:00.1");
    }

    @Test
    void anRcEventCollectorInAMultifunctionSlotJoinsItsSiblings() {
        Derivation d = derive(fn("00:05.0", PortType.RC_EVENT_COLLECTOR), acs(fn("00:05.1",
                PortType.RC_INTEGRATED_ENDPOINT)), fn("00:05.2", PortType.RC_INTEGRATED_ENDPOINT));
        assertThat(groups(d)).containsExactly("00:05.0 00:05.2", "00:05.1");
    }

    @Test
    void aLegacyEndpointInASlotWithoutAcsJoinsItsSibling() {
        Derivation d = derive(acs(bridge("00:01.0", PortType.ROOT_PORT, 1, 1)),
                fn("01:00.0", PortType.LEGACY_ENDPOINT), ep("01:00.1"));
        assertThat(groups(d)).containsExactly("00:01.0", "01:00.0 01:00.1");
    }
}
