package dev.sva.topology.fabric;

import static dev.sva.topology.fabric.Fx.a;
import static dev.sva.topology.fabric.Fx.acs;
import static dev.sva.topology.fabric.Fx.bar;
import static dev.sva.topology.fabric.Fx.dp;
import static dev.sva.topology.fabric.Fx.ep;
import static dev.sva.topology.fabric.Fx.fabric;
import static dev.sva.topology.fabric.Fx.rp;
import static dev.sva.topology.fabric.Fx.up;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.EnumSet;
import java.util.List;
import org.junit.jupiter.api.Test;

class WhatIfTest {

    private static Enforced enforce(Fabric f) {
        return HostReport.enforce(GroupDerivation.derive(f), List.of());
    }

    @Test
    void enablingRequestRedirectOnAPortSplitsItsGroupAndClosesThePeerPath() {
        Fabric before = fabric(acs(rp("00:01.0", 1, 4)), up("01:00.0", 2, 4), acs(dp("02:00.0", 3, 3)),
                acs(dp("02:01.0", 4, 4), "SV RR CR UF", "SV CR UF"),
                bar(ep("03:00.0"), 0, 0xa000_0000L, 0x1000), bar(ep("04:00.0"), 0, 0xb000_0000L, 0x1000));
        Fabric after = before.withAcsControl(a("02:01.0"), EnumSet.of(AcsFlag.SV, AcsFlag.RR, AcsFlag.CR, AcsFlag.UF));
        GroupDiff diff = WhatIf.compare(before, enforce(before), after, enforce(after));
        assertThat(diff.split()).containsExactly(List.of(a("02:01.0"), a("04:00.0")));
        assertThat(diff.merged()).isEmpty();
        assertThat(diff.peerPathsClosed()).containsExactly(new PeerLink(a("04:00.0"), a("03:00.0")));
        assertThat(diff.peerPathsOpened()).isEmpty();
        GroupDiff back = WhatIf.compare(after, enforce(after), before, enforce(before));
        assertThat(back.merged()).containsExactly(List.of(a("02:01.0"), a("04:00.0")));
        assertThat(back.peerPathsOpened()).containsExactly(new PeerLink(a("04:00.0"), a("03:00.0")));
    }

    @Test
    void plugAndUnplugAloneNeitherSplitNorMerge() {
        Fabric before = fabric(rp("00:01.0", 1, 1), ep("01:00.0"));
        Fabric after = before.with(ep("01:00.1"));
        GroupDiff diff = WhatIf.compare(before, enforce(before), after, enforce(after));
        assertThat(diff.split()).isEmpty();
        assertThat(diff.merged()).isEmpty();
    }
}
