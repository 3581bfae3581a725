package io.jcri.runtime.store;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * Reading versioned records: the metadata and status parts of a record, or, for a record of the
 * first release (no {@code version}: one flat object), the flat object for both.
 */
public final class RecordJson {
  private static final ObjectMapper JSON =
      new ObjectMapper().configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

  private RecordJson() {}

  /** The named part of a versioned record, or the whole flat record of the first release. */
  public static JsonNode part(JsonNode record, String name, int newestVersion) {
    if (!record.has("version")) {
      return record;
    }
    int version = record.get("version").asInt();
    if (version > newestVersion) {
      throw new IllegalArgumentException(
          "record version " + version + " is newer than this jcrid reads (" + newestVersion + ")");
    }
    return record.path(name);
  }

  public static <T> T read(JsonNode part, Class<T> type) {
    try {
      return JSON.treeToValue(part, type);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
