package io.jcri.runtime.store;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.jcri.sys.AtomicFiles;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.logging.Logger;
import java.util.stream.Stream;

/**
 * Durable records of one kind (sandboxes, containers): one JSON file per ID, each written
 * atomically, all read back at start. A record that cannot be read is logged and skipped, never
 * silently "fixed".
 */
public final class RecordStore<T> {
  private static final Logger LOG = Logger.getLogger(RecordStore.class.getName());
  static final ObjectMapper JSON =
      new ObjectMapper().configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

  private final Path dir;
  private final Class<T> type;

  public RecordStore(Path dir, Class<T> type) {
    this.dir = dir;
    this.type = type;
  }

  public void save(String id, T record) {
    try {
      AtomicFiles.write(dir.resolve(id + ".json"), JSON.writeValueAsBytes(record));
    } catch (IOException e) {
      throw new UncheckedIOException("saving record " + dir.resolve(id + ".json"), e);
    }
  }

  public void delete(String id) {
    try {
      Files.deleteIfExists(dir.resolve(id + ".json"));
    } catch (IOException e) {
      throw new UncheckedIOException("deleting record " + id, e);
    }
  }

  public List<T> loadAll() throws IOException {
    Files.createDirectories(dir);
    List<T> out = new ArrayList<>();
    try (Stream<Path> files = Files.list(dir)) {
      for (Path f : (Iterable<Path>) files::iterator) {
        String name = f.getFileName().toString();
        if (name.startsWith(".")) {
          Files.deleteIfExists(f); // a temp file from a write that a crash interrupted
          continue;
        }
        if (!name.endsWith(".json")) {
          continue;
        }
        try {
          out.add(JSON.readValue(f.toFile(), type));
        } catch (IOException e) {
          LOG.warning("event=record_unreadable path=" + f + " error=\"" + e.getMessage() + "\"");
        }
      }
    }
    return out;
  }
}
