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
 * (b) Bulk transfer one way over one established connection: one operation moves
 * {@link #CHUNK_BYTES} from the client application's buffer into the server application's
 * buffer, polling both stacks in turn (data one way, ACKs and window updates back). The
 * stream continues across operations; throughput is {@code CHUNK_BYTES * 8 / (ns per op)}
 * Gbit/s of application payload, on one core for both stacks.
 *
 * <p>The MSS follows the MTU (MTU minus 40). Without window scaling (another part of issue
 * 3) the receive window is at most 64 KiB, which bounds the bytes moved per polling round,
 * not the CPU cost per byte.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class BulkTransferBenchmark {
    /** Application bytes per operation. */
    static final int CHUNK_BYTES = 1 << 20;
    private static final int MAX_ROUNDS = 1_000;

    /** The link MTU. */
    @Param({"1500", "9000"})
    public int mtu;

    /** Whether the link offloads checksums (in memory, as loopback) or the stacks compute them. */
    @Param({"true", "false"})
    public boolean checksumOffload;

    EnginePair pair;
    private TcpConnection client;
    private TcpConnection server;
    private final ByteBuffer out = ByteBuffer.allocateDirect(64 * 1024);
    private final ByteBuffer in = ByteBuffer.allocateDirect(256 * 1024);
    private long received;
    private long target;

    /** Builds the stacks and establishes the connection. */
    @Setup
    public void setUp() {
        TcpConfig tcp = TcpConfig.builder().mssCap(mtu - 40).build();
        pair = new EnginePair(mtu, 512, checksumOffload, tcp);
        TcpConnection[] ends = pair.connect();
        client = ends[0];
        server = ends[1];
    }

    /** @return bytes received so far, so that the work cannot be optimised away */
    @Benchmark
    public long transfer() {
        EnginePair p = pair;
        // The target grows by a chunk per operation, so that what one operation reads
        // beyond its chunk counts for the next one: operations average a chunk each.
        long target = this.target += CHUNK_BYTES;
        for (int round = 0; received < target; round++) {
            if (round > MAX_ROUNDS) {
                // A megabyte takes tens of rounds; hundreds mean a timer (delayed ACK,
                // retransmission) paces the transfer, which is not what this measures.
                throw new IllegalStateException("stalled at " + received + " of " + target + " bytes");
            }
            // The sender keeps its send buffer full, as a bulk sender does: a stream cut into
            // chunks that are not multiples of the MSS would end each chunk in a Nagle and
            // delayed-ACK stand-off (RFC 896, RFC 1122 section 4.2.3.2) and measure the
            // delayed-ACK timer instead of the engine.
            out.clear();
            client.write(out, p.nowNs);
            p.round();
            int n;
            while ((n = server.read(in.clear(), p.nowNs)) > 0) {
                received += n;
            }
        }
        return received;
    }
}
