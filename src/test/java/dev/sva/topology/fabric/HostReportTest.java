package dev.sva.topology.fabric;

import static dev.sva.topology.fabric.Fx.a;
import static dev.sva.topology.fabric.Fx.acs;
import static dev.sva.topology.fabric.Fx.derive;
import static dev.sva.topology.fabric.Fx.ep;
import static dev.sva.topology.fabric.Fx.groupsOf;
import static dev.sva.topology.fabric.Fx.rp;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The enforced groups are the connected components of derivation and host report; divergences are named. */
class HostReportTest {

    private static List<PciAddress> g(String... bdfs) {
        return java.util.Arrays.stream(bdfs).map(Fx::a).toList();
    }

    @Test
    void withoutAReportTheDerivationIsEnforced() {
        Derivation d = derive(rp("00:01.0", 1, 1), ep("01:00.0"));
        Enforced e = HostReport.enforce(d, List.of());
        assertThat(e.groups()).isEqualTo(d.groups());
        assertThat(e.divergences()).isEmpty();
    }

    @Test
    void anAcsOverrideHostIsFinerAndTheDerivedGroupIsKept() {
        Derivation d = derive(rp("00:01.0", 1, 1), ep("01:00.0"));
        Enforced e = HostReport.enforce(d, List.of(g("00:01.0"), g("01:00.0")));
        assertThat(groupsOf(e.groups())).containsExactly("00:01.0 01:00.0");
        assertThat(e.divergences()).hasSize(2).allSatisfy(v -> {
            assertThat(v.kind()).isEqualTo(DivergenceKind.HOST_FINER);
            assertThat(v.derivedGroup()).containsExactly(a("00:01.0"), a("01:00.0"));
        });
    }

    @Test
    void aHostThatKnowsAQuirkIsCoarserAndWins() {
        Derivation d = derive(acs(rp("00:01.0", 1, 1)), ep("01:00.0"));
        Enforced e = HostReport.enforce(d, List.of(g("00:01.0", "01:00.0")));
        assertThat(groupsOf(e.groups())).containsExactly("00:01.0 01:00.0");
        assertThat(e.divergences()).extracting(Divergence::kind)
                .containsExactly(DivergenceKind.HOST_COARSER, DivergenceKind.HOST_COARSER);
        assertThat(e.groups().get(0).reasons()).anySatisfy(r -> assertThat(r.kind()).isEqualTo(ReasonKind.HOST_REPORTED));
    }

    @Test
    void crossingGroupsAreBothFinerAndCoarserAndJoinTransitively() {
        Derivation d = derive(rp("00:01.0", 1, 1), ep("01:00.0"), ep("00:02.0"));
        Enforced e = HostReport.enforce(d, List.of(g("00:01.0"), g("01:00.0", "00:02.0")));
        assertThat(groupsOf(e.groups())).containsExactly("00:01.0 00:02.0 01:00.0");
        assertThat(e.divergences()).extracting(Divergence::kind).contains(DivergenceKind.HOST_FINER,
                DivergenceKind.HOST_COARSER);
    }

    @Test
    void anAgreeingReportChangesNothingAndNamesNoDivergence() {
        Derivation d = derive(rp("00:01.0", 1, 1), ep("01:00.0"), ep("00:02.0"));
        Enforced e = HostReport.enforce(d, List.of(g("00:01.0", "01:00.0"), g("00:02.0")));
        assertThat(e.groups()).isEqualTo(d.groups());
        assertThat(e.divergences()).isEmpty();
    }

    @Test
    void unknownFunctionsInTheReportAreWarnedAndIgnored() {
        Derivation d = derive(ep("00:02.0"));
        Enforced e = HostReport.enforce(d, List.of(g("00:02.0", "00:09.0")));
        assertThat(groupsOf(e.groups())).containsExactly("00:02.0");
        assertThat(e.warnings()).anySatisfy(w -> {
            assertThat(w.kind()).isEqualTo(Warning.HOST_REPORT_MISMATCH);
            assertThat(w.bdf()).isEqualTo(a("00:09.0"));
        });
    }
}
