package io.bypass.samples.report;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A child process of the report (a JVM, possibly under {@code bin/bypass} or
 * {@code ip netns exec}): its output, stdout and stderr merged, is kept and relayed line by
 * line to the progress stream with a prefix, except {@code result} lines (machine-readable) and
 * the Bypass stats line (checked by {@link StatsProof}).
 */
final class Child implements AutoCloseable {
    /** How a Bypass JVM's stats line starts ({@code bin/bypass --stats}); kept, not relayed (it is long). */
    static final String STATS = "bypass stats: ";

    private final Process process;
    private final List<String> lines = new ArrayList<>();
    private final Thread reader;

    private Child(Process process, String prefix, PrintStream progress) {
        this.process = process;
        this.reader = Thread.ofPlatform().daemon().name("report-child-output").start(() -> {
            try (BufferedReader r = new BufferedReader(
                    new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                    synchronized (lines) {
                        lines.add(line);
                        lines.notifyAll();
                    }
                    if (prefix != null && !line.startsWith("result ") && !line.startsWith(STATS)) {
                        progress.println(prefix + line);
                    }
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
    }

    /**
     * @param command  the command line
     * @param prefix   put before each relayed line; null relays nothing
     * @param progress where relayed lines go
     * @return the started child
     * @throws IOException if the command cannot start
     */
    static Child start(List<String> command, String prefix, PrintStream progress) throws IOException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        return new Child(p, prefix, progress);
    }

    /**
     * Waits for a line matching {@code pattern}.
     *
     * @return the match
     * @throws IOException when the child exits or the time runs out first, with its output
     */
    Matcher awaitLine(Pattern pattern, long timeoutMs) throws IOException, InterruptedException {
        long deadlineNs = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
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
                if (leftNs <= 0 || (!process.isAlive() && !reader.isAlive())) {
                    throw new IOException((process.isAlive() ? "no '" + pattern + "' in time" : "exited early")
                            + ": " + failureReason());
                }
                lines.wait(Math.max(1, Math.min(200, TimeUnit.NANOSECONDS.toMillis(leftNs))));
            }
        }
    }

    /**
     * Waits for the child to exit; kills it when the time runs out.
     *
     * @return the exit code
     * @throws IOException when the time ran out
     */
    int finish(long timeoutMs) throws IOException, InterruptedException {
        if (!process.waitFor(timeoutMs, TimeUnit.MILLISECONDS)) {
            close();
            throw new IOException("did not finish in " + timeoutMs / 1000 + " s");
        }
        reader.join(5_000);
        return process.exitValue();
    }

    /** @return the Bypass stats line the child printed at exit, or null */
    String statsLine() {
        synchronized (lines) {
            return lines.stream().filter(l -> l.startsWith(STATS)).findFirst().orElse(null);
        }
    }

    /** @return the first {@code result} line, or null */
    String resultLine() {
        synchronized (lines) {
            return lines.stream().filter(l -> l.startsWith("result ")).findFirst().orElse(null);
        }
    }

    /**
     * The most telling line of a failed child: the innermost exception's message (a JVM that
     * could not start the provider ends with {@code Caused by: ...: bypass.link=...}), else
     * the last line.
     *
     * @return one line
     */
    String failureReason() {
        Pattern exception = Pattern.compile("^(?:Caused by: |Exception in thread \"[^\"]*\" )?[\\w.$]+(?:Exception|Error)(?:: (.*))?$");
        synchronized (lines) {
            String reason = null;
            for (String l : lines) {
                Matcher m = exception.matcher(l.strip());
                if (m.matches() && m.group(1) != null) {
                    reason = m.group(1);
                }
            }
            if (reason != null) {
                return reason;
            }
            return lines.isEmpty() ? "no output" : lines.getLast();
        }
    }

    @Override
    public void close() {
        if (process.isAlive()) {
            process.destroyForcibly();
        }
    }
}
