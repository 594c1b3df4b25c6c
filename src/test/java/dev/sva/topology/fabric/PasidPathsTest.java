package dev.sva.topology.fabric;

import static dev.sva.topology.fabric.Fx.a;
import static dev.sva.topology.fabric.Fx.acs;
import static dev.sva.topology.fabric.Fx.dp;
import static dev.sva.topology.fabric.Fx.ep;
import static dev.sva.topology.fabric.Fx.fabric;
import static dev.sva.topology.fabric.Fx.rp;
import static dev.sva.topology.fabric.Fx.up;
import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** pci_enable_pasid() needs pci_acs_path_enabled(pdev, NULL, RR | UF) (drivers/pci/ats.c). */
class PasidPathsTest {

    @Test
    void aFullyIsolatedPathAllowsPasid() {
        Fabric f = fabric(acs(rp("00:01.0", 1, 1)), ep("01:00.0"));
        assertThat(PasidPaths.check(f, a("01:00.0"))).isEqualTo(new PasidPath(true, null, null));
    }

    @Test
    void aRootPortWithoutUpstreamForwardingRefusesPasidNamingTheFlag() {
        Fabric f = fabric(acs(rp("00:01.0", 1, 1), "SV RR CR UF", "SV RR CR"), ep("01:00.0"));
        PasidPath p = PasidPaths.check(f, a("01:00.0"));
        assertThat(p.isolated()).isFalse();
        assertThat(p.bridge()).isEqualTo(a("00:01.0"));
        assertThat(p.missing()).containsExactly(AcsFlag.UF);
    }

    @Test
    void onlyRrAndUfCountSourceValidationDoesNot() {
        Fabric f = fabric(acs(rp("00:01.0", 1, 1), "SV RR CR UF", "RR UF"), ep("01:00.0"));
        assertThat(PasidPaths.check(f, a("01:00.0")).isolated()).isTrue();
    }

    @Test
    void theFirstFailingBridgeOnTheWholePathIsNamed() {
        Fabric f = fabric(rp("00:01.0", 1, 3), up("01:00.0", 2, 3), acs(dp("02:00.0", 3, 3)), ep("03:00.0"));
        PasidPath p = PasidPaths.check(f, a("03:00.0"));
        assertThat(p.bridge()).isEqualTo(a("00:01.0"));
        assertThat(p.missing()).containsExactlyInAnyOrder(AcsFlag.RR, AcsFlag.UF);
    }

    @Test
    void aMultifunctionEndpointItselfMustRedirect() {
        Fabric f = fabric(acs(rp("00:01.0", 1, 1)), ep("01:00.0"), ep("01:00.1"));
        PasidPath p = PasidPaths.check(f, a("01:00.1"));
        assertThat(p.isolated()).isFalse();
        assertThat(p.bridge()).isEqualTo(a("01:00.1"));
    }

    @Test
    void aVirtualFunctionIsCheckedOnItsPfsPath() {
        Fabric ok = fabric(acs(rp("00:01.0", 1, 2)), ep("01:00.0"), ep("02:00.0").withVirtualFunction(true));
        assertThat(PasidPaths.check(ok, a("02:00.0")).isolated()).isTrue();
        Fabric bad = fabric(rp("00:01.0", 1, 2), ep("01:00.0"), ep("02:00.0").withVirtualFunction(true));
        assertThat(PasidPaths.check(bad, a("02:00.0")).bridge()).isEqualTo(a("00:01.0"));
    }
}
