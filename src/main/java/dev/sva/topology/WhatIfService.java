package dev.sva.topology;

import dev.sva.core.Ids;
import dev.sva.device.Device;
import dev.sva.device.DeviceService;
import dev.sva.node.Node;
import dev.sva.node.NodeService;
import dev.sva.topology.TopologyViews.GroupMember;
import dev.sva.topology.TopologyViews.IsolationReason;
import dev.sva.topology.TopologyViews.RevokedBond;
import dev.sva.topology.TopologyViews.TopologyWarning;
import dev.sva.topology.fabric.AcsFlag;
import dev.sva.topology.fabric.DerivedGroup;
import dev.sva.topology.fabric.Fabric;
import dev.sva.topology.fabric.FabricException;
import dev.sva.topology.fabric.GroupDiff;
import dev.sva.topology.fabric.PasidPaths;
import dev.sva.topology.fabric.PciAddress;
import dev.sva.topology.fabric.PciFunction;
import dev.sva.topology.fabric.PeerLink;
import dev.sva.topology.fabric.Warning;
import dev.sva.topology.fabric.WhatIf;
import io.swagger.v3.oas.annotations.media.Schema;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;
import org.springframework.transaction.interceptor.TransactionAspectSupport;

/**
 * "What if": the groups, binds, bonds and peer paths a change of the fabric would give, computed from the stored
 * fabric by the same derivation and reconciliation plan an import uses. TopologyChanges nothing: its transaction is rolled
 * back whatever happens.
 */
@Service
class WhatIfService {

    record AcsChange(@Schema(requiredMode = Schema.RequiredMode.REQUIRED, example = "0000:00:1c.0") String bdf,
                     @Schema(requiredMode = Schema.RequiredMode.REQUIRED, example = "[\"SV\", \"RR\", \"CR\", \"UF\"]") List<AcsFlag> ctl) {
    }

    @Schema(description = "TopologyChanges to try: ACS control of ports, functions unplugged, functions plugged")
    record WhatIfRequest(List<AcsChange> acs, List<String> unplug, List<TopologyInput.PciFunctionBody> plug) {
    }

    record WhatIfGroup(@Schema(nullable = true, description = "the group's id; after: null for a group that would be new") String id,
                   List<String> members, List<IsolationReason> reasons) {
    }

    record PeerLinkView(String from, String to) {
        static PeerLinkView of(PeerLink l) {
            return new PeerLinkView(l.from().toString(), l.to().toString());
        }
    }

    record WhatIfAnswer(List<WhatIfGroup> groupsBefore, List<WhatIfGroup> groupsAfter, List<List<String>> split, List<List<String>> merged,
                      List<GroupMember> bindsBecomingLegal, List<RevokedBond> bondsRevoked, List<PeerLinkView> peerPathsClosed,
                      List<PeerLinkView> peerPathsOpened, List<TopologyWarning> warnings) {
    }

    private final NodeService nodes;
    private final DeviceService devices;
    private final TopologyStore store;
    private final TopologyService topology;

    WhatIfService(NodeService nodes, DeviceService devices, TopologyStore store, TopologyService topology) {
        this.nodes = nodes;
        this.devices = devices;
        this.store = store;
        this.topology = topology;
    }

