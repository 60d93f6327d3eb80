package io.bypass.compat;

import java.nio.ByteBuffer;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.Callback;

/**
 * An unmodified Jetty 12 server, run in a JVM of its own by {@link DpdkAfXdpCurlTest}: whatever
 * provider that JVM was started with carries it. {@code GET /bytes/<n>} answers {@code n}
 * bytes of {@link #body}; any other path answers {@code hello <path>}. Prints
 * {@code listening <port>} once started and stops when its standard input closes.
 */
public final class JettyHelloMain {
    private JettyHelloMain() {
    }

    /**
     * @param length how many bytes
     * @return the bytes {@code /bytes/<length>} answers: a pattern that is not periodic in any
     *         small window, so that a lost, duplicated or misplaced segment changes the SHA-256
     */
    public static byte[] body(int length) {
        byte[] b = new byte[length];
        for (int i = 0; i < length; i++) {
            b[i] = (byte) (i * 131 + (i >>> 11));
        }
        return b;
    }

    /**
     * @param args the address to bind and the port (0: any)
     * @throws Exception when Jetty cannot start or stop
     */
    public static void main(String[] args) throws Exception {
        Server server = new Server();
        ServerConnector connector = new ServerConnector(server);
        connector.setHost(args[0]);
        connector.setPort(Integer.parseInt(args[1]));
        server.addConnector(connector);
        server.setHandler(new Handler.Abstract() {
            @Override
            public boolean handle(Request request, Response response, Callback callback) {
                String path = request.getHttpURI().getPath();
                if (path.startsWith("/bytes/")) {
                    response.write(true, ByteBuffer.wrap(body(Integer.parseInt(path.substring(7)))), callback);
                } else {
                    Content.Sink.write(response, true, "hello " + path, callback);
                }
                return true;
            }
        });
        server.start();
        System.out.println("listening " + connector.getLocalPort());
        while (System.in.read() >= 0) {
            // Serve until the test closes our standard input.
        }
        server.stop();
        System.exit(0);
    }
}
