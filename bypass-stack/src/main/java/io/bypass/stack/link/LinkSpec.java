package io.bypass.stack.link;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * A link spec as a user writes it in {@code bypass.link}: {@code scheme:target?key=value&key=value},
 * e.g. {@code shm:/dev/shm/bypass-ab?side=0&mtu=65000} or {@code tap:byp0}. The scheme picks
 * the {@link LinkFactory}; the target (a path, an interface name) and the parameters are the
 * factory's to read. Every error names the spec and the part that is wrong, so that the
 * message can be shown to the user as it is.
 */
public final class LinkSpec {
    private final String text;
    private final String scheme;
    private final String target;
    private final Map<String, String> params;
    private final Map<String, Boolean> read = new LinkedHashMap<>();

    private LinkSpec(String text, String scheme, String target, Map<String, String> params) {
        this.text = text;
        this.scheme = scheme;
        this.target = target;
        this.params = params;
    }

    /**
     * @param text e.g. {@code shm:/dev/shm/a?side=1}
     * @return the parsed spec
     * @throws IllegalArgumentException when there is no {@code scheme:}, the scheme is not
     *                                  lower-case letters and digits, or a parameter is not {@code key=value}
     */
    public static LinkSpec parse(String text) {
        int colon = text.indexOf(':');
        if (colon <= 0) {
            throw new IllegalArgumentException("link spec '" + text + "': expected scheme:target, e.g. shm:/dev/shm/bypass-ab");
        }
        String scheme = text.substring(0, colon);
        if (!scheme.matches("[a-z][a-z0-9_]*")) {
            throw new IllegalArgumentException("link spec '" + text + "': scheme '" + scheme
                    + "' must be lower-case letters and digits");
        }
        String rest = text.substring(colon + 1);
        int q = rest.indexOf('?');
        String target = q < 0 ? rest : rest.substring(0, q);
        Map<String, String> params = new LinkedHashMap<>();
        if (q >= 0 && q + 1 < rest.length()) {
            for (String pair : rest.substring(q + 1).split("&", -1)) {
                int eq = pair.indexOf('=');
                if (eq <= 0) {
                    throw new IllegalArgumentException("link spec '" + text + "': parameter '" + pair
                            + "' is not key=value");
                }
                String key = pair.substring(0, eq).toLowerCase(Locale.ROOT);
                if (params.put(key, pair.substring(eq + 1)) != null) {
                    throw new IllegalArgumentException("link spec '" + text + "': parameter '" + key + "' given twice");
                }
            }
        }
        return new LinkSpec(text, scheme, target, params);
    }

    /** @return the whole spec as written */
    public String text() {
        return text;
    }

    /** @return the part before the first colon, e.g. {@code shm} */
    public String scheme() {
        return scheme;
    }

    /**
     * @param what what the target is, for the error, e.g. "the link file's path"
     * @return the part between the colon and the {@code ?}
     * @throws IllegalArgumentException when it is empty
     */
    public String target(String what) {
        if (target.isEmpty()) {
            throw error("missing " + what + " after '" + scheme + ":'");
        }
        return target;
    }

    /**
     * Reads an integer parameter.
     *
     * @param key      its name (lower case)
     * @param fallback the value when absent
     * @param min      smallest allowed value
     * @param max      largest allowed value
     * @return the value
     * @throws IllegalArgumentException naming the parameter when it is not an integer in range
     */
    public long integer(String key, long fallback, long min, long max) {
        read.put(key, Boolean.TRUE);
        String v = params.get(key);
        if (v == null) {
            return fallback;
        }
        long n;
        try {
            n = Long.parseLong(v.strip());
        } catch (NumberFormatException e) {
            throw error(key + "='" + v + "' is not an integer");
        }
        if (n < min || n > max) {
            throw error(key + "=" + n + " must be " + min + ".." + max);
        }
        return n;
    }

    /**
     * Reads a parameter as written (for values only the link understands, such as DPDK's EAL arguments).
     *
     * @param key      its name (lower case)
     * @param fallback the value when absent
     * @return the value
     */
    public String string(String key, String fallback) {
        read.put(key, Boolean.TRUE);
        return params.getOrDefault(key, fallback);
    }

    /**
     * Reads a parameter that is one of a few words.
     *
     * @param key      its name (lower case)
     * @param fallback the value when absent
     * @param allowed  the words allowed
     * @return the value
     * @throws IllegalArgumentException naming the parameter when it is not one of {@code allowed}
     */
    public String choice(String key, String fallback, String... allowed) {
        read.put(key, Boolean.TRUE);
        String v = params.get(key);
        if (v == null) {
            return fallback;
        }
        for (String a : allowed) {
            if (a.equals(v)) {
                return v;
            }
        }
        throw error(key + "='" + v + "' must be one of " + String.join(", ", allowed));
    }

    /**
     * Call after reading every parameter the link knows: a parameter it did not read is a typo.
     *
     * @throws IllegalArgumentException naming the first unknown parameter and the known ones
     */
    public void rejectUnknown() {
        for (String key : params.keySet()) {
            if (!read.containsKey(key)) {
                throw error("unknown parameter '" + key + "'" + (read.isEmpty() ? " (this link takes none)"
                        : " (known: " + String.join(", ", read.keySet()) + ")"));
            }
        }
    }

    /**
     * @param what what is wrong
     * @return an error that names this spec, for the factory to throw
     */
    public IllegalArgumentException error(String what) {
        return new IllegalArgumentException("link spec '" + text + "': " + what);
    }

    @Override
    public String toString() {
        return text;
    }
}
