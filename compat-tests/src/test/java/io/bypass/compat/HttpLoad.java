package io.bypass.compat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * A load of the JDK's HttpClient (HTTP/1.1) on a server that answers GET with
 * {@code hello <path>} and echoes a POST's body, as the Netty and Jetty servers of these
 * tests do: {@code users} virtual threads on one client, each sending {@code requests} GETs
 * one after another and then one POST of {@code postBytes} random bytes. Every answer is checked.
 */
final class HttpLoad {
    private HttpLoad() {
    }

    /**
     * @throws IllegalStateException when an answer is wrong
     */
    static void run(String url, int users, int requests, int postBytes, long timeoutSeconds) throws Exception {
        URI base = URI.create(url);
        long startNs = System.nanoTime();
        try (HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
             ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<?>> done = new ArrayList<>();
            for (int u = 0; u < users; u++) {
                int user = u;
                done.add(threads.submit(() -> {
                    for (int i = 0; i < requests; i++) {
                        String path = "/user" + user + "/request" + i;
                        HttpResponse<String> r = client.send(HttpRequest.newBuilder(base.resolve(path)).build(),
                                HttpResponse.BodyHandlers.ofString());
                        check(r.statusCode() == 200 && r.body().equals("hello " + path), path, r);
                    }
                    byte[] upload = new byte[postBytes];
                    new Random(user).nextBytes(upload);
                    HttpResponse<byte[]> echoed = client.send(HttpRequest.newBuilder(base.resolve("/echo"))
                            .POST(HttpRequest.BodyPublishers.ofByteArray(upload)).build(),
                            HttpResponse.BodyHandlers.ofByteArray());
                    check(echoed.statusCode() == 200 && Arrays.equals(upload, echoed.body()), "/echo", echoed);
                    return null;
                }));
            }
            for (Future<?> f : done) {
                f.get(timeoutSeconds, TimeUnit.SECONDS);
            }
        }
        System.out.printf("http load: %d requests by %d users answered correctly in %.2f s%n",
                users * (requests + 1), users, (System.nanoTime() - startNs) / 1e9);
    }

    private static void check(boolean ok, String path, HttpResponse<?> r) {
        if (!ok) {
            throw new IllegalStateException(path + ": status " + r.statusCode() + ", body of "
                    + (r.body() instanceof byte[] b ? b.length + " bytes" : "'" + r.body() + "'"));
        }
    }
}
