package dev.sva.topology;

import dev.sva.core.Timestamps;
import dev.sva.topology.fabric.Acs;
import dev.sva.topology.fabric.AcsFlag;
import dev.sva.topology.fabric.Bar;
import dev.sva.topology.fabric.PciAddress;
import dev.sva.topology.fabric.PciFunction;
import dev.sva.topology.fabric.PortType;
import dev.sva.topology.fabric.Warning;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.sql.Types;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;
import org.springframework.transaction.annotation.Propagation;
import org.springframework.transaction.annotation.Transactional;

/**
 * The persisted fabric of each node (tables {@code topology} and {@code topology_function}, migration V3), written in
 * bulk by plain JDBC: an import replaces a node's functions as a whole, thousands of rows at a time.
 *
 * <p>Threading and invariants: written only inside a transaction that holds the node's lock ({@code NodeService.lock}),
 * so readers under that lock see one import's fabric whole; a node has either no {@code topology} row and no functions,
 * or one row whose {@code function_count} is the number of its functions.
 */
@Component
class TopologyStore {

    /** A node's stored fabric and the host's report of its groups (empty when the host reported none). */
    record Stored(String source, boolean hostReport, List<PciFunction> functions, List<List<PciAddress>> hostGroups,
                  List<Warning> inputWarnings) {
    }

    private final JdbcTemplate jdbc;

    TopologyStore(JdbcTemplate jdbc) {
        this.jdbc = jdbc;
    }

    @Transactional(propagation = Propagation.MANDATORY)
    Optional<Stored> load(long nodeId) {
        List<Object[]> head = jdbc.query("select source, host_report from topology where node_id = ?",
                (rs, n) -> new Object[]{rs.getString(1), rs.getBoolean(2)}, nodeId);
        if (head.isEmpty()) {
            return Optional.empty();
        }
        TreeMap<Integer, List<PciAddress>> groups = new TreeMap<>();
        List<PciFunction> functions = jdbc.query("select * from topology_function where node_id = ?", (rs, n) -> {
            PciFunction f = decode(rs);
            int g = rs.getInt("host_group");
            if (!rs.wasNull()) {
                groups.computeIfAbsent(g, k -> new ArrayList<>()).add(f.address());
            }
            return f;
        }, nodeId);
        functions.sort((a, b) -> a.address().compareTo(b.address()));
        groups.values().forEach(l -> l.sort(PciAddress::compareTo));
        List<Warning> inputWarnings = jdbc.query("select kind, bdf, detail from topology_input_warning where node_id = ?"
                + " order by seq", (rs, n) -> new Warning(rs.getString(1), rs.getString(2) == null ? null
                : PciAddress.parse(rs.getString(2)), rs.getString(3)), nodeId);
        return Optional.of(new Stored((String) head.get(0)[0], (Boolean) head.get(0)[1], functions,
                new ArrayList<>(groups.values()), inputWarnings));
    }

