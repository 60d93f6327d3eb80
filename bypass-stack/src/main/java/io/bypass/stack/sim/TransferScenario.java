package io.bypass.stack.sim;

import io.bypass.stack.Counter;
import io.bypass.stack.NetworkStack;
import io.bypass.stack.StackConfig;
import io.bypass.stack.tcp.TcpConfig;
import io.bypass.stack.tcp.TcpConnection;
import io.bypass.stack.tcp.TcpListener;
import io.bypass.stack.tcp.TcpState;
import io.bypass.stack.wire.Ipv4Address;
import io.bypass.stack.link.Link;
import java.nio.ByteBuffer;
import java.util.function.BiFunction;

/**
 * Two stacks on one simulated segment: a client connects to a server, both send a known
 * pseudo-random byte stream at the same time, both check every byte they receive against
 * the same generator (so a byte lost, duplicated, reordered or corrupted is caught where it
 * happens), both close, and the run ends when both connections are gone (TIME_WAIT
 * included) and every frame is back in its pool.
 *
 * <p>Used by the simulation property tests over many seeds and by the engine demo.
 */
public final class TransferScenario {
    /** The client's address on the simulated segment. */
    public static final int CLIENT_IP = Ipv4Address.parse("10.0.0.1");
    /** The server's address on the simulated segment. */
    public static final int SERVER_IP = Ipv4Address.parse("10.0.0.2");
    private static final int SERVER_PORT = 5001;
    private static final int FRAMES_PER_POOL = 1024;

    private final LinkFaults faults;
    private final long seed;
    private final long clientToServerBytes;
    private final long serverToClientBytes;
    private final TcpConfig tcp;
    private BiFunction<Link, VirtualClock, Link> linkDecorator = (link, clock) -> link;
    private boolean digesting;

    /**
     * @param faults              what the segment does
     * @param seed                the run's randomness
     * @param clientToServerBytes bytes the client sends
     * @param serverToClientBytes bytes the server sends back at the same time
     * @param tcp                 TCP settings of both stacks
     */
    public TransferScenario(LinkFaults faults, long seed, long clientToServerBytes, long serverToClientBytes,
                            TcpConfig tcp) {
        this.faults = faults;
        this.seed = seed;
        this.clientToServerBytes = clientToServerBytes;
        this.serverToClientBytes = serverToClientBytes;
        this.tcp = tcp;
    }

    /**
     * Wraps both stacks' links (client first), e.g. to trace or capture what they send.
     *
     * @param decorator given each port and the simulation's clock
     * @return this
     */
    public TransferScenario linkDecorator(BiFunction<Link, VirtualClock, Link> decorator) {
        this.linkDecorator = decorator;
        return this;
    }

    /**
     * Also computes the SHA-256 of every stream as sent and as received, for the result.
     *
     * @return this
     */
    public TransferScenario digesting() {
        this.digesting = true;
        return this;
    }

    /**
     * What a run did.
     *
     * @param completed        both sides sent, received, verified and closed in time
     * @param failure          why not, or null
     * @param simulatedNs      simulated time from connect to both connections gone
     * @param transferNs       simulated time from connect until both streams were fully received
     * @param bytesVerified    bytes received and matched against the generator, both ways
     * @param retransmissions  segments sent again (timeouts and fast retransmits), both stacks
     * @param leakedFrames     frames not back in their pools at the end
     * @param segment          what the segment did
     * @param clientCounters   the client stack's counters
     * @param serverCounters   the server stack's counters
     * @param clientSentSha256     SHA-256 of what the client sent, hex (empty unless {@link #digesting()})
     * @param serverReceivedSha256 SHA-256 of what the server received
     * @param serverSentSha256     SHA-256 of what the server sent
     * @param clientReceivedSha256 SHA-256 of what the client received
     */
    public record Result(boolean completed, String failure, long simulatedNs, long transferNs, long bytesVerified,
                         long retransmissions, int leakedFrames, String segment, String clientCounters,
                         String serverCounters, String clientSentSha256, String serverReceivedSha256,
                         String serverSentSha256, String clientReceivedSha256) {
    }

