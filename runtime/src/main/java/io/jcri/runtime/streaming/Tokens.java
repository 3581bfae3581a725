package io.jcri.runtime.streaming;

import io.jcri.sys.Failure;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Base64;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Single-use, expiring tokens naming a pending stream request; unguessable, so the URL is the
 * credential.
 */
final class Tokens {
  // as kubelet: a bound on requests handed out but not yet used, so a flood of RPCs cannot grow
  // memory
  private static final int MAX_PENDING = 1000;

  private record Pending(Object request, long deadlineNanos) {}

  private final SecureRandom random = new SecureRandom();
  private final ConcurrentHashMap<String, Pending> pending = new ConcurrentHashMap<>();
  private final long ttlNanos;

  Tokens(Duration ttl) {
    this.ttlNanos = ttl.toNanos();
  }

  String issue(Object request) {
    long now = System.nanoTime();
    if (pending.size() >= MAX_PENDING) {
      pending.values().removeIf(p -> now - p.deadlineNanos > 0);
      if (pending.size() >= MAX_PENDING) {
        throw new Failure(Failure.Kind.EXHAUSTED, "too many pending stream requests");
      }
    }
    byte[] bytes = new byte[24];
    random.nextBytes(bytes);
    String token = Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    pending.put(token, new Pending(request, now + ttlNanos));
    return token;
  }

  /** The request, once: null when the token is unknown, used or expired. */
  Object consume(String token) {
    Pending p = pending.remove(token);
    if (p == null || System.nanoTime() - p.deadlineNanos > 0) {
      return null;
    }
    return p.request;
  }
}
