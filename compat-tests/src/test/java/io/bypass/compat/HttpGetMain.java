package io.bypass.compat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;

/**
 * An unmodified JDK {@link HttpClient} program, run in a JVM of its own by
 * {@link DpdkAfXdpCurlTest}: GETs a URL a number of times over one client (HTTP/1.1, so the
 * connection is reused) and prints {@code got status=<code> bytes=<n> sha256=<hex>} per request.
 */
public final class HttpGetMain {
    private HttpGetMain() {
    }

    /**
     * @param args the URL and how many times to get it
     * @throws Exception when a request fails
     */
    public static void main(String[] args) throws Exception {
        URI uri = URI.create(args[0]);
        int times = Integer.parseInt(args[1]);
        try (HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(20)).build()) {
            for (int i = 0; i < times; i++) {
                HttpResponse<byte[]> r = client.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(60)).build(),
                        HttpResponse.BodyHandlers.ofByteArray());
                System.out.println("got status=" + r.statusCode() + " bytes=" + r.body().length + " sha256="
                        + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(r.body())));
            }
        }
    }
}