    /**
     * Replaces the node's fabric. {@code hostGroups} empty = the host reported none; {@code inputWarnings} are what the
     * import said about its input text (kept so that a read answers them too).
     */
    @Transactional(propagation = Propagation.MANDATORY)
    void save(long nodeId, String source, List<PciFunction> functions, List<List<PciAddress>> hostGroups,
              List<Warning> inputWarnings) {
        jdbc.update("delete from topology_input_warning where node_id = ?", nodeId);
        jdbc.update("delete from topology_function where node_id = ?", nodeId);
        jdbc.update("delete from topology where node_id = ?", nodeId);
        jdbc.update("insert into topology (node_id, source, host_report, function_count, imported_at) values (?, ?, ?, ?, ?)",
                nodeId, source, !hostGroups.isEmpty(), functions.size(), Timestamp.from(Timestamps.now()));
        Map<PciAddress, Integer> groupOf = new java.util.HashMap<>();
        for (int i = 0; i < hostGroups.size(); i++) {
            for (PciAddress a : hostGroups.get(i)) {
                groupOf.put(a, i);
            }
        }
        jdbc.batchUpdate("insert into topology_function (node_id, bdf, pci_vendor, pci_device, pci_subsystem_vendor,"
                        + " pci_subsystem_device, port_type, multifunction, secondary_bus, subordinate_bus, acs_cap, acs_ctl,"
                        + " acs_unknown, dma_aliases, bars, pasid_bits, pri, ats, driver, virtual_function, class_name, host_group)"
                        + " values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                functions, 500, (ps, f) -> {
                    int i = 1;
                    ps.setLong(i++, nodeId);
                    ps.setString(i++, f.address().toString());
                    ps.setObject(i++, f.vendorId(), Types.INTEGER);
                    ps.setObject(i++, f.deviceId(), Types.INTEGER);
                    ps.setObject(i++, f.subsystemVendorId(), Types.INTEGER);
                    ps.setObject(i++, f.subsystemDeviceId(), Types.INTEGER);
                    ps.setString(i++, f.type().name());
                    ps.setObject(i++, f.multifunction(), Types.BOOLEAN);
                    ps.setObject(i++, f.secondaryBus(), Types.INTEGER);
                    ps.setObject(i++, f.subordinateBus(), Types.INTEGER);
                    ps.setString(i++, f.acs() == null ? null : flags(f.acs().cap()));
                    ps.setString(i++, f.acs() == null ? null : flags(f.acs().ctl()));
                    ps.setBoolean(i++, f.acsUnknown());
                    ps.setString(i++, aliases(f.dmaAliases()));
                    ps.setString(i++, bars(f.bars()));
                    ps.setInt(i++, f.pasidBits());
                    ps.setBoolean(i++, f.pri());
                    ps.setBoolean(i++, f.ats());
                    ps.setString(i++, f.driver());
                    ps.setBoolean(i++, f.virtualFunction());
                    ps.setString(i++, f.className());
                    ps.setObject(i, groupOf.get(f.address()), Types.INTEGER);
                });
        List<Object[]> rows = new ArrayList<>(inputWarnings.size());
        for (Warning w : inputWarnings) {
            String detail = w.detail().length() > 1000 ? w.detail().substring(0, 997) + "..." : w.detail();
            rows.add(new Object[]{nodeId, rows.size(), w.kind(), w.bdf() == null ? null : w.bdf().toString(), detail});
        }
        if (!rows.isEmpty()) {
            jdbc.batchUpdate("insert into topology_input_warning (node_id, seq, kind, bdf, detail) values (?, ?, ?, ?, ?)",
                    rows);
        }
    }

    /** Every node that has a topology, for rebuilding the engine's routes at start. */
    @Transactional(propagation = Propagation.MANDATORY)
    List<Long> nodesWithTopology() {
        return jdbc.queryForList("select node_id from topology order by node_id", Long.class);
    }

    // ---- column codecs: the formats are written in V3__topology.sql ----

    static String flags(Set<AcsFlag> flags) {
        return flags.stream().map(Enum::name).collect(Collectors.joining(","));
    }

    static Set<AcsFlag> flags(String text) {
        EnumSet<AcsFlag> set = EnumSet.noneOf(AcsFlag.class);
        if (text != null && !text.isEmpty()) {
            for (String f : text.split(",")) {
                set.add(AcsFlag.valueOf(f));
            }
        }
        return set;
    }

    private static String aliases(List<Integer> devfns) {
        return devfns.isEmpty() ? null : devfns.stream().map(d -> String.format("%02x", d)).collect(Collectors.joining(","));
    }

    private static String bars(List<Bar> bars) {
        return bars.isEmpty() ? null : bars.stream()
                .map(b -> b.index() + ":" + Long.toHexString(b.base()) + ":" + Long.toHexString(b.size()))
                .collect(Collectors.joining(";"));
    }

    private static PciFunction decode(ResultSet rs) throws SQLException {
        List<Integer> aliases = new ArrayList<>();
        String a = rs.getString("dma_aliases");
        if (a != null) {
            for (String d : a.split(",")) {
                aliases.add(Integer.parseInt(d, 16));
            }
        }
        List<Bar> bars = new ArrayList<>();
        String b = rs.getString("bars");
        if (b != null) {
            for (String bar : b.split(";")) {
                String[] p = bar.split(":");
                bars.add(new Bar(Integer.parseInt(p[0]), Long.parseUnsignedLong(p[1], 16), Long.parseUnsignedLong(p[2], 16)));
            }
        }
        String cap = rs.getString("acs_cap");
        Acs acs = cap == null ? null : new Acs(flags(cap), flags(rs.getString("acs_ctl")));
        return new PciFunction(PciAddress.parse(rs.getString("bdf")), integer(rs, "pci_vendor"), integer(rs, "pci_device"),
                integer(rs, "pci_subsystem_vendor"), integer(rs, "pci_subsystem_device"),
                PortType.valueOf(rs.getString("port_type")), bool(rs, "multifunction"),
                integer(rs, "secondary_bus"), integer(rs, "subordinate_bus"), acs, rs.getBoolean("acs_unknown"),
                aliases, bars, rs.getInt("pasid_bits"), rs.getBoolean("pri"), rs.getBoolean("ats"), rs.getString("driver"),
                rs.getBoolean("virtual_function"), rs.getString("class_name"));
    }

    private static Integer integer(ResultSet rs, String column) throws SQLException {
        int v = rs.getInt(column);
        return rs.wasNull() ? null : v;
    }

    private static Boolean bool(ResultSet rs, String column) throws SQLException {
        boolean v = rs.getBoolean(column);
        return rs.wasNull() ? null : v;
    }
}
