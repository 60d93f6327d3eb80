package io.bypass.samples.nio;

import io.bypass.samples.DropinJar;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The unmodified plain-NIO echo runs accelerated under {@code bin/bypass} in a child JVM,
 * in the three launch forms; the stats line printed at exit proves the traffic went through
 * the stack (segments counted, no kernel fallback). No shell composes the commands: the
 * launcher is started directly by ProcessBuilder.
 */
class LauncherTest {
    private static final Path ROOT = Path.of("").toAbsolutePath().getParent();
    private static final Path JAVA = Path.of(System.getProperty("java.home"), "bin", "java");
    private static final Path CLASSES = ROOT.resolve("samples/target/classes");
    private static Path dropin;

    @BeforeAll
    static void findDropinJar() throws IOException {
        dropin = DropinJar.findOrSkip();
    }

    private static String run(List<String> javaArgs) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(ROOT.resolve("bin/bypass").toString(), "--rule", "bind * *",
                "--stats", JAVA.toString()));
        cmd.addAll(javaArgs);
        return exec(cmd);
    }

    private static String exec(List<String> cmd) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().put("BYPASS_JAR", dropin.toString());
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), out);
        assertEquals(0, p.exitValue(), out);
        return out;
    }

    /** The child's stats line says: accelerated, nothing sent to the kernel, segments through the stack. */
    private static void assertThroughTheStack(String out) {
        assertTrue(out.contains("echo ok 100 messages"), out);
        assertTrue(out.contains("bypass stats: kernelFallbacks=0 accelerated=true"), out);
        Matcher m = Pattern.compile("TCP_SEGMENTS_IN=(\\d+)").matcher(out);
        assertTrue(m.find(), out);
        // 100 messages and their echoes, each at least one segment, plus handshake and close.
        assertTrue(Long.parseLong(m.group(1)) >= 200, out);
    }

    @Test
    void classPathForm() throws Exception {
        assertThroughTheStack(run(List.of("-cp", CLASSES.toString(), "io.bypass.samples.nio.EchoClient")));
    }

    private static Path appJar() throws IOException {
        Path jar = ROOT.resolve("samples/target/nio-echo.jar");
        Manifest mf = new Manifest();
        mf.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
        mf.getMainAttributes().put(Attributes.Name.MAIN_CLASS, "io.bypass.samples.nio.EchoClient");
        try (OutputStream os = Files.newOutputStream(jar); JarOutputStream j = new JarOutputStream(os, mf)) {
            for (String name : List.of("EchoClient.class", "EchoServer.class")) {
                j.putNextEntry(new JarEntry("io/bypass/samples/nio/" + name));
                j.write(Files.readAllBytes(CLASSES.resolve("io/bypass/samples/nio/" + name)));
                j.closeEntry();
            }
        }
        return jar;
    }

    @Test
    void jarForm() throws Exception {
        assertThroughTheStack(run(List.of("-jar", appJar().toString())));
    }

    /** Only the agent, no --add-exports and no provider property: the agent exports sun.nio.ch, the service file names us. */
    @Test
    void jarFormWithTheAgentAloneExportsTheJdkProviderItself() throws Exception {
        assertThroughTheStack(exec(List.of(JAVA.toString(), "-javaagent:" + dropin, "-Dbypass.rules.inline=bind * *",
                "-Dbypass.stats=true", "-jar", appJar().toString())));
    }

    @Test
    void sourceFileForm() throws Exception {
        Path source = ROOT.resolve("samples/src/main/java/io/bypass/samples/nio/EchoClient.java");
        assertThroughTheStack(run(List.of(source.toString())));
    }
}