    /** Runs the scenario to completion or to a time limit of {@code limitNs} simulated. */
    public Result run(long limitNs) {
        try (Simulation sim = new Simulation(faults, seed)) {
            NetworkStack client = sim.addStack(config(CLIENT_IP, 0x02_00_00_00_00_01L), FRAMES_PER_POOL,
                    link -> linkDecorator.apply(link, sim.clock()));
            NetworkStack server = sim.addStack(config(SERVER_IP, 0x02_00_00_00_00_02L), FRAMES_PER_POOL,
                    link -> linkDecorator.apply(link, sim.clock()));
            TcpListener listener = server.tcp().listen(SERVER_IP, SERVER_PORT, 16);
            TcpConnection clientSide = client.tcp().connect(CLIENT_IP, 0, SERVER_IP, SERVER_PORT, sim.clock().nowNs());
            Endpoint clientEnd = new Endpoint("client", clientToServerBytes, serverToClientBytes, seed, ~seed, digesting);
            Endpoint serverEnd = new Endpoint("server", serverToClientBytes, clientToServerBytes, ~seed, seed, digesting);
            clientEnd.connection = clientSide;
            long[] transferDoneNs = {-1};
            // Far more than any retransmission pattern needs: a run past it is a storm (an
            // ACK war, a retransmission loop), reported rather than left to spin for minutes.
            long frameBudget = 10_000 + 100 * ((clientToServerBytes + serverToClientBytes) / 500);
            boolean done;
            try {
                done = sim.runUntil(() -> {
                    long nowNs = sim.clock().nowNs();
                    if (serverEnd.connection == null) {
                        serverEnd.connection = listener.accept();
                    }
                    if (sim.segment().stats().offered > frameBudget) {
                        throw new IllegalStateException("frame storm: more than " + frameBudget
                                + " frames offered for " + (clientToServerBytes + serverToClientBytes) + " bytes");
                    }
                    clientEnd.step(nowNs);
                    serverEnd.step(nowNs);
                    if (transferDoneNs[0] < 0 && clientEnd.receivedAll() && serverEnd.receivedAll()) {
                        transferDoneNs[0] = nowNs;
                    }
                    return clientEnd.finished() && serverEnd.finished()
                            && client.tcp().connectionCount() == 0 && server.tcp().connectionCount() == 0
                            && sim.segment().inFlight() == 0;
                }, limitNs);
            } catch (RuntimeException e) {
                return result(false, "exception: " + e, sim, client, server, clientEnd, serverEnd, transferDoneNs[0]);
            }
            listener.close(sim.clock().nowNs());
            String failure = firstNonNull(clientEnd.failure, serverEnd.failure);
            if (failure == null && !done) {
                failure = "did not finish within " + limitNs / 1_000_000 + " ms simulated: client " + clientEnd
                        + ", server " + serverEnd;
            }
            return result(failure == null, failure, sim, client, server, clientEnd, serverEnd, transferDoneNs[0]);
        }
    }

    private Result result(boolean ok, String failure, Simulation sim, NetworkStack client, NetworkStack server,
                          Endpoint clientEnd, Endpoint serverEnd, long transferDoneNs) {
        int leaked = sim.port(0).receivePool().inUse() + sim.port(0).transmitPool().inUse()
                + sim.port(1).receivePool().inUse() + sim.port(1).transmitPool().inUse();
        if (ok && leaked != 0) {
            ok = false;
            failure = leaked + " frames leaked";
        }
        long retransmissions = 0;
        for (NetworkStack s : new NetworkStack[] {client, server}) {
            retransmissions += s.counters().get(Counter.TCP_RETRANSMITS) + s.counters().get(Counter.TCP_FAST_RETRANSMITS);
        }
        return new Result(ok, failure, sim.clock().nowNs(), transferDoneNs,
                clientEnd.verified + serverEnd.verified, retransmissions, leaked,
                sim.segment().stats().toString(), client.counters().toString(), server.counters().toString(),
                clientEnd.sent.hex(), serverEnd.received.hex(), serverEnd.sent.hex(), clientEnd.received.hex());
    }

