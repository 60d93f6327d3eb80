package io.bypass.provider;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.bypass.stack.wire.Ipv4Address;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The doorbell between two JVMs through the provider: a blocking ping-pong where neither side
 * spins, this JVM's client against {@link DoorbellEchoMain} in a child JVM. Every message
 * crosses processes while its reader sleeps on its end's doorbell (each sleep bounded by a
 * second: a lost wake-up would run the test past its timeout); both readers must have slept
 * on the doorbell, not parked while their helpers slept on it.
 */
@Timeout(180)
class LinkDoorbellTwoJvmTest {
    private static final String CLIENT_IP = "10.9.2.1";
    private static final String SERVER_IP = "10.9.2.2";
    private static final int ROUND_TRIPS = 2_000;
    private static final int SIZE = 64;
    /** Between round trips: far longer than the server takes from its answer back to its doorbell. */
    private static final long PAUSE_NS = 200_000;
    private static final Pattern BELL_SLEEPS = Pattern.compile("ENGINE_WAIT_BELL_SLEEPS=(\\d+)");
    private static final Pattern PARKS = Pattern.compile("ENGINE_WAIT_PARKS=(\\d+)");

    @TempDir
    Path dir;

    @Test
    void readersInTwoJvmsSleepOnTheirDoorbellsAndAreWokenByEachOthersTransmit() throws Exception {
        Path file = dir.resolve("link");
        Properties p = new Properties();
        p.setProperty("bypass.link", "shm:" + file + "?side=0");
        p.setProperty("bypass.ip", CLIENT_IP);
        p.setProperty("bypass.rules.inline", "connect 10.9.2.0/24 *");
        p.setProperty("bypass.spin", "0");
        BypassSelectorProvider provider = new BypassSelectorProvider(BypassConfig.from(p));
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process child = new ProcessBuilder(java, "-Xmx256m", "--enable-native-access=ALL-UNNAMED",
                "--add-exports", "java.base/sun.nio.ch=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"),
                DoorbellEchoMain.class.getName(), file.toString(), SERVER_IP, Integer.toString(ROUND_TRIPS),
                Integer.toString(SIZE)).redirectErrorStream(true).start();
        try (BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(),
                StandardCharsets.UTF_8))) {
            String first = out.readLine();
            assertTrue(first != null && first.startsWith("port "), "child said: " + first);
            int port = Integer.parseInt(first.substring(5));
            InetSocketAddress server = new InetSocketAddress(Addresses.inet(Ipv4Address.parse(SERVER_IP)), port);
            StackEngine link = provider.connectEngine(server);
            long sleeps;
            long parks;
            try (SocketChannel c = provider.openSocketChannel()) {
                c.connect(server);
                sleeps = link.waitBellSleeps();
                ByteBuffer buf = ByteBuffer.allocateDirect(SIZE);
                for (int i = 0; i < ROUND_TRIPS; i++) {
                    // The next request comes once the server is back asleep: without the pause,
                    // a fast client's request is often there before the server gets to sleep.
                    LockSupport.parkNanos(PAUSE_NS);
                    buf.clear();
                    c.write(buf);
                    buf.clear();
                    while (buf.hasRemaining()) {
                        assertTrue(c.read(buf) >= 0, "echo ended after " + i + " round trips");
                    }
                }
                sleeps = link.waitBellSleeps() - sleeps;
                parks = ((BypassSocketChannel) c).waitParks();
            }
            String stats = null;
            for (String line = out.readLine(); line != null; line = out.readLine()) {
                if (line.startsWith("bypass stats: ")) {
                    stats = line;
                }
            }
            assertTrue(child.waitFor(60, TimeUnit.SECONDS));
            assertEquals(0, child.exitValue(), "child exit status");
            assertTrue(stats != null, "no stats line from the child");
            Matcher m = BELL_SLEEPS.matcher(stats);
            assertTrue(m.find(), stats);
            long childSleeps = Long.parseLong(m.group(1));
            Matcher parked = PARKS.matcher(stats);
            assertTrue(parked.find(), stats);
            long childParks = Long.parseLong(parked.group(1));
            System.out.printf("two JVMs over shm, blocking ping-pong without spinning: %d round trips, doorbell"
                    + " sleeps: client %d, server %d; parks: client %d, server %d%n", ROUND_TRIPS, sleeps, childSleeps,
                    parks, childParks);
            // Each side's waits are doorbell sleeps, but for the rare one that finds the helper on
            // the doorbell and parks.
            assertTrue(sleeps >= ROUND_TRIPS / 4 && childSleeps >= ROUND_TRIPS / 4,
                    "doorbell sleeps: client " + sleeps + ", server " + childSleeps);
            assertTrue(parks + childParks <= ROUND_TRIPS / 100, "parks: client " + parks + ", server " + childParks);
        } finally {
            child.destroyForcibly().waitFor();
            provider.shutdown();
        }
    }
}
