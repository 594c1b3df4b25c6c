package dev.sva.core;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.apache.coyote.http11.Http11NioProtocol;
import org.apache.tomcat.util.net.NioEndpoint;

/**
 * Tomcat's NIO HTTP/1.1 connector with a limit on the TCP connections one remote address may hold
 * open ({@code sva.limits.max-connections-per-client}). Without it a single client can take all of
 * Tomcat's {@code maxConnections} with idle sockets, after which the acceptor stops and every other
 * client's connection waits in the backlog until an idle one times out. A connection past the limit
 * is closed at once, before it is registered with the poller — the way a {@code connlimit} firewall
 * rule would refuse it — so the client's own new connections fail fast instead of queueing.
 *
 * <p>Threading: only Tomcat's acceptor thread calls {@link Endpoint#setSocketOptions}; the map is
 * guarded by its own monitor anyway. Connections are counted lazily: a closed channel is dropped
 * from its address's list when that address connects again, and all lists are swept every 1024
 * accepts, so the map never holds more than the open connections plus one sweep's worth.
 */
public class PerClientNioProtocol extends Http11NioProtocol {

    public PerClientNioProtocol() {
        super(new Endpoint());
    }

    /** At most this many open connections per remote address; 0 or less: no limit. */
    public void setMaxConnectionsPerClient(int limit) {
        ((Endpoint) getEndpoint()).limit = limit;
    }

    public int getMaxConnectionsPerClient() {
        return ((Endpoint) getEndpoint()).limit;
    }

    static final class Endpoint extends NioEndpoint {
        private static final int SWEEP_EVERY = 1024;

        volatile int limit;
        private final Map<InetAddress, List<SocketChannel>> open = new HashMap<>();
        private int accepts;

        @Override
        protected boolean setSocketOptions(SocketChannel socket) {
            if (limit > 0 && !admit(socket)) {
                // as NioEndpoint does with a socket it fails to set up: the acceptor's closeSocket only
                // closes registered sockets, so count the connection down and close it here
                destroySocket(socket);
                return false;
            }
            return super.setSocketOptions(socket);
        }

        private boolean admit(SocketChannel socket) {
            InetAddress address;
            try {
                address = ((InetSocketAddress) socket.getRemoteAddress()).getAddress();
            } catch (IOException | RuntimeException e) {
                return false; // already gone
            }
            synchronized (open) {
                if (++accepts % SWEEP_EVERY == 0) {
                    sweep();
                }
                List<SocketChannel> mine = open.computeIfAbsent(address, a -> new ArrayList<>());
                mine.removeIf(c -> !c.isOpen());
                if (mine.size() >= limit) {
                    return false;
                }
                mine.add(socket);
                return true;
            }
        }

        private void sweep() {
            for (Iterator<List<SocketChannel>> it = open.values().iterator(); it.hasNext(); ) {
                List<SocketChannel> channels = it.next();
                channels.removeIf(c -> !c.isOpen());
                if (channels.isEmpty()) {
                    it.remove();
                }
            }
        }
    }
}
