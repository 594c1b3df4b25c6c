package dev.sva.replica;

import java.sql.Connection;
import java.sql.DriverManager;

/** A separate process holding an H2 file database open until its standard input closes (for {@link H2SingleProcessTest}). */
public final class H2FileHolder {

    private H2FileHolder() {
    }

    public static void main(String[] args) throws Exception {
        try (Connection c = DriverManager.getConnection(args[0], "sa", "")) {
            c.createStatement().execute("CREATE TABLE IF NOT EXISTS held (id INT)");
            System.out.println("holding");
            System.out.flush();
            while (System.in.read() >= 0) {
                // wait for the test to let go
            }
        }
    }
}
