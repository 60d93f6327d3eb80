package io.bypass.samples.report;

import io.bypass.samples.latency.Workload;
import org.HdrHistogram.Histogram;

import java.nio.ByteBuffer;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;
import java.util.zip.DataFormatException;

/** What one run of the latency tool's client measured, read from its {@code result} line. */
sealed interface Measurement {
    /** @return the workload measured */
    Workload workload();

    /**
     * @return the figure that ranks runs of the same measurement ({@link TargetResult#get}):
     *         the round trip's p50 in microseconds, Gbit/s, connections per second
     */
    double headline();

    /**
     * Round-trip times.
     *
     * @param sizeBytes message size
     * @param histogram round trips in nanoseconds
     */
    record Rtt(int sizeBytes, Histogram histogram) implements Measurement {
        @Override
        public Workload workload() {
            return Workload.RTT;
        }

        @Override
        public double headline() {
            return us(50);
        }

        /** @return the round trip at {@code percentile}, in microseconds */
        double us(double percentile) {
            return histogram.getValueAtPercentile(percentile) / 1000.0;
        }
    }

    /**
     * One connection's bulk transfer.
     *
     * @param bytes bytes timed
     * @param ns    until the server confirmed them all
     */
    record Bulk(long bytes, long ns) implements Measurement {
        @Override
        public Workload workload() {
            return Workload.BULK;
        }

        @Override
        public double headline() {
            return gbitPerS();
        }

        /** @return payload Gbit/s */
        double gbitPerS() {
            return bytes * 8.0 / ns;
        }
    }

    /**
     * Sequential connect, accept, close.
     *
     * @param count connections timed
     * @param ns    for all of them
     */
    record Connect(long count, long ns) implements Measurement {
        @Override
        public Workload workload() {
            return Workload.CONNECT;
        }

        @Override
        public double headline() {
            return perSecond();
        }

        /** @return connections per second */
        double perSecond() {
            return count * 1e9 / ns;
        }
    }

    /**
     * @param line a {@code result key=value ...} line of the latency tool
     * @return the measurement
     * @throws IllegalArgumentException when the line is not one
     */
    static Measurement parse(String line) {
        Map<String, String> f = new HashMap<>();
        for (String token : line.substring("result ".length()).split(" ")) {
            int eq = token.indexOf('=');
            if (eq > 0) {
                f.put(token.substring(0, eq), token.substring(eq + 1));
            }
        }
        String workload = f.get("workload");
        if (workload == null) {
            throw new IllegalArgumentException("not a result line: " + line);
        }
        return switch (Workload.parse(workload)) {
            case RTT -> new Rtt(Integer.parseInt(f.get("size")), decode(f.get("histogram")));
            case BULK -> new Bulk(Long.parseLong(f.get("bytes")), Long.parseLong(f.get("ns")));
            case CONNECT -> new Connect(Long.parseLong(f.get("count")), Long.parseLong(f.get("ns")));
        };
    }

    private static Histogram decode(String base64) {
        try {
            return Histogram.decodeFromCompressedByteBuffer(ByteBuffer.wrap(Base64.getDecoder().decode(base64)), 0);
        } catch (DataFormatException e) {
            throw new IllegalArgumentException("bad histogram in a result line", e);
        }
    }
}
