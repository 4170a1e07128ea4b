package io.viewkeeper.storage;

import java.util.List;

/** What applying an operation produced: the result for the sender and the changes for the watches. */
public record ApplyOutcome(Result result, List<Change> changes) {
}
