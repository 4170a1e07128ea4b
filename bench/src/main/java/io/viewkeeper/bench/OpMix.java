package io.viewkeeper.bench;

import java.util.ArrayList;
import java.util.List;

/**
 * A weighted choice among op kinds, such as {@code getData:90,setData:10}. Weights are positive integers; the
 * choice maps a uniform number in [0, total) onto the kinds in the order given, so a seeded source gives a
 * repeatable sequence.
 */
public record OpMix(List<Weighted> parts) {

    /** One kind and its share. */
    public record Weighted(OpKind kind, int weight) {
        public Weighted {
            if (weight <= 0) {
                throw new IllegalArgumentException("weight of " + kind + " must be positive, got " + weight);
            }
        }
    }

    public OpMix {
        if (parts.isEmpty()) {
            throw new IllegalArgumentException("an op mix needs at least one op");
        }
        parts = List.copyOf(parts);
    }

    /** Parses {@code kind[:weight],...}; a kind without a weight counts 1. */
    public static OpMix parse(String text) {
        List<Weighted> parts = new ArrayList<>();
        for (String item : text.split(",")) {
            String trimmed = item.trim();
            if (trimmed.isEmpty()) {
                continue;
            }
            int colon = trimmed.indexOf(':');
            if (colon < 0) {
                parts.add(new Weighted(OpKind.parse(trimmed), 1));
            } else {
                parts.add(new Weighted(OpKind.parse(trimmed.substring(0, colon).trim()),
                        Integer.parseInt(trimmed.substring(colon + 1).trim())));
            }
        }
        return new OpMix(parts);
    }

    public int totalWeight() {
        int total = 0;
        for (Weighted part : parts) {
            total += part.weight();
        }
        return total;
    }

    /** The kind for a number in [0, totalWeight()). */
    public OpKind choose(int ticket) {
        if (ticket < 0 || ticket >= totalWeight()) {
            throw new IllegalArgumentException("ticket " + ticket + " outside [0, " + totalWeight() + ")");
        }
        int remaining = ticket;
        for (Weighted part : parts) {
            if (remaining < part.weight()) {
                return part.kind();
            }
            remaining -= part.weight();
        }
        throw new IllegalStateException("unreachable: ticket within total weight");
    }

    public boolean contains(OpKind kind) {
        return parts.stream().anyMatch(part -> part.kind() == kind);
    }

    @Override
    public String toString() {
        StringBuilder text = new StringBuilder();
        for (Weighted part : parts) {
            text.append(text.isEmpty() ? "" : ",").append(part.kind().apiName()).append(':').append(part.weight());
        }
        return text.toString();
    }
}
