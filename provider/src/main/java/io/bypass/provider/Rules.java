package io.bypass.provider;

import java.io.IOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The ordered list of acceleration rules; the first rule that matches an operation
 * decides it is accelerated, and an operation no rule matches goes to the kernel.
 *
 * <p>Syntax, one rule a line: {@code bind|connect <addr[/prefix]|host|*> <port|*>[-<port|*>]};
 * {@code #} starts a comment, blank lines are ignored. A malformed line is an error that
 * names its source and line number, so a typo never silently sends traffic to the kernel.
 * Host names are resolved once, when the rules are read (as the SDP rules were).
 */
public final class Rules {
    /** No rules: nothing is accelerated. */
    public static final Rules NONE = new Rules(List.of());

    private final List<Rule> rules;

    private Rules(List<Rule> rules) {
        this.rules = List.copyOf(rules);
    }

    /** @return the rules, in order */
    public List<Rule> rules() {
        return rules;
    }

    /**
     * @return the first rule covering the operation, or {@code null} (kernel)
     */
    public Rule match(Rule.Kind kind, InetAddress address, int port) {
        for (Rule r : rules) {
            if (r.matches(kind, address, port)) {
                return r;
            }
        }
        return null;
    }

    /** @return these rules followed by {@code more} (first match still wins) */
    public Rules then(Rules more) {
        List<Rule> all = new ArrayList<>(rules);
        all.addAll(more.rules);
        return new Rules(all);
    }

    /**
     * Reads a rules file.
     *
     * @throws IllegalArgumentException naming the file and line of the first malformed rule,
     *                                  or the file when it cannot be read
     */
    public static Rules read(Path file) {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalArgumentException("bypass.rules: cannot read " + file + ": " + e.getMessage(), e);
        }
        return parse(text, file.toString());
    }

    /**
     * Parses rules; lines may also be separated by {@code ;} (for inline rules).
     *
     * @param text   the rules
     * @param source what to call the text in errors (a file name, or a property name)
     * @throws IllegalArgumentException "source:line: reason" for the first malformed rule
     */
    public static Rules parse(String text, String source) {
        List<Rule> out = new ArrayList<>();
        String[] lines = text.split("\r?\n|;", -1);
        for (int i = 0; i < lines.length; i++) {
            String line = lines[i];
            int hash = line.indexOf('#');
            if (hash >= 0) {
                line = line.substring(0, hash);
            }
            line = line.strip();
            if (line.isEmpty()) {
                continue;
            }
            try {
                out.add(parseRule(line));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(source + ":" + (i + 1) + ": " + e.getMessage()
                        + " in '" + line + "'", e);
            }
        }
        return new Rules(out);
    }

    private static Rule parseRule(String line) {
        String[] f = line.split("\\s+");
        if (f.length != 3) {
            throw new IllegalArgumentException("expected 'bind|connect <addr[/prefix]|host|*> <port|*>[-<port|*>]', found "
                    + f.length + " field(s)");
        }
        Rule.Kind kind = switch (f[0].toLowerCase(Locale.ROOT)) {
            case "bind" -> Rule.Kind.BIND;
            case "connect" -> Rule.Kind.CONNECT;
            default -> throw new IllegalArgumentException("unknown rule kind '" + f[0] + "' (expected bind or connect)");
        };
        InetAddress address = null;
        int prefix = 0;
        if (!f[1].equals("*")) {
            String host = f[1];
            int slash = host.indexOf('/');
            if (slash >= 0) {
                host = f[1].substring(0, slash);
                if (!isLiteral(host)) {
                    throw new IllegalArgumentException("a prefix needs a numeric address, not '" + host + "'");
                }
            }
            address = resolve(host);
            int bits = address.getAddress().length * 8;
            prefix = bits;
            if (slash >= 0) {
                prefix = number(f[1].substring(slash + 1), "prefix", 0, bits);
            }
        }
        int low;
        int high;
        String ports = f[2];
        int dash = ports.indexOf('-');
        if (dash < 0) {
            low = ports.equals("*") ? 0 : number(ports, "port", 0, 65535);
            high = ports.equals("*") ? 65535 : low;
        } else {
            String a = ports.substring(0, dash);
            String b = ports.substring(dash + 1);
            low = a.equals("*") ? 0 : number(a, "port", 0, 65535);
            high = b.equals("*") ? 65535 : number(b, "port", 0, 65535);
            if (low > high) {
                throw new IllegalArgumentException("port range " + low + "-" + high + " is empty");
            }
        }
        return new Rule(kind, address, prefix, low, high);
    }

    private static boolean isLiteral(String host) {
        return host.indexOf(':') >= 0 || host.matches("[0-9.]+");
    }

    private static InetAddress resolve(String host) {
        if (host.isEmpty()) {
            throw new IllegalArgumentException("empty address");
        }
        if (host.matches("[0-9.]+")) {
            // A numeric address that is not a valid literal must not fall through to a DNS lookup.
            String[] octets = host.split("\\.", -1);
            if (octets.length != 4) {
                throw new IllegalArgumentException("malformed IPv4 address '" + host + "'");
            }
            for (String o : octets) {
                if (o.isEmpty() || o.length() > 3 || Integer.parseInt(o) > 255) {
                    throw new IllegalArgumentException("malformed IPv4 address '" + host + "'");
                }
            }
        }
        try {
            return InetAddress.getByName(host);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("unknown host '" + host + "'", e);
        }
    }

    private static int number(String text, String what, int min, int max) {
        int v;
        try {
            v = Integer.parseInt(text);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("malformed " + what + " '" + text + "'", e);
        }
        if (v < min || v > max) {
            throw new IllegalArgumentException(what + " " + v + " is outside " + min + ".." + max);
        }
        return v;
    }

    @Override
    public String toString() {
        return rules.toString();
    }
}
