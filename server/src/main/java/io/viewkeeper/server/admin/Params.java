package io.viewkeeper.server.admin;

import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A command's query parameters, checked before anything reaches the replica thread: a parameter the command does
 * not take, a repeated one, or a value that is not a number in range is refused with the reason.
 */
final class Params {
    private final String command;
    private final Map<String, List<String>> values;
    private final boolean tokenGiven;

    Params(String command, Map<String, List<String>> values) {
        this(command, values, false);
    }

    /** {@code tokenGiven}: the request carried the node's admin token (checked by the caller). */
    Params(String command, Map<String, List<String>> values, boolean tokenGiven) {
        this.command = command;
        this.values = values;
        this.tokenGiven = tokenGiven;
    }

    /** Whether the request carried the node's admin token. */
    boolean tokenGiven() {
        return tokenGiven;
    }

    /** The value as given; the parameter must be present. */
    String text(String name) {
        return values.get(name).get(0);
    }

    /** Refuses any parameter outside {@code allowed}. */
    Params allowOnly(Set<String> allowed) throws AdminException {
        for (Map.Entry<String, List<String>> e : values.entrySet()) {
            if (!allowed.contains(e.getKey())) {
                throw AdminException.badRequest("unknown parameter '" + e.getKey() + "' for " + command
                        + (allowed.isEmpty() ? ", which takes none" : "; it takes " + String.join(", ",
                                allowed.stream().sorted().toList())));
            }
            if (e.getValue().size() != 1) {
                throw AdminException.badRequest("parameter '" + e.getKey() + "' given " + e.getValue().size()
                        + " times");
            }
        }
        return this;
    }

    boolean has(String name) {
        return values.containsKey(name);
    }

    /** A decimal integer in [min, max], or {@code fallback} when absent. */
    long number(String name, long min, long max, long fallback) throws AdminException {
        if (!values.containsKey(name)) {
            return fallback;
        }
        String text = values.get(name).get(0);
        long value;
        try {
            value = Long.parseLong(text.trim());
        } catch (NumberFormatException e) {
            throw AdminException.badRequest("parameter '" + name + "' must be a number, got '" + shorten(text) + "'");
        }
        if (value < min || value > max) {
            throw AdminException.badRequest("parameter '" + name + "' must be between " + min + " and " + max
                    + ", got " + value);
        }
        return value;
    }

    /** {@code true} or {@code false} (any case), or {@code fallback} when absent. */
    boolean bool(String name, boolean fallback) throws AdminException {
        if (!values.containsKey(name)) {
            return fallback;
        }
        String text = values.get(name).get(0).trim();
        if (text.equalsIgnoreCase("true") || text.equalsIgnoreCase("false")) {
            return Boolean.parseBoolean(text);
        }
        throw AdminException.badRequest("parameter '" + name + "' must be true or false, got '" + shorten(text)
                + "'");
    }

    /** A session id as ZooKeeper prints it (0x hex) or in decimal. */
    long sessionId(String name) throws AdminException {
        String text = values.get(name).get(0).trim();
        try {
            return text.startsWith("0x") || text.startsWith("0X") ? Long.parseUnsignedLong(text.substring(2), 16)
                    : Long.parseLong(text);
        } catch (NumberFormatException e) {
            throw AdminException.badRequest("parameter '" + name + "' must be a session id (0x hex or decimal), got '"
                    + shorten(text) + "'");
        }
    }

    static String shorten(String text) {
        return text.length() <= 40 ? text : text.substring(0, 40) + "...";
    }
}