    private StackConfig config(int ip, long mac) {
        return StackConfig.builder().mac(mac).ip(ip).prefixLength(24).tcp(tcp).build();
    }

    private static String firstNonNull(String a, String b) {
        return a != null ? a : b;
    }

    /** One side's application: sends its stream, checks the other's, then closes. */
    private static final class Endpoint {
        private final String name;
        private final long toSend;
        private final long toReceive;
        private final StreamPattern sendPattern;
        private final StreamPattern receivePattern;
        private final ByteBuffer out = ByteBuffer.allocateDirect(16 * 1024);
        private final ByteBuffer in = ByteBuffer.allocateDirect(16 * 1024);
        private final StreamDigest sent;
        private final StreamDigest received;
        TcpConnection connection;
        long sentBytes;
        long verified;
        boolean endOfStream;
        boolean shutdown;
        boolean closed;
        String failure;

        Endpoint(String name, long toSend, long toReceive, long sendSeed, long receiveSeed, boolean digesting) {
            this.sent = new StreamDigest(digesting);
            this.received = new StreamDigest(digesting);
            this.name = name;
            this.toSend = toSend;
            this.toReceive = toReceive;
            this.sendPattern = new StreamPattern(sendSeed);
            this.receivePattern = new StreamPattern(receiveSeed);
            out.limit(0);
        }

        void step(long nowNs) {
            if (connection == null || closed || failure != null) {
                return;
            }
            if (connection.state() == TcpState.SYN_SENT || connection.state() == TcpState.SYN_RECEIVED) {
                return;
            }
            if (connection.error() != io.bypass.stack.tcp.TcpError.NONE) {
                failure = name + ": connection failed: " + connection.error() + " in " + connection.state();
                return;
            }
            send(nowNs);
            receive(nowNs);
            if (endOfStream && shutdown) {
                connection.close(nowNs);
                closed = true;
            }
        }

        private void send(long nowNs) {
            while (!shutdown) {
                if (!out.hasRemaining()) {
                    long left = toSend - sentBytes;
                    if (left == 0) {
                        connection.shutdownOutput(nowNs);
                        shutdown = true;
                        return;
                    }
                    out.clear();
                    out.limit((int) Math.min(out.capacity(), left));
                    sendPattern.fill(out);
                    out.flip();
                    sent.update(out);
                }
                int n = connection.write(out, nowNs);
                if (n == 0) {
                    return;
                }
                sentBytes += n;
            }
        }

        private void receive(long nowNs) {
            while (!endOfStream) {
                in.clear();
                int n = connection.read(in, nowNs);
                if (n < 0) {
                    endOfStream = true;
                    if (verified != toReceive) {
                        failure = name + ": end of stream after " + verified + " of " + toReceive + " bytes";
                    }
                    return;
                }
                if (n == 0) {
                    return;
                }
                in.flip();
                received.update(in);
                long mismatchAt = receivePattern.check(in);
                if (mismatchAt >= 0) {
                    failure = name + ": byte " + (verified + mismatchAt) + " differs from what was sent";
                    return;
                }
                verified += n;
                if (verified > toReceive) {
                    failure = name + ": received " + verified + " bytes, more than the " + toReceive + " sent";
                    return;
                }
            }
        }

        boolean receivedAll() {
            return verified == toReceive;
        }

        boolean finished() {
            return closed;
        }

        @Override
        public String toString() {
            return "sent " + sentBytes + "/" + toSend + " verified " + verified + "/" + toReceive + " eof=" + endOfStream
                    + " state=" + (connection == null ? "none" : connection.state());
        }
    }
}
