package io.jcri.runtime.sandbox;

import io.jcri.runtime.server.CriException;
import io.jcri.runtime.store.NameReservations;
import io.jcri.runtime.store.RecordStore;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/** Every sandbox jcri knows, by ID, with their durable records and reserved names. */
public final class Sandboxes {
  private final Map<String, Sandbox> byId = new ConcurrentHashMap<>();
  private final RecordStore<SandboxRecord> records;
  private final NameReservations names = new NameReservations();

  public Sandboxes(Path recordDir) {
    this.records = new RecordStore<>(recordDir, SandboxRecord.class);
  }

  /** Loads the records persisted before a restart. */
  public List<Sandbox> load() throws IOException {
    for (SandboxRecord r : records.loadAll()) {
      Sandbox s = new Sandbox(r);
      byId.put(r.id(), s);
      names.reserve(r.uniqueName(), r.id());
    }
    return List.copyOf(byId.values());
  }

  /** By full ID or unique ID prefix. */
  public Optional<Sandbox> find(String idOrPrefix) {
    if (idOrPrefix.isEmpty()) {
      return Optional.empty();
    }
    Sandbox exact = byId.get(idOrPrefix);
    if (exact != null) {
      return Optional.of(exact);
    }
    List<Sandbox> matches = byId.values().stream().filter(s -> s.id().startsWith(idOrPrefix)).limit(2).toList();
    if (matches.size() > 1) {
      throw CriException.invalid("sandbox ID prefix \"" + idOrPrefix + "\" is ambiguous");
    }
    return matches.stream().findFirst();
  }

  public Sandbox require(String idOrPrefix) {
    if (idOrPrefix.isEmpty()) {
      throw CriException.invalid("pod_sandbox_id is required");
    }
    return find(idOrPrefix).orElseThrow(() -> CriException.notFound("pod sandbox " + idOrPrefix + " not found"));
  }

  public Collection<Sandbox> all() {
    return byId.values();
  }

  Optional<String> reserveName(String uniqueName, String id) {
    return names.reserve(uniqueName, id);
  }

  void releaseName(String uniqueName, String id) {
    names.release(uniqueName, id);
  }

  void add(Sandbox s) {
    byId.put(s.id(), s);
  }

  void save(Sandbox s, SandboxRecord next) {
    records.save(next.id(), next);
    s.update(next);
  }

  void forget(Sandbox s) {
    records.delete(s.id());
    byId.remove(s.id());
    names.release(s.record().uniqueName(), s.id());
  }
}
