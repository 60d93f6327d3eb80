package io.bypass.compat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Where the two JVMs of a {@code two-jvm} test meet. In the shm run (compat.link=shm) this
 * JVM's provider runs a stack on side 0 of the shm link at {@code bypass.ip}, and each
 * {@link Peer} a test starts runs one on side 1 at {@code compat.peer.ip}, with the provider
 * property and flags given directly (the drop-in jar is built after the tests); every
 * address here is on the link. In the control run both JVMs use the JDK on kernel loopback.
 */
final class TwoJvm {
    /** The main class the peer runs. */
    private static final String PEER_MAIN = PeerMain.class.getName();

    static {
        if (CompatMode.current() == CompatMode.BYPASS && CompatMode.link().equals("shm")) {
            // The provider keeps the link file for a process that attaches later; once this JVM
            // exits nobody will, so the fresh file made for this run goes with it.
            Path file = linkFile();
            Runtime.getRuntime().addShutdownHook(Thread.ofPlatform().unstarted(() -> {
                try {
                    Files.deleteIfExists(file);
                } catch (IOException e) {
                    System.err.println("could not delete the shm link file " + file + ": " + e);
                }
            }));
        }
    }

    private TwoJvm() {
    }

    /** Skips a two-JVM test in a Bypass run without a link between processes, saying why. */
    static void assumeLinkBetweenJvms() {
        assumeTrue(CompatMode.current() == CompatMode.JDK || CompatMode.link().equals("shm"),
                "two-jvm tests need a link between processes: run them in the shm execution (compat.link=shm), "
                        + "not on the in-JVM link (" + CompatMode.link() + ")");
    }

    /** @return the address this JVM's servers bind and the peer connects to */
    static String localHost() {
        return CompatMode.current() == CompatMode.BYPASS ? required("bypass.ip") : "127.0.0.1";
    }

    /** @return the address the peer's servers bind and this JVM connects to */
    static String peerHost() {
        return CompatMode.current() == CompatMode.BYPASS ? required("compat.peer.ip") : "127.0.0.1";
    }

    /**
     * Starts the peer JVM running {@link PeerMain} with {@code args}: on Bypass over side 1 of
     * this JVM's shm link, with rules that accelerate its connects to this JVM and its listeners
     * on its own address, and its stats line at exit; on the JDK as it is.
     */
    static Peer startPeer(String... args) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx512m", "-cp", System.getProperty("java.class.path")));
        if (CompatMode.current() == CompatMode.BYPASS) {
            cmd.addAll(List.of("--add-exports", "java.base/sun.nio.ch=ALL-UNNAMED", "--enable-native-access=ALL-UNNAMED",
                    "-Djava.nio.channels.spi.SelectorProvider=io.bypass.provider.BypassSelectorProvider",
                    "-Dbypass.link=" + peerLink(), "-Dbypass.ip=" + peerHost(),
                    "-Dbypass.prefix=" + System.getProperty("bypass.prefix", "24"),
                    "-Dbypass.rules.inline=bind " + peerHost() + " *; connect " + localHost() + " *",
                    "-Dbypass.stats=true"));
        }
        cmd.add(PEER_MAIN);
        cmd.addAll(List.of(args));
        return Peer.start(cmd);
    }

    /**
     * Checks what carried the peer's traffic, from its output: on Bypass its stats line (see
     * {@link StatsLine#assertOverTheLink}), in the control that it ran on the JDK's provider.
     */
    static void assertPeerOverTheLink(String peerOutput, long activeOpens, long passiveOpens, long rxBytes,
                                      long txBytes) {
        if (CompatMode.current() == CompatMode.BYPASS) {
            assertTrue(peerOutput.contains("peer provider: io.bypass.provider.BypassSelectorProvider"), peerOutput);
            StatsLine.in(peerOutput).assertOverTheLink(activeOpens, passiveOpens, rxBytes, txBytes);
        } else {
            assertTrue(peerOutput.contains("peer provider: sun.nio.ch."), peerOutput);
        }
    }

    /** @return this JVM's link spec with the other side */
    private static String peerLink() {
        String link = required("bypass.link");
        if (!link.contains("side=0")) {
            throw new IllegalStateException("bypass.link='" + link + "': the shm run's JVM takes side=0, the peer side=1");
        }
        return link.replace("side=0", "side=1");
    }

    /** @return the file of this JVM's shm link */
    private static Path linkFile() {
        String link = required("bypass.link");
        int q = link.indexOf('?');
        return Path.of(link.substring("shm:".length(), q < 0 ? link.length() : q));
    }

    private static String required(String property) {
        String v = System.getProperty(property);
        if (v == null) {
            throw new IllegalStateException(property + " is not set: the compat-tests shm execution sets it");
        }
        return v;
    }
}
