package io.jcri.runtime.store;

import io.jcri.sys.Failure;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * Every live object of one kind (sandboxes, containers) by ID, backed by their durable records,
 * with their reserved unique names. Lookups accept a full ID or a unique prefix, as crictl does.
 */
public class Registry<E extends Registry.Entry<R>, R extends Registry.Record> {
  /** A durable record: its ID and the unique name it reserves. */
  public interface Record {
    String id();

    String uniqueName();
  }

  /** A live object wrapping its current record. */
  public interface Entry<R> {
    R record();

    void update(R next);
  }

  private static final java.util.logging.Logger LOG =
      java.util.logging.Logger.getLogger(Registry.class.getName());

  private final String kind;
  private final Map<String, E> byId = new ConcurrentHashMap<>();
  private final RecordStore<R> records;
  private final NameReservations names = new NameReservations();
  private final Function<R, E> wrap;

  /**
   * kind names the objects in errors ("pod sandbox", "container"); wrap makes a live object of a
   * loaded record.
   */
  public Registry(String kind, Path recordDir, Class<R> recordType, Function<R, E> wrap) {
    this.kind = kind;
    this.records = new RecordStore<>(recordDir, recordType);
    this.wrap = wrap;
  }

  /** Loads the records persisted before a restart. */
  public List<E> load() throws IOException {
    for (R r : records.loadAll()) {
      byId.put(r.id(), wrap.apply(r));
      names.reserve(r.uniqueName(), r.id());
    }
    return List.copyOf(byId.values());
  }

  public Optional<E> find(String idOrPrefix) {
    if (idOrPrefix.isEmpty()) {
      return Optional.empty();
    }
    E exact = byId.get(idOrPrefix);
    if (exact != null) {
      return Optional.of(exact);
    }
    List<E> matches =
        byId.values().stream()
            .filter(e -> e.record().id().startsWith(idOrPrefix))
            .limit(2)
            .toList();
    if (matches.size() > 1) {
      throw Failure.invalid(kind + " ID prefix \"" + idOrPrefix + "\" is ambiguous");
    }
    return matches.stream().findFirst();
  }

  /** The object, or NOT_FOUND; an empty ID is INVALID_ARGUMENT naming the field. */
  public E require(String idOrPrefix, String field) {
    if (idOrPrefix.isEmpty()) {
      throw Failure.invalid(field + " is required");
    }
    return find(idOrPrefix)
        .orElseThrow(() -> Failure.notFound(kind + " " + idOrPrefix + " not found"));
  }

  /**
   * For Stop and Remove, which are idempotent: the object if it still exists, empty if it is
   * already gone; an empty ID is INVALID_ARGUMENT naming the field.
   */
  public Optional<E> findIfStillThere(String idOrPrefix, String field) {
    if (idOrPrefix.isEmpty()) {
      throw Failure.invalid(field + " is required");
    }
    return find(idOrPrefix);
  }

  public Collection<E> all() {
    return byId.values();
  }

  /** Reserves uniqueName for id, or fails with ALREADY_EXISTS naming the object that holds it. */
  public void reserveName(String uniqueName, String id) {
    Optional<String> holder = names.reserve(uniqueName, id);
    if (holder.isPresent()) {
      String noun = kind.substring(kind.lastIndexOf(' ') + 1); // "pod sandbox" → "sandbox"
      throw Failure.alreadyExists(
          kind
              + " name \""
              + uniqueName
              + "\" is reserved by "
              + holder.get()
              + "; remove that "
              + noun
              + " first or use another attempt number");
    }
  }

  public void releaseName(String uniqueName, String id) {
    names.release(uniqueName, id);
  }

  public void add(E e) {
    byId.put(e.record().id(), e);
  }

  /** Persists next and makes it the object's current record. */
  public void save(E e, R next) {
    records.save(next.id(), next);
    e.update(next);
  }

  /**
   * Undoes {@link #add} when the operation that made the object fails: it leaves memory and frees
   * its name even when its record, if written at all, cannot be deleted (the failure is logged).
   */
  public void discard(E e) {
    R r = e.record();
    byId.remove(r.id());
    names.release(r.uniqueName(), r.id());
    try {
      records.delete(r.id());
    } catch (java.io.UncheckedIOException failed) {
      LOG.warning(
          "event=record_discard_failed id=" + r.id() + " error=\"" + failed.getMessage() + "\"");
    }
  }

  public void forget(E e) {
    R r = e.record();
    records.delete(r.id());
    byId.remove(r.id());
    names.release(r.uniqueName(), r.id());
  }
}
