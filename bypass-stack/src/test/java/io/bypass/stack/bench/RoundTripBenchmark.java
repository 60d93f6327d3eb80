package io.bypass.stack.bench;

import io.bypass.stack.tcp.TcpConfig;
import io.bypass.stack.tcp.TcpConnection;
import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * (a) A 64-byte request and a 64-byte response over one established connection: the client
 * writes, A sends, B receives, the server reads and writes the answer, B sends, A receives,
 * the client reads. One operation is one round trip of processing through both stacks
 * (both transmit and both receive paths, the application's reads and writes, and the link's
 * copies); the ACKs ride on the next request and response, as in a real request/response
 * protocol.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class RoundTripBenchmark {
    /** Bytes of request and of response. */
    static final int MESSAGE_BYTES = 64;

    /** Whether the link offloads checksums (in memory, as loopback) or the stacks compute them. */
    @Param({"true", "false"})
    public boolean checksumOffload;

    EnginePair pair;
    private TcpConnection client;
    private TcpConnection server;
    private final ByteBuffer request = ByteBuffer.allocateDirect(MESSAGE_BYTES);
    private final ByteBuffer atServer = ByteBuffer.allocateDirect(4 * MESSAGE_BYTES);
    private final ByteBuffer response = ByteBuffer.allocateDirect(4 * MESSAGE_BYTES);

    /** Builds the stacks and establishes the connection. */
    @Setup
    public void setUp() {
        pair = new EnginePair(1500, 256, checksumOffload, TcpConfig.defaults());
        TcpConnection[] ends = pair.connect();
        client = ends[0];
        server = ends[1];
    }

    /** @return the response's length (64), so that the work cannot be optimised away */
    @Benchmark
    public int roundTrip() {
        EnginePair p = pair;
        long nowNs = p.nowNs += EnginePair.ROUND_NS;
        request.clear();
        expect(client.write(request, nowNs));
        p.a.flush();
        p.b.poll(nowNs);
        atServer.clear();
        expect(server.read(atServer, nowNs));
        atServer.flip();
        expect(server.write(atServer, nowNs));
        p.b.flush();
        p.a.poll(nowNs);
        response.clear();
        return expect(client.read(response, nowNs));
    }

    private static int expect(int bytes) {
        if (bytes != MESSAGE_BYTES) {
            throw new IllegalStateException("moved " + bytes + " bytes, not " + MESSAGE_BYTES);
        }
        return bytes;
    }
}
