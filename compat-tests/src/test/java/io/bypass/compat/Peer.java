package io.bypass.compat;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The peer JVM of a two-JVM test ({@link PeerMain}), started by {@link TwoJvm#startPeer}. Its
 * output (stdout and stderr) is kept and shown with a {@code peer |} prefix. Closing its
 * standard input tells a peer that serves to stop; {@link #close} kills one that did not exit.
 */
final class Peer implements AutoCloseable {
    private final Process process;
    private final List<String> lines = new ArrayList<>();
    private final Thread reader;

    private Peer(Process process) {
        this.process = process;
        this.reader = Thread.ofPlatform().daemon().name("peer-output").start(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(),
                    StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                    System.out.println("peer | " + line);
                    synchronized (lines) {
                        lines.add(line);
                        lines.notifyAll();
                    }
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
    }

    static Peer start(List<String> command) throws IOException {
        return new Peer(new ProcessBuilder(command).redirectErrorStream(true).start());
    }

    /**
     * Waits for a line of the peer's output matching {@code pattern}.
     *
     * @return the match
     * @throws AssertionError when the peer exits or the time runs out first, with its output
     */
    Matcher awaitLine(Pattern pattern, long timeoutSeconds) throws InterruptedException {
        long deadlineNs = System.nanoTime() + TimeUnit.SECONDS.toNanos(timeoutSeconds);
        int seen = 0;
        synchronized (lines) {
            while (true) {
                for (; seen < lines.size(); seen++) {
                    Matcher m = pattern.matcher(lines.get(seen));
                    if (m.find()) {
                        return m;
                    }
                }
                long leftNs = deadlineNs - System.nanoTime();
                if (leftNs <= 0 || !reader.isAlive()) {
                    throw new AssertionError("peer " + (reader.isAlive() ? "said no '" + pattern + "' in "
                            + timeoutSeconds + " s" : "exited") + "; its output:\n" + String.join("\n", lines));
                }
                lines.wait(Math.max(1, Math.min(200, TimeUnit.NANOSECONDS.toMillis(leftNs))));
            }
        }
    }

    /**
     * Closes the peer's standard input (a serving peer stops) and waits for it to exit.
     *
     * @return its whole output, the stats line included
     * @throws AssertionError when it does not exit in time or exits with an error
     */
    String finish(long timeoutSeconds) throws IOException, InterruptedException {
        process.getOutputStream().close();
        boolean exited = process.waitFor(timeoutSeconds, TimeUnit.SECONDS);
        reader.join(TimeUnit.SECONDS.toMillis(10));
        String output;
        synchronized (lines) {
            output = String.join("\n", lines);
        }
        assertTrue(exited, "peer did not exit in " + timeoutSeconds + " s; its output:\n" + output);
        assertEquals(0, process.exitValue(), "peer's exit code; its output:\n" + output);
        return output;
    }

    @Override
    public void close() {
        if (process.isAlive()) {
            process.destroyForcibly();
        }
    }
}
