package io.bypass.compat;

import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Jetty 12 in this JVM served to the JDK HttpClient of the peer JVM ({@link TwoJvm}): over
 * the shm link in the shm run, over kernel loopback in the control. Two acceptor threads
 * block in {@code accept} while the connections come from the other process.
 */
@Tag("two-jvm")
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class TwoJvmJettyTest {
    @Test
    void jettyHereAnswersAJdkClientLoadFromThePeer() throws Exception {
        TwoJvm.assumeLinkBetweenJvms();
        int users = 8;
        int requests = 25;
        int postBytes = 256 * 1024;
        Acceleration acceleration = Acceleration.start();
        Server server = new Server();
        ServerConnector connector = new ServerConnector(server, 2, 1);
        connector.setHost(TwoJvm.localHost());
        connector.setPort(TestPorts.accelerated());
        server.addConnector(connector);
        server.setHandler(new JettyTest.HelloHandler());
        server.start();
        String url = "http://" + TwoJvm.localHost() + ":" + connector.getLocalPort();
        String out;
        try (Peer peer = TwoJvm.startPeer("http-load", url, Integer.toString(users), Integer.toString(requests),
                Integer.toString(postBytes))) {
            out = peer.finish(100);
        } finally {
            server.stop();
        }
        assertTrue(out.contains("http load: " + users * (requests + 1) + " requests by " + users
                + " users answered correctly"), out);
        long posted = (long) users * postBytes;
        acceleration.assertOverTheLink(0, 1, posted, posted);
        TwoJvm.assertPeerOverTheLink(out, 1, 0, posted, posted);
    }
}
