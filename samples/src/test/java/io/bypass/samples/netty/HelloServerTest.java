package io.bypass.samples.netty;

import io.bypass.samples.DropinJar;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The unmodified Netty HTTP hello server answers the JDK HttpClient's requests in a child JVM
 * under {@code bin/bypass}; the stats line proves both ends ran on the stack.
 */
class HelloServerTest {
    private static final Path ROOT = Path.of("").toAbsolutePath().getParent();

    @Test
    void nettyHelloServerAnswersOverBypass() throws Exception {
        DropinJar.findOrSkip();
        List<String> cmd = List.of(ROOT.resolve("bin/bypass").toString(), "--rule", "bind * *", "--stats",
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), HelloServer.class.getName(), "0", "--requests", "50");
        String out = run(cmd);
        assertTrue(out.contains("hello ok 50 requests"), out);
        assertTrue(out.contains("bypass stats: kernelFallbacks=0 accelerated=true"), out);
        assertTrue(out.contains("TCP_PASSIVE_OPENS="), out);
    }

    private static String run(List<String> cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), out);
        System.out.print(out);
        assertEquals(0, p.exitValue(), out);
        return out;
    }
}
