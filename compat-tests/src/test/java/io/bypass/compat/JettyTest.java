package io.bypass.compat;

import org.awaitility.Awaitility;
import org.eclipse.jetty.client.BytesRequestContent;
import org.eclipse.jetty.client.ContentResponse;
import org.eclipse.jetty.http.HttpMethod;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.Callback;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Timeout;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

/**
 * Jetty 12's server ({@link ServerConnector}, accepting in its selector with 0 acceptors or
 * in blocking {@code accept} calls on acceptor threads otherwise) with Jetty's HttpClient and
 * the JDK's HttpClient as clients; stopping the server must end a blocking accept.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class JettyTest {
    private static final int REQUESTS = 200;
    private static final int POST_BYTES = 1 << 20;

    /** GET answers "hello" and the path; POST echoes the body. */
    static final class HelloHandler extends Handler.Abstract {
        @Override
        public boolean handle(Request request, Response response, Callback callback) throws Exception {
            if (HttpMethod.POST.is(request.getMethod())) {
                ByteBuffer body = Content.Source.asByteBuffer(request);
                response.write(true, body, callback);
            } else {
                Content.Sink.write(response, true, "hello " + request.getHttpURI().getPath(), callback);
            }
            return true;
        }
    }

    private static List<Thread> acceptorThreads() {
        return Thread.getAllStackTraces().keySet().stream().filter(t -> t.getName().contains("-acceptor-")).toList();
    }

    private static boolean blockedInAccept(Thread t) {
        for (StackTraceElement f : t.getStackTrace()) {
            if (f.getMethodName().equals("accept") && f.getClassName().contains("ServerSocketChannel")) {
                return true;
            }
        }
        return false;
    }

    @ParameterizedTest(name = "acceptors={0}")
    @ValueSource(ints = {0, 2})
    void serverAnswersJettyAndJdkClientsAndStopEndsItsAcceptors(int acceptors) throws Exception {
        Acceleration acceleration = Acceleration.start();
        Server server = new Server();
        ServerConnector connector = new ServerConnector(server, acceptors, 1);
        connector.setPort(TestPorts.accelerated());
        server.addConnector(connector);
        server.setHandler(new HelloHandler());
        server.start();
        long bytes = 0;
        URI base = URI.create("http://localhost:" + connector.getLocalPort());
        var jetty = new org.eclipse.jetty.client.HttpClient();
        jetty.start();
        try {
            for (int i = 0; i < REQUESTS; i++) {
                ContentResponse r = jetty.GET(base.resolve("/jetty/" + i));
                assertEquals(200, r.getStatus());
                assertEquals("hello /jetty/" + i, r.getContentAsString());
                bytes += r.getContent().length;
            }
            byte[] upload = new byte[POST_BYTES];
            new Random(acceptors).nextBytes(upload);
            ContentResponse echoed = jetty.POST(base.resolve("/echo")).body(new BytesRequestContent(upload)).send();
            assertEquals(200, echoed.getStatus());
            assertArrayEquals(upload, echoed.getContent());
            bytes += 2L * POST_BYTES;
        } finally {
            jetty.stop();
        }
        try (HttpClient jdk = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build()) {
            List<CompletableFuture<HttpResponse<String>>> responses = new ArrayList<>();
            for (int i = 0; i < REQUESTS; i++) {
                responses.add(jdk.sendAsync(HttpRequest.newBuilder(base.resolve("/jdk/" + i)).build(),
                        HttpResponse.BodyHandlers.ofString()));
            }
            for (int i = 0; i < REQUESTS; i++) {
                HttpResponse<String> r = responses.get(i).get(60, TimeUnit.SECONDS);
                assertEquals(200, r.statusCode());
                assertEquals("hello /jdk/" + i, r.body());
                bytes += r.body().length();
            }
        }
        List<Thread> acceptorsBeforeStop = acceptorThreads();
        assertEquals(acceptors, acceptorsBeforeStop.size(), "acceptor threads: " + acceptorsBeforeStop);
        // Each acceptor waits in the channel's accept (ours or the JDK's), not somewhere else.
        Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> acceptorsBeforeStop.stream().allMatch(
                JettyTest::blockedInAccept));
        long stopNs = System.nanoTime();
        server.stop();
        // An acceptor blocked in accept() that stop could not end would outlive it.
        Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> acceptorsBeforeStop.stream().noneMatch(
                Thread::isAlive));
        assertFalse(connector.isOpen(), "connector still open after stop");
        System.out.printf("%s: Jetty with %d acceptors answered %d requests; stop took %.0f ms%n",
                CompatMode.current(), acceptors, 2 * REQUESTS + 1, (System.nanoTime() - stopNs) / 1e6);
        acceleration.assertAccelerated(2, bytes);
    }
}
