package io.bypass.provider;

import java.lang.instrument.Instrumentation;
import java.util.Map;
import java.util.Set;

/**
 * The drop-in jar's Java agent ({@code -javaagent:bypass-provider-…-dropin.jar}). Being an
 * agent puts the jar on the system class path even under {@code java -jar app.jar} (which
 * ignores {@code -cp}), so the JDK finds our provider through the jar's service file or
 * the {@code java.nio.channels.spi.SelectorProvider} property; and it lets us export
 * {@code sun.nio.ch} to ourselves when {@code --add-exports java.base/sun.nio.ch=ALL-UNNAMED}
 * was not given. It runs before {@code main}, hence before the provider is first asked for.
 */
public final class BypassAgent {
    private BypassAgent() {
    }

    /**
     * Called by the JVM before {@code main}.
     *
     * @param args the agent's argument string (unused)
     * @param inst the JVM's instrumentation
     */
    public static void premain(String args, Instrumentation inst) {
        exportJdkProvider(inst);
    }

    /**
     * Called when the agent is loaded into a running JVM, or as a {@code Launcher-Agent-Class}.
     *
     * @param args the agent's argument string (unused)
     * @param inst the JVM's instrumentation
     */
    public static void agentmain(String args, Instrumentation inst) {
        exportJdkProvider(inst);
    }

    /** Exports {@code sun.nio.ch} to our module, unless the command line already did. */
    static void exportJdkProvider(Instrumentation inst) {
        Module base = Object.class.getModule();
        Module ours = BypassAgent.class.getModule();
        if (!base.isExported("sun.nio.ch", ours)) {
            inst.redefineModule(base, Set.of(), Map.of("sun.nio.ch", Set.of(ours)), Map.of(), Set.of(), Map.of());
        }
    }
}
