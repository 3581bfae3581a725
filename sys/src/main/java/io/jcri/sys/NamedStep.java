package io.jcri.sys;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The side effects of the lifecycle RPCs as named steps ("RunPodSandbox/cni-add"), the one list of
 * them: each run is timed into its RPC's per-step breakdown (one debug line per RPC, see {@link
 * #breakdown}) and is a crash point for the crash-point suite. FOR TESTS ONLY: the system property
 * {@code jcri.test.crashAt} (or the environment variable {@code JCRI_TEST_CRASHAT}) set to {@code
 * [before:|after:]Operation/step[#n]} halts jcrid at once (Runtime.halt, as kill -9) before the
 * n-th run (default the first) of that step, or right after it returned; unset, it costs one null
 * check.
 */
public enum NamedStep {
  RUN_POD_SANDBOX_DIR("RunPodSandbox/sandbox-dir"),
  RUN_POD_SANDBOX_NETNS_PIN("RunPodSandbox/netns-pin"),
  RUN_POD_SANDBOX_SHM_MOUNT("RunPodSandbox/shm-mount"),
  RUN_POD_SANDBOX_NET_SYSCTLS("RunPodSandbox/net-sysctls"),
  RUN_POD_SANDBOX_RECORD_CREATING("RunPodSandbox/record-creating"),
  RUN_POD_SANDBOX_RECORD_CNI_INTENT("RunPodSandbox/record-cni-intent"),
  RUN_POD_SANDBOX_CNI_ADD("RunPodSandbox/cni-add"),
  RUN_POD_SANDBOX_RECORD_NETWORK("RunPodSandbox/record-network"),
  RUN_POD_SANDBOX_INFRA_ROOTFS("RunPodSandbox/infra-rootfs"),
  RUN_POD_SANDBOX_INFRA_SPEC("RunPodSandbox/infra-spec"),
  RUN_POD_SANDBOX_INFRA_CREATE("RunPodSandbox/infra-create"),
  RUN_POD_SANDBOX_INFRA_START("RunPodSandbox/infra-start"),
  RUN_POD_SANDBOX_RECORD_INFRA("RunPodSandbox/record-infra"),
  RUN_POD_SANDBOX_RECORD_READY("RunPodSandbox/record-ready"),
  CREATE_CONTAINER_ROOTFS_MOUNT("CreateContainer/rootfs-mount"),
  CREATE_CONTAINER_SPEC_WRITE("CreateContainer/spec-write"),
  CREATE_CONTAINER_RUNC_CREATE("CreateContainer/runc-create"),
  CREATE_CONTAINER_RECORD("CreateContainer/record"),
  START_CONTAINER_RUNC_START("StartContainer/runc-start"),
  START_CONTAINER_RECORD("StartContainer/record"),
  STOP_CONTAINER_SIGNAL("StopContainer/signal"),
  STOP_CONTAINER_RECORD_EXIT("StopContainer/record-exit"),
  // off the RPC's path (ContainerTeardown): once the exit is recorded, and after the record is gone
  STOP_CONTAINER_RUNTIME_DELETE("StopContainer/runtime-delete"),
  REMOVE_CONTAINER_RECORD_DELETE("RemoveContainer/record-delete"),
  REMOVE_CONTAINER_UNMOUNT("RemoveContainer/unmount"),
  REMOVE_CONTAINER_FILES_DELETE("RemoveContainer/files-delete"),
  STOP_POD_SANDBOX_INFRA_KILL("StopPodSandbox/infra-kill"),
  STOP_POD_SANDBOX_INFRA_UNMOUNT("StopPodSandbox/infra-unmount"),
  STOP_POD_SANDBOX_CNI_DEL("StopPodSandbox/cni-del"),
  STOP_POD_SANDBOX_RECORD_NETWORK("StopPodSandbox/record-network"),
  STOP_POD_SANDBOX_SHM_UNMOUNT("StopPodSandbox/shm-unmount"),
  STOP_POD_SANDBOX_RECORD_NOTREADY("StopPodSandbox/record-notready"),
  REMOVE_POD_SANDBOX_UNPIN("RemovePodSandbox/unpin"),
  REMOVE_POD_SANDBOX_DIRS_DELETE("RemovePodSandbox/dirs-delete"),
  REMOVE_POD_SANDBOX_RECORD_DELETE("RemovePodSandbox/record-delete"),
  PULL_IMAGE_MANIFEST_WRITE("PullImage/manifest-write"),
  PULL_IMAGE_CONFIG_WRITE("PullImage/config-write"),
  PULL_IMAGE_LAYER_UNPACK("PullImage/layer-unpack"),
  PULL_IMAGE_BLOB_COMMIT("PullImage/blob-commit"),
  PULL_IMAGE_SYNC("PullImage/sync"),
  PULL_IMAGE_RECORD("PullImage/record");

  private static final Logger LOG = Logger.getLogger(NamedStep.class.getName());
  private static final CrashPoint CRASH =
      CrashPoint.parse(System.getProperty("jcri.test.crashAt", System.getenv("JCRI_TEST_CRASHAT")));
  private static final ThreadLocal<Breakdown> CURRENT = new ThreadLocal<>();

  private final String id;

  NamedStep(String id) {
    this.id = id;
  }

  /** "Operation/step". */
  public String id() {
    return id;
  }

  /** The RPC this step belongs to. */
  public String operation() {
    return id.substring(0, id.indexOf('/'));
  }

  /** Every step of operation, in the order the operation runs them. */
  public static List<NamedStep> of(String operation) {
    return Arrays.stream(values()).filter(s -> s.operation().equals(operation)).toList();
  }

  /** A step with a result. */
  public interface Call<T, E extends Exception> {
    T run() throws E;
  }

  /** A step with no result. */
  public interface Action<E extends Exception> {
    void run() throws E;
  }

  /** Runs the step's side effect: timed, between its two crash points. */
  public <T, E extends Exception> T call(Call<T, E> effect) throws E {
    int hit = CRASH == null ? 0 : CRASH.before(this);
    long started = System.nanoTime();
    T result;
    try {
      result = effect.run();
    } finally {
      Breakdown b = CURRENT.get();
      if (b != null) {
        b.add(this, System.nanoTime() - started);
      }
    }
    if (CRASH != null) {
      CRASH.after(this, hit);
    }
    return result;
  }

  public <E extends Exception> void run(Action<E> effect) throws E {
    call(
        () -> {
          effect.run();
          return null;
        });
  }

  /**
   * Starts the per-step breakdown of one RPC on this thread; closing it logs one debug line ({@code
   * event=rpc_steps rpc=… <subject>=… total_ms=… <step>=<ms> …}). Inside another breakdown
   * (StopPodSandbox inside RemovePodSandbox) it adds to that one. Work the RPC hands to other
   * threads is joined with {@link #current} and {@link Breakdown#join}.
   */
  public static Breakdown breakdown(String rpc) {
    Breakdown outer = CURRENT.get();
    if (outer != null) {
      return outer.nested();
    }
    Breakdown b = new Breakdown(rpc, null);
    CURRENT.set(b);
    return b;
  }

  /** The breakdown this thread adds to, or null. */
  public static Breakdown current() {
    return CURRENT.get();
  }

  /** One RPC's time per step. */
  public static final class Breakdown implements AutoCloseable {
    private final String rpc;
    private final Breakdown owner; // non-null: a nested handle that closes nothing
    private final long started = System.nanoTime();
    private final Map<String, String> subject = new LinkedHashMap<>();
    private final Map<NamedStep, long[]> nanos = new LinkedHashMap<>();

    private Breakdown(String rpc, Breakdown owner) {
      this.rpc = rpc;
      this.owner = owner;
    }

    private Breakdown nested() {
      return new Breakdown(rpc, this);
    }

    /** Names what the RPC works on (sandbox=…, container=…) in the log line. */
    public Breakdown subject(String key, String value) {
      if (owner != null) {
        owner.subject.putIfAbsent(key, value);
      } else {
        subject.put(key, value);
      }
      return this;
    }

    private synchronized void add(NamedStep step, long elapsed) {
      if (owner != null) {
        owner.add(step, elapsed);
        return;
      }
      nanos.computeIfAbsent(step, s -> new long[1])[0] += elapsed;
    }

    /** Runs work (on another thread of the RPC) adding its steps to this breakdown. */
    public void join(Runnable work) {
      Breakdown before = CURRENT.get();
      CURRENT.set(owner != null ? owner : this);
      try {
        work.run();
      } finally {
        CURRENT.set(before);
      }
    }

    /** The line this breakdown logs, as it stands. */
    public synchronized String line() {
      StringBuilder sb = new StringBuilder("event=rpc_steps rpc=").append(rpc);
      subject.forEach((k, v) -> sb.append(' ').append(k).append('=').append(v));
      sb.append(" total_ms=").append(ms(System.nanoTime() - started));
      nanos.forEach(
          (step, n) ->
              sb.append(' ')
                  .append(
                      step.operation().equals(rpc) ? step.id.substring(rpc.length() + 1) : step.id)
                  .append('=')
                  .append(ms(n[0])));
      return sb.toString();
    }

    private static String ms(long nanos) {
      return String.format(java.util.Locale.ROOT, "%.1f", nanos / 1e6);
    }

    @Override
    public void close() {
      if (owner != null) {
        return;
      }
      CURRENT.remove();
      if (LOG.isLoggable(Level.FINE)) {
        LOG.fine(line());
      }
    }
  }

  /** Where the test hook halts jcrid: a step, before or after it, at its n-th run. */
  record CrashPoint(String step, boolean after, int nth, AtomicInteger runs) {
    static CrashPoint parse(String spec) {
      if (spec == null || spec.isBlank()) {
        return null;
      }
      String s = spec.strip();
      boolean after = s.startsWith("after:");
      if (after || s.startsWith("before:")) {
        s = s.substring(s.indexOf(':') + 1);
      }
      int nth = 1;
      int hash = s.indexOf('#');
      if (hash >= 0) {
        nth = Integer.parseInt(s.substring(hash + 1));
        s = s.substring(0, hash);
      }
      String name = s;
      if (Arrays.stream(values()).noneMatch(v -> v.id.equals(name))) {
        throw new IllegalArgumentException("jcri.test.crashAt: no step named " + name);
      }
      return new CrashPoint(name, after, nth, new AtomicInteger());
    }

    /** Counts a run of step and halts when it is the one to crash before; returns the run. */
    int before(NamedStep step) {
      if (!step.id.equals(this.step)) {
        return 0;
      }
      int run = runs.incrementAndGet();
      if (!after && run == nth) {
        halt("before", step, run);
      }
      return run;
    }

    void after(NamedStep step, int run) {
      if (after && run == nth && step.id.equals(this.step)) {
        halt("after", step, run);
      }
    }

    private static void halt(String where, NamedStep step, int run) {
      System.err.println(
          "event=test_crash_point where=" + where + " step=" + step.id + " run=" + run);
      Runtime.getRuntime().halt(137);
    }
  }
}
