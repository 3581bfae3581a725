package io.jcri.runtime.container;

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

/** Every container jcri knows, by ID, with their durable records and reserved names. */
final class Containers {
  private final Map<String, Container> byId = new ConcurrentHashMap<>();
  private final RecordStore<ContainerRecord> records;
  private final NameReservations names = new NameReservations();

  Containers(Path recordDir) {
    this.records = new RecordStore<>(recordDir, ContainerRecord.class);
  }

  List<Container> load() throws IOException {
    for (ContainerRecord r : records.loadAll()) {
      byId.put(r.id(), new Container(r));
      names.reserve(r.uniqueName(), r.id());
    }
    return List.copyOf(byId.values());
  }

  Optional<Container> find(String idOrPrefix) {
    if (idOrPrefix.isEmpty()) {
      return Optional.empty();
    }
    Container exact = byId.get(idOrPrefix);
    if (exact != null) {
      return Optional.of(exact);
    }
    List<Container> matches = byId.values().stream().filter(c -> c.id().startsWith(idOrPrefix)).limit(2).toList();
    if (matches.size() > 1) {
      throw CriException.invalid("container ID prefix \"" + idOrPrefix + "\" is ambiguous");
    }
    return matches.stream().findFirst();
  }

  Container require(String idOrPrefix) {
    if (idOrPrefix.isEmpty()) {
      throw CriException.invalid("container_id is required");
    }
    return find(idOrPrefix).orElseThrow(() -> CriException.notFound("container " + idOrPrefix + " not found"));
  }

  Collection<Container> all() {
    return byId.values();
  }

  List<Container> inSandbox(String sandboxId) {
    return byId.values().stream().filter(c -> c.record().sandboxId().equals(sandboxId)).toList();
  }

  Optional<String> reserveName(String uniqueName, String id) {
    return names.reserve(uniqueName, id);
  }

  void releaseName(String uniqueName, String id) {
    names.release(uniqueName, id);
  }

  void add(Container c) {
    byId.put(c.id(), c);
  }

  void save(Container c, ContainerRecord next) {
    records.save(next.id(), next);
    c.update(next);
  }

  void forget(Container c) {
    records.delete(c.id());
    byId.remove(c.id());
    names.release(c.record().uniqueName(), c.id());
  }

  /** Whether any container was created from the image (RemoveImage refuses then). */
  boolean usesImage(String imageId) {
    return byId.values().stream().anyMatch(c -> c.record().imageId().equals(imageId));
  }
}
