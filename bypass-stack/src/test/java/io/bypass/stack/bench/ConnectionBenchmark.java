package io.bypass.stack.bench;

import io.bypass.stack.tcp.TcpConfig;
import io.bypass.stack.tcp.TcpConnection;
import io.bypass.stack.tcp.TcpState;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * (c) Connection open and close: the client connects (SYN, SYN-ACK, ACK), the server
 * accepts, the client closes, the server closes when it sees the FIN, until the server's
 * end is CLOSED and the client's is in TIME-WAIT. Default TCP settings, so each
 * connection lingers 60 s of virtual time in TIME-WAIT at the client and expires there,
 * which the measurement includes: virtual time moves on {@link #IDLE_NS} between
 * connections, so that about 6,000 connections are in TIME-WAIT in the steady state (well
 * within the 16,384 ephemeral ports).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class ConnectionBenchmark {
    /** Virtual time between two connections. */
    static final long IDLE_NS = 10_000_000L;

    EnginePair pair;

    /** Builds the stacks. */
    @Setup
    public void setUp() {
        pair = new EnginePair(1500, 256, true, TcpConfig.defaults());
    }

    /** @return the client's port, so that the work cannot be optimised away */
    @Benchmark
    public int openAndClose() {
        EnginePair p = pair;
        p.nowNs += IDLE_NS;
        TcpConnection[] ends = p.connect();
        TcpConnection client = ends[0];
        TcpConnection server = ends[1];
        client.close(p.nowNs);
        p.awaitState(server, TcpState.CLOSE_WAIT);
        server.close(p.nowNs);
        p.awaitState(server, TcpState.CLOSED);
        p.awaitState(client, TcpState.TIME_WAIT);
        return client.localPort();
    }
}
