package io.bypass.samples.netty;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Locale;

/**
 * The server's self-test: the JDK's own {@link HttpClient} (HTTP/1.1, one keep-alive
 * connection) sends requests from the same JVM and checks every answer; under
 * {@code bin/bypass} on the in-JVM loopback link this is how a client reaches the server.
 */
final class HelloClient {
    private HelloClient() {
    }

    /**
     * @return requests per second
     * @throws IOException on a wrong answer or a network error
     */
    static double run(URI uri, int requests) throws IOException, InterruptedException {
        try (HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build()) {
            HttpRequest request = HttpRequest.newBuilder(uri).GET().build();
            long t0 = System.nanoTime();
            for (int i = 0; i < requests; i++) {
                HttpResponse<String> r = client.send(request, HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() != 200 || !r.body().equals(HelloHandler.BODY)) {
                    throw new IOException("request " + i + ": " + r.statusCode() + " " + r.body());
                }
            }
            double perSecond = requests * 1e9 / (System.nanoTime() - t0);
            System.out.printf(Locale.ROOT, "hello ok %d requests, %.0f requests/s%n", requests, perSecond);
            return perSecond;
        }
    }
}
