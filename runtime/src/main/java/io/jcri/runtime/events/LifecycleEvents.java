package io.jcri.runtime.events;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import java.util.logging.Logger;

/**
 * Container and sandbox lifecycle changes, fanned out to GetContainerEvents subscribers (kubelet's
 * evented PLEG). Publishing never blocks on a subscriber.
 */
public final class LifecycleEvents {
  private static final Logger LOG = Logger.getLogger(LifecycleEvents.class.getName());

  public enum Kind {
    CREATED,
    STARTED,
    STOPPED,
    DELETED
  }

  /** containerId is the sandbox ID for a sandbox's own events. */
  public record Event(String containerId, String sandboxId, Kind kind, long atNanos) {}

  private final Set<Consumer<Event>> subscribers = ConcurrentHashMap.newKeySet();

  public void publish(Event event) {
    for (Consumer<Event> s : subscribers) {
      try {
        s.accept(event);
      } catch (RuntimeException e) {
        LOG.info("event=event_subscriber_dropped error=\"" + e.getMessage() + "\"");
        subscribers.remove(s);
      }
    }
  }

  /**
   * Publishes a change that happens now; containerId is the sandbox ID for a sandbox's own events.
   */
  public void publish(String containerId, String sandboxId, Kind kind) {
    publish(new Event(containerId, sandboxId, kind, io.jcri.sys.Timestamps.nowNanos()));
  }

  /** Subscribes; the returned handle unsubscribes. */
  public Runnable subscribe(Consumer<Event> subscriber) {
    subscribers.add(subscriber);
    return () -> subscribers.remove(subscriber);
  }
}
