package dev.sva.container;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sva.addressspace.AddressSpaceService;
import dev.sva.support.Api;
import dev.sva.support.Api.Response;
import dev.sva.support.ApiTest;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.config.BeanPostProcessor;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.context.annotation.Bean;

/**
 * A map's cost must not grow with the mappings already there (issue 8, item 11). Over HTTP on H2,
 * every statement a map (and an mmap) runs is captured with its parameters and replayed under
 * {@code EXPLAIN ANALYZE}, which reports the rows each table access read ({@code scanCount}): in a
 * container of 3,000 mappings a map may read a handful of rows, not the container. The old overlap
 * check ({@code first_key <= last and last_key >= first} on the start index) read every mapping
 * below the new one, and the entry limit counted them all; both failed this.
 */
class MapDoesNotScanTest extends ApiTest {

    private static final int FILL = 400;
    /** Rows a map may read in all, whatever the container holds: node, container, a neighbour or two. */
    private static final int BUDGET = 24;

    record Statement(String sql, Map<Integer, Object> parameters) {
    }

    static volatile boolean capturing;
    static final Queue<Statement> CAPTURED = new ConcurrentLinkedQueue<>();

    @TestConfiguration
    static class Capture {
        /** Wraps the pool so that prepared statements run while {@link #capturing} are recorded with their parameters. */
        @Bean
        static BeanPostProcessor capturingDataSource() {
            return new BeanPostProcessor() {
                @Override
                public Object postProcessAfterInitialization(Object bean, String name) {
                    return bean instanceof DataSource ds && !Proxy.isProxyClass(bean.getClass()) ? wrap(ds, DataSource.class, null) : bean;
                }
            };
        }

        private static Object wrap(Object target, Class<?> type, Statement statement) {
            InvocationHandler h = (proxy, method, args) -> {
                Object result = invoke(target, method, args);
                if (result instanceof Connection c) {
                    return wrap(c, Connection.class, null);
                }
                if (result instanceof PreparedStatement ps && method.getName().equals("prepareStatement")) {
                    return wrap(ps, PreparedStatement.class, new Statement((String) args[0], new TreeMap<>()));
                }
                if (statement != null) {
                    if (method.getName().startsWith("set") && args != null && args.length >= 2 && args[0] instanceof Integer i) {
                        statement.parameters().put(i, args[1]);
                    } else if (method.getName().startsWith("execute") && capturing) {
                        CAPTURED.add(new Statement(statement.sql(), new TreeMap<>(statement.parameters())));
                    }
                }
                return result;
            };
            return Proxy.newProxyInstance(type.getClassLoader(), new Class<?>[] {type}, h);
        }

        private static Object invoke(Object target, Method method, Object[] args) throws Throwable {
            try {
                return method.invoke(target, args);
            } catch (InvocationTargetException e) {
                throw e.getCause();
            }
        }
    }

    @Autowired
    DataSource dataSource;

    @Autowired
    ContainerService containers;

    @Autowired
    AddressSpaceService spaces;

    @Test
    void aMapInAFullContainerReadsAsFewRowsAsInAnEmptyOne() throws Exception {
        String ctr = container();
        String proc = process(1);
        for (int i = 0; i < FILL; i++) {
            // ascending: every mapping already there starts below the next one
            containers.map(ctr, 0x100000L + i * 0x2000L, 0x1000, 0x40000000L, true, false);
            spaces.map(proc, 0x100000L + i * 0x2000L, 0x1000, 0x40000000L, true, false, true);
        }
        long top = 0x100000L + FILL * 0x2000L;
        int map = rowsRead(() -> api.post("/api/v1/containers/" + ctr + "/mappings", Api.json(Map.of(
                "iova", "0x" + Long.toHexString(top), "size", 4096, "physicalAddress", "0x0", "read", true))), 201);
        int below = rowsRead(() -> api.post("/api/v1/containers/" + ctr + "/mappings", Api.json(Map.of(
                "iova", "0x1000", "size", 4096, "physicalAddress", "0x0", "read", true))), 201);
        int overlap = rowsRead(() -> api.post("/api/v1/containers/" + ctr + "/mappings", Api.json(Map.of(
                "iova", "0x" + Long.toHexString(top - 0x2000), "size", 0x2000, "physicalAddress", "0x0", "read", true))), 409);
        int mmap = rowsRead(() -> api.post("/api/v1/address-spaces/" + proc + "/mappings", Api.json(Map.of(
                "va", "0x" + Long.toHexString(top), "size", 4096, "physicalAddress", "0x0", "read", true))), 201);
        assertThat(List.of(map, below, overlap, mmap)).as("rows read by a map at the top, at the bottom, an overlapping "
                + "map and an mmap, in a container and a process of %d; plans: %s", FILL, PLANS).allSatisfy(rows -> assertThat(rows).isLessThanOrEqualTo(BUDGET));
        assertThat(api.get("/api/v1/containers/" + ctr).body().path("mappingCount").asInt()).isEqualTo(FILL + 2);
    }

    /** Sends the request while capturing, checks its status, and answers the rows its queries read. */
    private int rowsRead(java.util.function.Supplier<Response> request, int status) throws Exception {
        CAPTURED.clear();
        capturing = true;
        Response r;
        try {
            r = request.get();
        } finally {
            capturing = false;
        }
        assertThat(r.status()).as("%s", r).isEqualTo(status);
        List<Statement> selects = new ArrayList<>();
        for (Statement s : CAPTURED) {
            if (s.sql().trim().toLowerCase().startsWith("select")) {
                selects.add(s);
            }
        }
        assertThat(selects).as("the map's queries were captured").isNotEmpty();
        int rows = 0;
        try (Connection c = dataSource.getConnection()) {
            for (Statement s : selects) {
                try (PreparedStatement explain = c.prepareStatement("EXPLAIN ANALYZE " + s.sql())) {
                    for (Map.Entry<Integer, Object> p : s.parameters().entrySet()) {
                        explain.setObject(p.getKey(), p.getValue());
                    }
                    try (ResultSet plan = explain.executeQuery()) {
                        while (plan.next()) {
                            int n = scanned(plan.getString(1));
                            if (n > BUDGET) {
                                PLANS.add(plan.getString(1));
                            }
                            rows += n;
                        }
                    }
                }
            }
        }
        return rows;
    }

    static final Queue<String> PLANS = new ConcurrentLinkedQueue<>();

    private static final Pattern SCAN_COUNT = Pattern.compile("scanCount: (\\d+)");

    private static int scanned(String plan) {
        int rows = 0;
        Matcher m = SCAN_COUNT.matcher(plan);
        while (m.find()) {
            rows += Integer.parseInt(m.group(1));
        }
        return rows;
    }
}
