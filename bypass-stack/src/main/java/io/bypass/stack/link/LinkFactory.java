package io.bypass.stack.link;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.ServiceLoader;

/**
 * Opens links by spec, found through {@link ServiceLoader}: a module that implements a
 * device (shared memory, TAP, DPDK) lists its factory in
 * {@code META-INF/services/io.bypass.stack.link.LinkFactory}, and whoever needs a link
 * (the provider's {@code bypass.link}) asks {@link #open(String, LinkSettings)} without
 * importing the device's classes.
 */
public interface LinkFactory {
    /** @return the scheme this factory opens, e.g. {@code shm} for {@code shm:/dev/shm/a} */
    String scheme();

    /** @return the spec's form with its parameters, for error messages, e.g. {@code shm:<path>[?side=0|1]} */
    String usage();

    /**
     * Opens the device. The caller owns the link: it polls it from one thread at a time and
     * calls {@link Link#close()} after the last poll.
     *
     * @param spec     the parsed spec; its scheme is {@link #scheme()}
     * @param settings what the stack asks of every link
     * @return the open link
     * @throws IllegalArgumentException when the spec is wrong, naming the part ({@link LinkSpec#error})
     * @throws IOException              when the device cannot be opened; the message says why and what to do
     */
    Link open(LinkSpec spec, LinkSettings settings) throws IOException;

    /** @return the factories on the class path of this interface, in service-file order */
    static List<LinkFactory> available() {
        List<LinkFactory> all = new ArrayList<>();
        ServiceLoader.load(LinkFactory.class, LinkFactory.class.getClassLoader()).forEach(all::add);
        return all;
    }

    /**
     * Finds the factory for a spec's scheme and opens the link.
     *
     * @param spec     e.g. {@code shm:/dev/shm/bypass-ab?side=1}
     * @param settings what the stack asks of every link
     * @return the open link
     * @throws IllegalArgumentException when the spec is malformed, names no known scheme (the
     *                                  message lists the known ones), or is wrong for its link
     * @throws IOException              when the device cannot be opened
     */
    static Link open(String spec, LinkSettings settings) throws IOException {
        LinkSpec parsed = LinkSpec.parse(spec);
        List<LinkFactory> all = available();
        for (LinkFactory f : all) {
            if (f.scheme().equals(parsed.scheme())) {
                return f.open(parsed, settings);
            }
        }
        List<String> known = new ArrayList<>();
        for (LinkFactory f : all) {
            known.add(f.usage());
        }
        throw parsed.error("no link '" + parsed.scheme() + ":' on the class path; "
                + (known.isEmpty() ? "none is (the links live in bypass-native, which the drop-in jar carries)"
                : "known: " + String.join(", ", known)));
    }
}
