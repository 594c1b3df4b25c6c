package dev.sva.topology.fabric.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

import dev.sva.topology.fabric.Derivation;
import dev.sva.topology.fabric.DerivedGroup;
import dev.sva.topology.fabric.Fabric;
import dev.sva.topology.fabric.GroupDerivation;
import dev.sva.topology.fabric.LspciParser;
import dev.sva.topology.fabric.ParsedListing;
import dev.sva.topology.fabric.PciAddress;
import dev.sva.topology.fabric.PciFunction;

/**
 * Issue 9 "Performance": deriving the groups of a 4,096-function host (deep switch trees, mixed ACS) against a bare
 * union-find over the same edges (one union per join the derivation makes, on int indexes), and parsing the host's
 * {@code lspci -vvv -nn -D} text alone (the whole-PUT side of that ratio needs the topology endpoint).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
public class DerivationBench {

    private Fabric fabric;
    private String lspci;
    private int[] edgeA;
    private int[] edgeB;
    private int n;

    @Setup
    public void setUp() {
        List<PciFunction> fs = TopologyFixtures.host(42);
        fabric = Fabric.of(fs);
        lspci = TopologyFixtures.lspci(fabric.functions());
        n = fabric.functions().size();
        java.util.Map<PciAddress, Integer> idx = new java.util.HashMap<>();
        for (int i = 0; i < n; i++) {
            idx.put(fabric.functions().get(i).address(), i);
        }
        List<int[]> edges = new ArrayList<>();
        for (DerivedGroup g : GroupDerivation.derive(fabric).groups()) {
            for (int k = 1; k < g.members().size(); k++) {
                edges.add(new int[] {idx.get(g.members().get(k)), idx.get(g.members().get(k - 1))});
            }
        }
        edgeA = new int[edges.size()];
        edgeB = new int[edges.size()];
        for (int k = 0; k < edges.size(); k++) {
            edgeA[k] = edges.get(k)[0];
            edgeB[k] = edges.get(k)[1];
        }
        ParsedListing check = LspciParser.parse(lspci);
        if (check.functions().size() != n) {
            throw new IllegalStateException("the lspci text parses to " + check.functions().size());
        }
    }

    /** A: the whole derivation (reasons and warnings included) of a validated fabric. */
    @Benchmark
    public Derivation derive() {
        return GroupDerivation.derive(fabric);
    }

    /** A2: validation plus derivation, as an import does it. */
    @Benchmark
    public Derivation validateAndDerive() {
        return GroupDerivation.derive(Fabric.of(fabric.functions()));
    }

    /** B: a bare union-find (path halving, union by index) over the derivation's edges. */
    @Benchmark
    public int unionFind() {
        int[] parent = new int[n];
        for (int i = 0; i < n; i++) {
            parent[i] = i;
        }
        for (int k = 0; k < edgeA.length; k++) {
            int a = find(parent, edgeA[k]);
            int b = find(parent, edgeB[k]);
            if (a != b) {
                parent[Math.max(a, b)] = Math.min(a, b);
            }
        }
        int roots = 0;
        for (int i = 0; i < n; i++) {
            if (find(parent, i) == i) {
                roots++;
            }
        }
        return roots;
    }

    private static int find(int[] p, int x) {
        while (p[x] != x) {
            p[x] = p[p[x]];
            x = p[x];
        }
        return x;
    }

    /** C: parsing the host's lspci text alone. */
    @Benchmark
    public ParsedListing parse() {
        return LspciParser.parse(lspci);
    }
}
