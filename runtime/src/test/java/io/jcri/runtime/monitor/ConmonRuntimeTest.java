package io.jcri.runtime.monitor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.jcri.sys.ChildReaper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Real conmon and runc, as root, on busybox bundles the test builds. */
@Timeout(60)
class ConmonRuntimeTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Duration CREATE_TIMEOUT = Duration.ofSeconds(20);

  @TempDir static Path state;

  private static ConmonRuntime monitor;
  private static OciRuntime runc;
  private static final Map<String, BlockingQueue<Exit>> EXITS = new ConcurrentHashMap<>();
  private final List<String> created = new ArrayList<>();

  @BeforeAll
  static void startMonitor() throws IOException {
    ChildReaper.start(100); // as in jcrid: daemonised conmons become our children and are reaped
    monitor =
        new ConmonRuntime(
            Path.of("/usr/bin/conmon"),
            state.resolve("exits"),
            state.resolve("conmon"),
            state.resolve("attach"));
    runc = new OciRuntime("runc", Path.of("/usr/sbin/runc"), state.resolve("runc"));
    monitor.watchExits((id, exit) -> exits(id).add(exit));
  }

  @AfterAll
  static void stopMonitor() throws IOException {
    monitor.close();
    // runc removes each container's cgroup; the parent the test named is ours to remove
    try (var controllers = Files.list(Path.of("/sys/fs/cgroup"))) {
      for (Path controller : controllers.toList()) {
        Files.deleteIfExists(controller.resolve("jcri-monitor-test"));
      }
    }
  }

  @AfterEach
  void removeContainers() throws IOException {
    for (String id : created) {
      monitor.delete(runc, id, true);
    }
  }

  @Test
  void lifecycleLogsAndExitCode() throws Exception {
    String id = newId();
    Path bundle = bundle(id, List.of("sh", "-c", "echo hello; sleep 1; echo bye >&2; exit 7"));
    Path log = state.resolve("logs").resolve(id + ".log");

    CreatedContainer c = monitor.create(runc, id, bundle, log, false, false, false, CREATE_TIMEOUT);
    assertTrue(c.pid() > 0);
    assertTrue(c.conmonPid() > 0);
    RuncState s = monitor.state(runc, id).orElseThrow();
    assertEquals(RuncState.Status.CREATED, s.status());
    assertEquals(c.pid(), s.pid());
    assertTrue(monitor.exitOf(id).isEmpty());

    monitor.start(runc, id);
    assertEquals(RuncState.Status.RUNNING, monitor.state(runc, id).orElseThrow().status());

    Exit exit = exits(id).poll(10, TimeUnit.SECONDS);
    assertNotNull(exit, "exit delivered by watchExits");
    assertEquals(7, exit.code());
    assertFalse(exit.oomKilled());
    assertEquals(7, monitor.exitOf(id).orElseThrow().code());
    assertEquals(RuncState.Status.STOPPED, monitor.state(runc, id).orElseThrow().status());
    assertFalse(monitor.kill(runc, id, 15, false), "nothing to signal in a stopped container");

    List<String> lines = Files.readAllLines(log);
    assertEquals(2, lines.size(), lines.toString());
    assertLogLine(lines.get(0), "stdout", "hello");
    assertLogLine(lines.get(1), "stderr", "bye");

    monitor.delete(runc, id, false);
    assertTrue(monitor.state(runc, id).isEmpty());
    assertTrue(monitor.exitOf(id).isEmpty());
    monitor.delete(runc, id, false);
    monitor.delete(runc, id, true);
  }

  @Test
  void createFailureCarriesRuntimeError() throws Exception {
    String id = newId();
    Path bundle = bundle(id, List.of("/no/such/program"));
    MonitorException e =
        assertThrows(
            MonitorException.class,
            () ->
                monitor.create(
                    runc,
                    id,
                    bundle,
                    state.resolve("logs").resolve(id + ".log"),
                    false,
                    false,
                    false,
                    CREATE_TIMEOUT));
    assertTrue(e.getMessage().contains("/no/such/program"), e.getMessage());
    assertTrue(monitor.state(runc, id).isEmpty());
  }

  @Test
  void execSyncOutputExitCodeAndTimeout() throws Exception {
    String id = running(List.of("sleep", "1000"), false, false);

    ExecResult echo =
        monitor.execSync(runc, id, List.of("echo", "hi there"), Duration.ofSeconds(10));
    assertEquals(0, echo.exitCode());
    assertEquals("hi there\n", echo.out());
    assertFalse(echo.timedOut());

    ExecResult three =
        monitor.execSync(
            runc, id, List.of("sh", "-c", "echo oops >&2; exit 3"), Duration.ofSeconds(10));
    assertEquals(3, three.exitCode());
    assertEquals("oops\n", three.err());

    long t0 = System.nanoTime();
    ExecResult slow = monitor.execSync(runc, id, List.of("sleep", "10"), Duration.ofSeconds(1));
    long millis = (System.nanoTime() - t0) / 1_000_000;
    assertTrue(slow.timedOut());
    assertEquals(128 + 9, slow.exitCode());
    assertTrue(millis < 5000, "killed at the deadline, took " + millis + " ms");

    assertThrows(
        MonitorException.class,
        () -> monitor.execSync(runc, "no-such-container", List.of("true"), Duration.ofSeconds(5)));
  }

  @Test
  void killDeliversSignals() throws Exception {
    String id =
        running(
            List.of("sh", "-c", "trap 'exit 42' TERM; while true; do sleep 0.1; done"),
            false,
            false);
    Thread.sleep(300); // let the shell install its trap
    assertTrue(monitor.kill(runc, id, 15, false));
    assertEquals(42, exits(id).poll(10, TimeUnit.SECONDS).code());

    String sleeper = running(List.of("sleep", "1000"), false, false);
    assertTrue(monitor.kill(runc, sleeper, 9, true));
    assertEquals(128 + 9, exits(sleeper).poll(10, TimeUnit.SECONDS).code());
  }

  @Test
  void interactiveExecWithTtyFollowsResize() throws Exception {
    String id = running(List.of("sleep", "1000"), false, false);
    try (InteractiveExec exec = monitor.exec(runc, id, List.of("sh"), true, true)) {
      exec.resize(100, 40); // at once, as kubelet does: it may race the runtime's start-up
      readUntil(exec.stdout(), "# ");
      exec.stdin().write("stty size; exit 5\n".getBytes(StandardCharsets.UTF_8));
      String out = readAll(exec.stdout());
      assertEquals(5, exec.onExit().get(10, TimeUnit.SECONDS));
      assertTrue(out.contains("40 100"), out);
    }
    try (InteractiveExec exec = monitor.exec(runc, id, List.of("sh"), true, true)) {
      readUntil(exec.stdout(), "# ");
      exec.resize(90, 30);
      Thread.sleep(100);
      exec.stdin().write("stty size\n".getBytes(StandardCharsets.UTF_8));
      readUntil(exec.stdout(), "30 90\r\n/ # ");
      exec.stdin().close(); // ^D at the prompt ends the shell
      assertEquals(0, exec.onExit().get(10, TimeUnit.SECONDS));
    }
  }

  @Test
  void interactiveExecWithPipes() throws Exception {
    String id = running(List.of("sleep", "1000"), false, false);
    InteractiveExec exec =
        monitor.exec(runc, id, List.of("sh", "-c", "cat; echo done >&2"), false, true);
    exec.stdin().write("through the pipe\n".getBytes(StandardCharsets.UTF_8));
    exec.stdin().close();
    assertEquals("through the pipe\n", readAll(exec.stdout()));
    assertEquals("done\n", readAll(exec.stderr()));
    assertEquals(0, exec.waitFor());
  }

  @Test
  void attachEchoesStdinAndDetachKeepsContainer() throws Exception {
    String id = running(List.of("cat"), true, false);
    Path bundle = state.resolve("bundles").resolve(id);
    try (Attachment a = monitor.attach(id, bundle)) {
      a.stdin().write("ping\n".getBytes(StandardCharsets.UTF_8));
      byte[] buf = new byte[5];
      int n = 0;
      while (n < buf.length) {
        int r = a.stdout().read(buf, n, buf.length - n);
        assertTrue(r > 0, "attach stream ended early");
        n += r;
      }
      assertEquals("ping\n", new String(buf, StandardCharsets.UTF_8));
    }
    assertEquals(RuncState.Status.RUNNING, monitor.state(runc, id).orElseThrow().status());
    assertTrue(
        Files.readString(state.resolve("logs").resolve(id + ".log")).contains(" stdout F ping"));
  }

  @Test
  void attachToTtyContainerResizesThroughConmon() throws Exception {
    String id = running(List.of("sh"), true, true);
    try (Attachment a = monitor.attach(id, state.resolve("bundles").resolve(id))) {
      a.resize(120, 50);
      a.stdin().write("stty size\n".getBytes(StandardCharsets.UTF_8));
      readUntil(a.stdout(), "50 120");
    }
    assertEquals(RuncState.Status.RUNNING, monitor.state(runc, id).orElseThrow().status());
  }

  @Test
  void updateChangesCgroupLimits() throws Exception {
    String id = running(List.of("sleep", "1000"), false, false);
    monitor.update(runc, id, "{\"memory\":{\"limit\":67108864}}".getBytes(StandardCharsets.UTF_8));
    Path limit = Path.of("/sys/fs/cgroup/memory/jcri-monitor-test", id, "memory.limit_in_bytes");
    assertEquals("67108864", Files.readString(limit).trim());
  }

  @Test
  void oomKillIsReported() throws Exception {
    String id = newId();
    Path bundle = bundle(id, List.of("dd", "if=/dev/zero", "of=/dev/null", "bs=64M", "count=1"));
    ObjectNode config = (ObjectNode) JSON.readTree(bundle.resolve("config.json").toFile());
    ((ObjectNode) config.get("linux"))
        .putObject("resources")
        .putObject("memory")
        .put("limit", 16 << 20);
    Files.write(bundle.resolve("config.json"), JSON.writeValueAsBytes(config));
    monitor.create(
        runc,
        id,
        bundle,
        state.resolve("logs").resolve(id + ".log"),
        false,
        false,
        false,
        CREATE_TIMEOUT);
    monitor.start(runc, id);
    Exit exit = exits(id).poll(10, TimeUnit.SECONDS);
    assertNotNull(exit);
    assertEquals(128 + 9, exit.code());
    assertTrue(exit.oomKilled());
  }

  @Test
  void exitsSurviveAMonitorRestart() throws Exception {
    String id = running(List.of("sh", "-c", "sleep 0.5; exit 9"), false, false);
    assertEquals(9, exits(id).poll(10, TimeUnit.SECONDS).code());
    // a new monitor over the same directories, as after a jcrid restart
    BlockingQueue<String> seen = new LinkedBlockingQueue<>();
    try (ConmonRuntime restarted =
        new ConmonRuntime(
            Path.of("/usr/bin/conmon"),
            state.resolve("exits"),
            state.resolve("conmon"),
            state.resolve("attach"))) {
      assertEquals(9, restarted.exitOf(id).orElseThrow().code());
      restarted.watchExits((exited, exit) -> seen.add(exited + "=" + exit.code()));
      String first;
      do {
        first = seen.poll(5, TimeUnit.SECONDS);
        assertNotNull(first, "recorded exits delivered when watching starts");
      } while (!first.startsWith(id));
      assertEquals(id + "=9", first);
    }
  }

  @Test
  void reopenLogStartsNewFile() throws Exception {
    String id =
        running(List.of("sh", "-c", "while true; do echo tick; sleep 0.1; done"), false, false);
    Path log = state.resolve("logs").resolve(id + ".log");
    Thread.sleep(300);
    Path rotated = log.resolveSibling(id + ".log.1");
    Files.move(log, rotated, StandardCopyOption.ATOMIC_MOVE);
    monitor.reopenLog(id, state.resolve("bundles").resolve(id));
    Thread.sleep(500);
    assertTrue(Files.exists(log), "conmon reopened the log path");
    assertTrue(Files.readString(log).contains(" stdout F tick"));
  }

  private String running(List<String> args, boolean stdin, boolean tty) throws Exception {
    String id = newId();
    Path bundle = bundle(id, args, tty);
    monitor.create(
        runc,
        id,
        bundle,
        state.resolve("logs").resolve(id + ".log"),
        stdin,
        false,
        tty,
        CREATE_TIMEOUT);
    monitor.start(runc, id);
    return id;
  }

  private String newId() {
    String id = "t" + Long.toHexString(ThreadLocalRandom.current().nextLong() & 0xffffffffL);
    created.add(id);
    return id;
  }

  private static BlockingQueue<Exit> exits(String id) {
    return EXITS.computeIfAbsent(id, k -> new LinkedBlockingQueue<>());
  }

  private static void assertLogLine(String line, String stream, String text) {
    String[] parts = line.split(" ", 4);
    assertEquals(4, parts.length, line);
    OffsetDateTime.parse(parts[0]); // RFC 3339 with nanoseconds
    assertTrue(parts[0].matches(".*T.*\\.\\d{9}.*"), line);
    assertEquals(stream, parts[1], line);
    assertEquals("F", parts[2], line);
    assertEquals(text, parts[3], line);
  }

  private static void readUntil(InputStream in, String expected) throws IOException {
    StringBuilder seen = new StringBuilder();
    byte[] buf = new byte[256];
    while (!seen.toString().contains(expected)) {
      int n = in.read(buf);
      assertTrue(n > 0, "output ended before \"" + expected + "\": " + seen);
      seen.append(new String(buf, 0, n, StandardCharsets.UTF_8));
    }
  }

  private static String readAll(InputStream in) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    in.transferTo(out);
    return out.toString(StandardCharsets.UTF_8);
  }

  /** A bundle whose rootfs is busybox-static and whose config is the smallest runc accepts here. */
  private static Path bundle(String id, List<String> args) throws IOException {
    return bundle(id, args, false);
  }

  private static Path bundle(String id, List<String> args, boolean tty) throws IOException {
    Path bundle = state.resolve("bundles").resolve(id);
    Path bin = Files.createDirectories(bundle.resolve("rootfs/bin"));
    Files.copy(Path.of("/bin/busybox"), bin.resolve("busybox"));
    for (String tool : List.of("sh", "echo", "cat", "sleep", "true", "stty", "dd")) {
      Files.createSymbolicLink(bin.resolve(tool), Path.of("busybox"));
    }
    Files.createDirectories(bundle.resolve("rootfs/proc"));
    Files.createDirectories(bundle.resolve("rootfs/dev"));

    ObjectNode config = JSON.createObjectNode();
    config.put("ociVersion", "1.0.2");
    ObjectNode process = config.putObject("process");
    process.put("terminal", tty);
    process.putObject("user").put("uid", 0).put("gid", 0);
    ArrayNode argv = process.putArray("args");
    args.forEach(argv::add);
    process.putArray("env").add("PATH=/bin").add("TERM=xterm");
    process.put("cwd", "/");
    process.put("noNewPrivileges", true);
    config.putObject("root").put("path", "rootfs");
    config.put("hostname", id);
    ArrayNode mounts = config.putArray("mounts");
    mounts.addObject().put("destination", "/proc").put("type", "proc").put("source", "proc");
    mounts
        .addObject()
        .put("destination", "/dev")
        .put("type", "tmpfs")
        .put("source", "tmpfs")
        .putArray("options")
        .add("nosuid")
        .add("mode=755");
    mounts
        .addObject()
        .put("destination", "/dev/pts")
        .put("type", "devpts")
        .put("source", "devpts")
        .putArray("options")
        .add("nosuid")
        .add("noexec")
        .add("newinstance")
        .add("ptmxmode=0666")
        .add("mode=0620");
    ObjectNode linux = config.putObject("linux");
    ArrayNode namespaces = linux.putArray("namespaces");
    for (String ns : List.of("pid", "ipc", "uts", "mount")) {
      namespaces.addObject().put("type", ns);
    }
    linux.put("cgroupsPath", "/jcri-monitor-test/" + id);
    Files.write(bundle.resolve("config.json"), JSON.writeValueAsBytes(config));
    return bundle;
  }
}
