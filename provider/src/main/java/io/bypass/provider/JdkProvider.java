package io.bypass.provider;

import java.lang.reflect.InvocationTargetException;
import java.nio.channels.spi.SelectorProvider;

/**
 * Reaches the JDK's own {@link SelectorProvider}, the kernel fallback for every channel we
 * do not accelerate. {@code SelectorProvider.provider()} would return us (or {@code null}
 * while we are being constructed), so we ask {@code sun.nio.ch.DefaultSelectorProvider}
 * directly, which needs its package exported to us.
 */
final class JdkProvider {
    /** The JVM flag without which the JDK's provider cannot be reached. */
    static final String REQUIRED_FLAG = "--add-exports java.base/sun.nio.ch=ALL-UNNAMED";

    private JdkProvider() {
    }

    /**
     * @return the JDK's default provider
     * @throws IllegalStateException naming {@link #REQUIRED_FLAG} when the package is not exported
     */
    static SelectorProvider get() {
        Module base = Object.class.getModule();
        if (!base.isExported("sun.nio.ch", JdkProvider.class.getModule())) {
            throw new IllegalStateException("Bypass needs the JVM flag " + REQUIRED_FLAG
                    + " to reach the JDK's own SelectorProvider (the kernel fallback)");
        }
        try {
            Class<?> c = Class.forName("sun.nio.ch.DefaultSelectorProvider");
            return (SelectorProvider) c.getMethod("get").invoke(null);
        } catch (ClassNotFoundException | NoSuchMethodException | IllegalAccessException e) {
            throw new IllegalStateException("Bypass cannot reach sun.nio.ch.DefaultSelectorProvider.get() on this JDK "
                    + "(is " + REQUIRED_FLAG + " given?)", e);
        } catch (InvocationTargetException e) {
            throw new IllegalStateException("the JDK's SelectorProvider failed to start", e.getCause());
        }
    }
}