    @Transactional
    public WhatIfAnswer whatIf(String nodeName, WhatIfRequest body) {
        TransactionAspectSupport.currentTransactionStatus().setRollbackOnly();
        Node node = nodes.get(nodeName);
        TopologyStore.Stored stored = store.load(node.id()).orElseThrow(() -> TopologyQueries.noTopology(node));
        Analysis before = Analysis.of(stored.source(), stored.functions(), stored.hostGroups(), List.of());
        Fabric after = before.fabric();
        List<Warning> warnings = new ArrayList<>();
        Set<PciAddress> unplugged = new HashSet<>();
        try {
            if (body.acs() != null) {
                for (int i = 0; i < body.acs().size(); i++) {
                    AcsChange c = body.acs().get(i);
                    if (c == null || c.ctl() == null || c.ctl().contains(null)) {
                        throw dev.sva.core.Problems.invalid("acs[" + i + "].ctl", "is required: a list of SV, TB, RR, CR, UF, EC, DT");
                    }
                    PciAddress port = TopologyInput.address("acs[" + i + "].bdf", c.bdf());
                    after = after.withAcsControl(port, c.ctl().isEmpty() ? EnumSet.noneOf(AcsFlag.class) : EnumSet.copyOf(c.ctl()));
                }
            }
            if (body.unplug() != null) {
                for (int i = 0; i < body.unplug().size(); i++) {
                    PciAddress a = TopologyInput.address("unplug[" + i + "]", body.unplug().get(i));
                    after = after.without(a);
                    unplugged.add(a);
                }
            }
            if (body.plug() != null) {
                for (int i = 0; i < body.plug().size(); i++) {
                    after = after.with(TopologyInput.function("plug[" + i + "]", body.plug().get(i)));
                }
            }
        } catch (FabricException e) {
            throw Analysis.invalid(e);
        }
        // the host's report describes the host as it is: it still holds after plugs and unplugs, not after ACS changes
        List<List<PciAddress>> hostAfter = List.of();
        if (!stored.hostGroups().isEmpty()) {
            if (body.acs() == null || body.acs().isEmpty()) {
                hostAfter = stored.hostGroups().stream().map(g -> g.stream().filter(a -> !unplugged.contains(a)).toList())
                        .filter(g -> !g.isEmpty()).toList();
            } else {
                warnings.add(new Warning("HOST_REPORT_DROPPED", null, "the host's group report describes its current ACS "
                        + "settings; the groups after this change are derived from the fabric alone"));
            }
        }
        Analysis next = Analysis.of(stored.source(), after.functions(), hostAfter, warnings);
        List<Device> current = devices.ofNode(node);
        Map<PciAddress, Device> byBdf = new HashMap<>();
        current.forEach(d -> byBdf.put(PciAddress.parse(d.bdf()), d));
        List<Long> groupIds = current.stream().map(Device::groupId).distinct().toList();
        Reconciliation.Plan plan = Reconciliation.plan(current.stream()
                .map(d -> new Reconciliation.Current(d.id(), PciAddress.parse(d.bdf()), d.groupId())).toList(), groupIds, next.groups());
        GroupDiff diff = WhatIf.compare(before.fabric(), before.enforced(), after, next.enforced());

        List<WhatIfGroup> groupsBefore = new ArrayList<>();
        for (DerivedGroup g : before.enforced().groups()) {
            Device any = byBdf.get(g.members().get(0));
            groupsBefore.add(new WhatIfGroup(any == null ? null : Ids.GROUP.format(any.groupId()), TopologyViews.bdfs(g.members()),
                    g.reasons().stream().map(IsolationReason::of).toList()));
        }
        List<WhatIfGroup> groupsAfter = new ArrayList<>();
        for (int t = 0; t < plan.targets().size(); t++) {
            DerivedGroup g = next.enforced().groups().get(t);
            Long kept = plan.targets().get(t).keptGroupId();
            groupsAfter.add(new WhatIfGroup(kept == null ? null : Ids.GROUP.format(kept), TopologyViews.bdfs(g.members()),
                    g.reasons().stream().map(IsolationReason::of).toList()));
        }
        List<GroupMember> legal = new ArrayList<>();
        for (Device d : current) {
            PciAddress a = PciAddress.parse(d.bdf());
            if (unplugged.contains(a) || after.function(a).isEmpty()) {
                continue;
            }
            boolean canBefore = bindable(before, before.fabric(), a);
            boolean canAfter = bindable(next, after, a);
            if (!canBefore && canAfter) {
                legal.add(new GroupMember(d.publicId(), d.bdf()));
            }
        }
        return new WhatIfAnswer(groupsBefore, groupsAfter, lists(diff.split()), lists(diff.merged()), legal,
                topology.revocations(plan, byBdf), diff.peerPathsClosed().stream().map(PeerLinkView::of).toList(),
                diff.peerPathsOpened().stream().map(PeerLinkView::of).toList(),
                next.warnings().stream().map(TopologyWarning::of).toList());
    }

    /**
     * Whether a device bind would pass the fabric's rules: alone in its group (rule 1), able to take a PASID, on a path
     * {@code pci_enable_pasid()} accepts.
     */
    private static boolean bindable(Analysis analysis, Fabric fabric, PciAddress a) {
        PciFunction f = fabric.function(a).orElseThrow();
        return f.pasidBits() > 0
                && analysis.enforced().groupOf(a).map(g -> g.members().size() == 1).orElse(false)
                && PasidPaths.check(fabric, a).isolated();
    }

    private static List<List<String>> lists(List<List<PciAddress>> groups) {
        return groups.stream().map(TopologyViews::bdfs).toList();
    }
}
