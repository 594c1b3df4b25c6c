package dev.sva.topology;

import dev.sva.bond.Bond;
import dev.sva.core.Ids;
import dev.sva.topology.fabric.AcsFlag;
import dev.sva.topology.fabric.Divergence;
import dev.sva.topology.fabric.PciAddress;
import dev.sva.topology.fabric.Reason;
import dev.sva.topology.fabric.Warning;
import io.swagger.v3.oas.annotations.media.Schema;
import java.util.List;
import java.util.Set;

/** The JSON answers of the topology endpoints (TOPOLOGY.md "HTTP surface"). */
final class TopologyViews {

    private TopologyViews() {
    }

    @Schema(description = "A device of a group; id is null in a dry run for a device the import would plug in")
    record GroupMember(@Schema(nullable = true) String id, String bdf) {
    }

    @Schema(description = "Why a group holds more than one function")
    record IsolationReason(@Schema(allowableValues = {"ACS_PATH", "MULTIFUNCTION", "DMA_ALIAS", "HOST_REPORTED", "DECLARED"}) String kind,
                      @Schema(nullable = true, example = "0000:00:1c.0") String bdf,
                      @Schema(example = "[\"RR\", \"UF\"]") List<String> missing, String detail) {
        static IsolationReason of(Reason r) {
            return new IsolationReason(r.kind().name(), r.bdf() == null ? null : r.bdf().toString(), flags(r.missing()), r.detail());
        }
    }

    @Schema(description = "An enforced group; id is null in a dry run for a group the import would create")
    record EnforcedGroup(@Schema(nullable = true) String id, List<GroupMember> devices, List<IsolationReason> reasons) {
    }

    record DivergenceView(@Schema(allowableValues = {"HOST_FINER", "HOST_COARSER"}) String kind, List<String> hostGroup,
                          List<String> derivedGroup) {
        static DivergenceView of(Divergence d) {
            return new DivergenceView(d.kind().name(), bdfs(d.hostGroup()), bdfs(d.derivedGroup()));
        }
    }

    record TopologyWarning(String kind, @Schema(nullable = true) String bdf, String detail) {
        static TopologyWarning of(Warning w) {
            return new TopologyWarning(w.kind(), w.bdf() == null ? null : w.bdf().toString(), w.detail());
        }
    }

    @Schema(description = "A group the import re-formed: its devices before, and the groups they are in after")
    record Regrouped(String groupId, List<String> before, List<List<String>> after) {
    }

    @Schema(description = "A bond the change revokes, and why")
    record RevokedBond(String bondId, String deviceId, String addressSpaceId, int pasid,
                       @Schema(allowableValues = {"DEVICE_REMOVED", "GROUP_NO_LONGER_SINGLETON", "TOPOLOGY_CHANGED"}) String reason) {
        static RevokedBond of(Bond b, String reason) {
            return new RevokedBond(b.publicId(), Ids.DEVICE.format(b.deviceId()), Ids.ADDRESS_SPACE.format(b.addressSpaceId()),
                    b.pasid(), reason);
        }
    }

    record TopologyChanges(List<GroupMember> plugged, List<GroupMember> unplugged, List<Regrouped> regrouped, List<RevokedBond> revokedBonds) {
    }

    @Schema(description = "The plan an import applied (or, in a dry run, would apply)")
    record TopologyImportResult(String node, boolean applied, List<EnforcedGroup> groups, TopologyChanges changes,
                        List<DivergenceView> divergences, List<TopologyWarning> warnings) {
    }

    static List<String> bdfs(List<PciAddress> addresses) {
        return addresses.stream().map(PciAddress::toString).toList();
    }

    static List<String> flags(Set<AcsFlag> flags) {
        return flags.stream().map(Enum::name).toList();
    }
}
