package io.jcri.it.kubelet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.jcri.cri.v1.ContainerEventResponse;
import io.jcri.cri.v1.ContainerEventType;
import io.jcri.cri.v1.ContainerFilter;
import io.jcri.cri.v1.ContainerStatus;
import io.jcri.cri.v1.ExecSyncRequest;
import io.jcri.cri.v1.ExecSyncResponse;
import io.jcri.cri.v1.GetEventsRequest;
import io.jcri.cri.v1.ImageSpec;
import io.jcri.cri.v1.ListContainersRequest;
import io.jcri.cri.v1.ListImagesRequest;
import io.jcri.cri.v1.ListPodSandboxRequest;
import io.jcri.cri.v1.PullImageRequest;
import io.jcri.cri.v1.RemovePodSandboxRequest;
import io.jcri.cri.v1.StopPodSandboxRequest;
import io.jcri.it.Jcrid;
import io.jcri.it.registry.LocalRegistry;
import io.jcri.it.registry.TestImages;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * A real kubelet (standalone: static pods, no API server) runs its pods on the real jcrid. Every
 * pod is dropped into the static pod directory at the start, so they progress side by side; each
 * test then checks one behaviour through kubelet's own API and through CRI. Skipped when no kubelet
 * is on PATH (CI has none).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class KubeletIT {
  private static final Duration POD_START = Duration.ofSeconds(120);
  private static final Pattern CRI_LOG_LINE =
      Pattern.compile(
          "^\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d(\\.\\d+)?(Z|[+-]\\d\\d:\\d\\d) (stdout|stderr) [FP] .*$");
  private static final int HOST_PORT = 18481;

  private Jcrid d;
  private Kubelet kubelet;
  private String image;
  private Path host;
  private String victim;
  private Instant kubeletStarted;

  @BeforeAll
  void startNode() throws Exception {
    Path binary = Kubelet.onPath();
    assumeTrue(binary != null, "kubelet is not on PATH");
    image = TestImages.busybox();
    d = Jcrid.start();
    Files.writeString(
        d.cniConfDir().resolve("05-kubelet-it.conflist"),
        """
        {"cniVersion":"1.0.0","name":"jcri-kubelet-it","plugins":[
          {"type":"bridge","bridge":"jcrikub0","isGateway":true,"ipMasq":true,"hairpinMode":true,
           "ipam":{"type":"host-local","ranges":[[{"subnet":"10.98.0.0/16"}]],"routes":[{"dst":"0.0.0.0/0"}],
                   "dataDir":"%s"}},
          {"type":"portmap","capabilities":{"portMappings":true}}]}
        """
            .formatted(d.home().resolve("ipam")));
    host = Files.createDirectories(d.home().resolve("host"));
    Files.writeString(host.resolve("hostfile"), "host-content\n");
    // Unused from the start. kubelet detects images at start and runs its image GC every 5 minutes
    // (the run at
    // start finds no filesystem stats yet); an image first seen by a GC run is too young for that
    // run.
    victim =
        TestImages.image(LocalRegistry.shared(), "test/gc-victim")
            .layer(TestImages.busyboxLayer())
            .label("victim", "yes")
            .cmd("sh")
            .push("v1")
            .reference();
    d.images()
        .pullImage(
            PullImageRequest.newBuilder()
                .setImage(ImageSpec.newBuilder().setImage(victim))
                .build());
    kubelet =
        Kubelet.start(binary, Files.createDirectories(d.home().resolve("kubelet")), d.endpoint());
    kubeletStarted = Instant.now();
    writeManifests();
  }

  @AfterAll
  void stopNode() throws Exception {
    if (kubelet != null) {
      kubelet.close();
      Path keep = Files.createDirectories(Path.of("target/kubelet-it"));
      Files.copy(
          kubelet.log(),
          keep.resolve("kubelet-v1." + kubelet.minor() + ".log"),
          StandardCopyOption.REPLACE_EXISTING);
      Files.copy(
          d.logFile(),
          keep.resolve("jcrid-kubelet-v1." + kubelet.minor() + ".log"),
          StandardCopyOption.REPLACE_EXISTING);
    }
    if (d != null) {
      // a run that failed before the removal scenario leaves pods; their CNI DEL also drops the
      // host
      // port rules, which would otherwise send the next run's host port to a pod that is gone
      for (var pod :
          d.runtime().listPodSandbox(ListPodSandboxRequest.getDefaultInstance()).getItemsList()) {
        d.runtime()
            .stopPodSandbox(
                StopPodSandboxRequest.newBuilder().setPodSandboxId(pod.getId()).build());
        d.runtime()
            .removePodSandbox(
                RemovePodSandboxRequest.newBuilder().setPodSandboxId(pod.getId()).build());
      }
      d.close();
    }
  }

  // ---- the pods -------------------------------------------------------------------------------

  private void writeManifests() throws IOException {
    manifest(
        "multi",
        "",
        """
          initContainers:
        %s
        %s
          containers:
        %s
        %s
          volumes:
          - name: work
            emptyDir: {}
        """
            .formatted(
                container(
                    "i1",
                    "echo i1 >> /work/order",
                    "volumeMounts: [{name: work, mountPath: /work}]"),
                container(
                    "i2",
                    "echo i2 >> /work/order",
                    "volumeMounts: [{name: work, mountPath: /work}]"),
                container(
                    "a",
                    "cat /work/order; exec sleep 3600",
                    "volumeMounts: [{name: work, mountPath: /work}]"),
                container("b", "exec sleep 3600", "")));
    manifest(
        "always",
        "restartPolicy: Always",
        "  containers:\n" + container("main", "echo run; exit 3", ""));
    manifest(
        "onfailure",
        "restartPolicy: OnFailure",
        "  containers:\n" + container("main", "echo done; exit 0", ""));
    manifest("never", "restartPolicy: Never", "  containers:\n" + container("main", "exit 2", ""));
    manifest(
        "oom",
        "restartPolicy: Never",
        "  containers:\n"
            + container(
                "main",
                "dd if=/dev/zero of=/dev/null bs=128M count=1",
                """
            resources:
              limits: {memory: 32Mi}""")
            + "\n");
    manifest(
        "probes",
        "",
        "  containers:\n"
            + container(
                "live",
                "touch /tmp/healthy; sleep 8; rm /tmp/healthy; exec sleep 3600",
                """
            livenessProbe:
              exec: {command: [cat, /tmp/healthy]}
              initialDelaySeconds: 1
              periodSeconds: 2
              failureThreshold: 1""")
            + "\n"
            + container(
                "ready",
                "sleep 4; touch /tmp/ready; exec sleep 3600",
                """
            readinessProbe:
              exec: {command: [cat, /tmp/ready]}
              periodSeconds: 1""")
            + "\n");
    manifest(
        "volumes",
        "",
        "  containers:\n"
            + container(
                "main",
                String.join(
                    "; ",
                    "grep ' /mem ' /proc/mounts | cut -d' ' -f3",
                    "echo data > /cache/f && cat /cache/f",
                    "echo sub > /sub/x && ls /cache/subdir",
                    "(touch /ro/x 2>/dev/null && echo ro-writable) || echo ro-refused",
                    "cat /hostfile",
                    "echo from-container > /hostdir/ctrfile",
                    "grep -c 'Kubernetes-managed hosts file' /etc/hosts",
                    "exec sleep 3600"),
                """
            volumeMounts:
            - {name: cache, mountPath: /cache}
            - {name: cache, mountPath: /sub, subPath: subdir}
            - {name: mem, mountPath: /mem}
            - {name: ro, mountPath: /ro, readOnly: true}
            - {name: hostfile, mountPath: /hostfile}
            - {name: hostdir, mountPath: /hostdir}""")
            + """

          volumes:
          - {name: cache, emptyDir: {}}
          - {name: mem, emptyDir: {medium: Memory}}
          - {name: ro, hostPath: {path: %s, type: DirectoryOrCreate}}
          - {name: hostfile, hostPath: {path: %s, type: File}}
          - {name: hostdir, hostPath: {path: %s, type: DirectoryOrCreate}}
        """
                .formatted(host.resolve("ro"), host.resolve("hostfile"), host.resolve("created")));
    manifest(
        "termmsg",
        "restartPolicy: Never",
        "  containers:\n"
            + container("main", "echo bye-message > /dev/termination-log; exit 1", ""));
    manifest(
        "termlog",
        "restartPolicy: Never",
        "  containers:\n"
            + container(
                "main",
                "echo from-the-log; exit 1",
                "terminationMessagePolicy: FallbackToLogsOnError"));
    manifest(
        "logger",
        "",
        "  containers:\n"
            + container("main", "while true; do printf '%2000s\\n' x; sleep 0.05; done", ""));
    manifest(
        "counter",
        "",
        "  containers:\n"
            + container("main", "i=0; while true; do echo n $i; i=$((i+1)); sleep 0.2; done", ""));
    manifest(
        "burstable",
        "",
        "  containers:\n"
            + container(
                "main",
                "exec sleep 3600",
                """
            resources:
              requests: {cpu: 100m, memory: 32Mi}
              limits: {cpu: 200m, memory: 64Mi}""")
            + "\n");
    manifest(
        "guaranteed",
        "",
        "  containers:\n"
            + container(
                "main",
                "exec sleep 3600",
                """
            resources:
              requests: {cpu: 250m, memory: 48Mi}
              limits: {cpu: 250m, memory: 48Mi}""")
            + "\n");
    manifest(
        "hostns",
        "hostNetwork: true\n  hostPID: true\n  hostIPC: true",
        "  containers:\n" + container("main", "exec sleep 3600", ""));
    manifest(
        "sharepid",
        "shareProcessNamespace: true",
        "  containers:\n"
            + container("a", "exec sleep 3601", "")
            + "\n"
            + container("b", "exec sleep 3602", ""));
    manifest(
        "dns",
        """
        dnsPolicy: None
          dnsConfig:
            nameservers: [192.0.2.53]
            searches: [jcri.test]
            options: [{name: ndots, value: "2"}]""",
        "  containers:\n" + container("main", "exec sleep 3600", ""));
    manifest(
        "hostport",
        "",
        "  containers:\n"
            + container(
                "main",
                "mkdir -p /www && echo hello-hostport > /www/index.html && exec httpd -f -p 8080 -h /www",
                """
            ports: [{containerPort: 8080, hostPort: %d}]"""
                    .formatted(HOST_PORT))
            + "\n");
    manifest(
        "graceful",
        "terminationGracePeriodSeconds: 5",
        "  containers:\n"
            + container(
                "main",
                "trap '' TERM; while true; do sleep 1; done",
                """
            lifecycle:
              preStop:
                exec: {command: [sh, -c, "echo stopped > /hostdir/prestop"]}
            volumeMounts: [{name: hostdir, mountPath: /hostdir}]""")
            + """

          volumes:
          - {name: hostdir, hostPath: {path: %s, type: DirectoryOrCreate}}
        """
                .formatted(host.resolve("graceful")));
  }

  /**
   * One container of a manifest, running sh -c script, with more of its spec (already indented)
   * after.
   */
  private String container(String name, String script, String more) {
    return """
          - name: %s
            image: %s
            imagePullPolicy: IfNotPresent
            command: [sh, -c, %s]
        """
            .formatted(name, image, yamlString(script))
        + (more.isEmpty() ? "" : more.stripIndent().indent(4));
  }

  private void manifest(String name, String podFields, String specBody) throws IOException {
    String yaml =
        """
        apiVersion: v1
        kind: Pod
        metadata:
          name: %s
          namespace: default
        spec:
          %s
        %s"""
            .formatted(name, podFields, specBody);
    Files.writeString(kubelet.manifests().resolve(name + ".yaml"), yaml);
  }

  private static String yamlString(String s) {
    return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
  }

  // ---- the behaviours -------------------------------------------------------------------------

  @Test
  @Order(1)
  void initContainersRunFirstInOrderThenEveryContainerRuns() throws Exception {
    JsonNode pod = awaitPod("multi", p -> phase(p).equals("Running") && allRunning(p), POD_START);
    for (String init : List.of("i1", "i2")) {
      JsonNode t = status(pod, "initContainerStatuses", init).at("/state/terminated");
      assertEquals(0, t.path("exitCode").asInt(), init + ": " + t);
      assertEquals("Completed", t.path("reason").asText(), init + ": " + t);
    }
    assertEquals(
        "i1\ni2", kubelet.get("/containerLogs/default/" + podName("multi") + "/a").strip());
    assertEquals(2, criContainers("multi", true).size(), "two running containers in the runtime");
  }

  @Test
  @Order(2)
  void restartPoliciesAndTerminationStates() throws Exception {
    JsonNode always = awaitPod("always", p -> restarts(p, "main") >= 2, Duration.ofSeconds(180));
    JsonNode last = status(always, "containerStatuses", "main").at("/lastState/terminated");
    assertEquals(3, last.path("exitCode").asInt(), last.toString());
    assertEquals("Error", last.path("reason").asText(), last.toString());

    JsonNode onFailure = awaitPod("onfailure", p -> phase(p).equals("Succeeded"), POD_START);
    JsonNode done = status(onFailure, "containerStatuses", "main");
    assertEquals("Completed", done.at("/state/terminated/reason").asText(), done.toString());
    assertEquals(0, done.path("restartCount").asInt());

    JsonNode never = awaitPod("never", p -> phase(p).equals("Failed"), POD_START);
    JsonNode failed = status(never, "containerStatuses", "main");
    assertEquals(2, failed.at("/state/terminated/exitCode").asInt(), failed.toString());
    assertEquals("Error", failed.at("/state/terminated/reason").asText(), failed.toString());
    assertEquals(0, failed.path("restartCount").asInt());

    JsonNode oom = awaitPod("oom", p -> phase(p).equals("Failed"), POD_START);
    JsonNode killed = status(oom, "containerStatuses", "main");
    assertEquals("OOMKilled", killed.at("/state/terminated/reason").asText(), killed.toString());
    assertEquals(137, killed.at("/state/terminated/exitCode").asInt(), killed.toString());
  }

  @Test
  @Order(3)
  void aFailingLivenessProbeRestartsAndReadinessFollowsItsProbe() throws Exception {
    JsonNode pod =
        awaitPod(
            "probes",
            p ->
                restarts(p, "live") >= 1
                    && status(p, "containerStatuses", "ready").path("ready").asBoolean(),
            POD_START);
    JsonNode live = status(pod, "containerStatuses", "live");
    assertTrue(live.at("/lastState/terminated").has("exitCode"), live.toString());
    assertEquals(0, restarts(pod, "ready"), "the readiness probe never restarts");
  }

  @Test
  @Order(4)
  void volumesAndTheFilesKubeletWrites() throws Exception {
    awaitPod("volumes", p -> allRunning(p), POD_START);
    String log = awaitLog("volumes", "main", 6);
    assertEquals(
        List.of("tmpfs", "data", "x", "ro-refused", "host-content", "1"),
        log.lines().toList(),
        "medium: Memory is tmpfs; emptyDir, subPath, read-only and typed hostPath volumes; kubelet's /etc/hosts");
    assertEquals(
        "from-container\n",
        Files.readString(host.resolve("created/ctrfile")),
        "a DirectoryOrCreate hostPath is shared with the host");

    JsonNode msg = awaitPod("termmsg", p -> phase(p).equals("Failed"), POD_START);
    assertEquals(
        "bye-message",
        status(msg, "containerStatuses", "main").at("/state/terminated/message").asText().strip());
    JsonNode fromLog = awaitPod("termlog", p -> phase(p).equals("Failed"), POD_START);
    assertEquals(
        "from-the-log",
        status(fromLog, "containerStatuses", "main")
            .at("/state/terminated/message")
            .asText()
            .strip());
  }

  @Test
  @Order(5)
  void logsAreInCriFormatLinkedAndRotated() throws Exception {
    JsonNode pod = awaitPod("counter", p -> allRunning(p), POD_START);
    Path dir = podLogDir(pod).resolve("main");
    await(
        "counter log",
        Duration.ofSeconds(30),
        () -> Files.exists(dir.resolve("0.log")) && Files.size(dir.resolve("0.log")) > 0);
    for (String line : Files.readAllLines(dir.resolve("0.log"))) {
      assertTrue(CRI_LOG_LINE.matcher(line).matches(), line);
    }
    String id = containerId(pod, "main");
    Path link =
        Path.of("/var/log/containers/" + podName("counter") + "_default_main-" + id + ".log");
    assertTrue(Files.isSymbolicLink(link), link + " links to the pod log");
    assertEquals(dir.resolve("0.log"), Files.readSymbolicLink(link));

    JsonNode logger = awaitPod("logger", p -> allRunning(p), POD_START);
    Path loggerDir = podLogDir(logger).resolve("main");
    await(
        "a rotated log beside a live 0.log",
        Duration.ofSeconds(90),
        () -> rotated(loggerDir).size() >= 1);
    long before = Files.size(loggerDir.resolve("0.log"));
    await(
        "0.log written again after rotation",
        Duration.ofSeconds(30),
        () ->
            Files.exists(loggerDir.resolve("0.log"))
                && Files.size(loggerDir.resolve("0.log")) != before);
  }

  @Test
  @Order(6)
  void requestsAndLimitsBecomeCgroupValuesUnderKubepods() throws Exception {
    JsonNode burstable = awaitPod("burstable", p -> allRunning(p), POD_START);
    assertTrue(
        Files.isDirectory(
            Path.of(
                "/sys/fs/cgroup/cpu/kubepods/burstable/pod" + uid(burstable),
                containerId(burstable, "main"))),
        () ->
            "container cgroup of "
                + burstable
                + " in "
                + list("/sys/fs/cgroup/cpu/kubepods/burstable"));
    Path cpu =
        Path.of(
            "/sys/fs/cgroup/cpu/kubepods/burstable/pod" + uid(burstable),
            containerId(burstable, "main"));
    assertEquals("102", Files.readString(cpu.resolve("cpu.shares")).strip());
    assertEquals("20000", Files.readString(cpu.resolve("cpu.cfs_quota_us")).strip());
    Path memory =
        Path.of(
            "/sys/fs/cgroup/memory/kubepods/burstable/pod" + uid(burstable),
            containerId(burstable, "main"));
    assertEquals(
        String.valueOf(64L << 20),
        Files.readString(memory.resolve("memory.limit_in_bytes")).strip());

    JsonNode guaranteed = awaitPod("guaranteed", p -> allRunning(p), POD_START);
    Path gcpu =
        Path.of(
            "/sys/fs/cgroup/cpu/kubepods/pod" + uid(guaranteed), containerId(guaranteed, "main"));
    assertEquals("256", Files.readString(gcpu.resolve("cpu.shares")).strip());
    assertEquals("25000", Files.readString(gcpu.resolve("cpu.cfs_quota_us")).strip());
    Path gmem =
        Path.of(
            "/sys/fs/cgroup/memory/kubepods/pod" + uid(guaranteed),
            containerId(guaranteed, "main"));
    assertEquals(
        String.valueOf(48L << 20), Files.readString(gmem.resolve("memory.limit_in_bytes")).strip());
  }

  @Test
  @Order(7)
  void hostNamespacesSharedPidDnsAndHostPorts() throws Exception {
    JsonNode hostns = awaitPod("hostns", p -> allRunning(p), POD_START);
    String id = containerId(hostns, "main");
    for (String ns : List.of("net", "pid", "ipc")) {
      assertEquals(
          Files.readSymbolicLink(Path.of("/proc/self/ns/" + ns)).toString(),
          exec(id, "readlink", "/proc/self/ns/" + ns).strip(),
          ns + " namespace of the host");
    }

    JsonNode share = awaitPod("sharepid", p -> allRunning(p), POD_START);
    assertTrue(exec(containerId(share, "b"), "ps").contains("sleep 3601"), "b sees a's processes");

    JsonNode dns = awaitPod("dns", p -> allRunning(p), POD_START);
    String resolv = exec(containerId(dns, "main"), "cat", "/etc/resolv.conf");
    assertTrue(resolv.contains("nameserver 192.0.2.53"), resolv);
    assertTrue(resolv.contains("search jcri.test"), resolv);
    assertTrue(resolv.contains("options ndots:2"), resolv);

    awaitPod("hostport", p -> allRunning(p), POD_START);
    await(
        "the host port answers",
        Duration.ofSeconds(30),
        () -> httpGet("10.98.0.1", HOST_PORT).contains("hello-hostport"),
        () ->
            "nat rules for the port: "
                + command("sh", "-c", "iptables-save -t nat | grep -e " + HOST_PORT + " -e CNI-DN")
                + "\nlog of the pod: "
                + kubelet.get("/containerLogs/default/" + podName("hostport") + "/main"));
  }

  @Test
  @Order(8)
  void statsSummaryHasCpuMemoryAndFilesystemOfEveryPod() throws Exception {
    awaitPod("multi", p -> allRunning(p), POD_START);
    JsonNode p = awaitPodStats("multi", false);
    assertTrue(p.at("/ephemeral-storage/usedBytes").asLong() > 0, p.toString());
    assertEquals(2, p.path("containers").size(), p.toString());
    for (JsonNode c : p.path("containers")) {
      assertTrue(c.at("/cpu/usageCoreNanoSeconds").asLong() > 0, c.toString());
      assertTrue(c.at("/rootfs/usedBytes").isNumber(), c.toString());
      assertTrue(c.at("/logs/usedBytes").isNumber(), c.toString());
    }
  }

  @Test
  @Order(9)
  void containerGcKeepsOneDeadContainerPerContainer() throws Exception {
    awaitPod("always", p -> restarts(p, "main") >= 3, Duration.ofSeconds(240));
    await(
        "dead containers of the always pod collected",
        Duration.ofSeconds(120),
        () -> criContainers("always", false).size() <= 2);
  }

  @Test
  @Order(10)
  void kubeletImageGcRemovesUnusedImagesOnly() throws Exception {
    Duration left = Duration.ofMinutes(7).minus(Duration.between(kubeletStarted, Instant.now()));
    await(
        "image GC removed the unused image",
        left.isNegative() ? Duration.ofSeconds(5) : left,
        () -> !imagePresent(victim));
    assertTrue(imagePresent(image), "an image in use stays");
    assertTrue(imagePresent(Kubelet.PAUSE_IMAGE), "the pinned pause image stays");
  }

  /**
   * kubelet restarted with PodAndContainerStatsFromCRI: its stats then come from CRI alone. Without
   * the gate kubelet takes a pod's network figures from cAdvisor's record of the sandbox container,
   * which cAdvisor only labels for containerd and CRI-O (it has a plugin for each), so no other
   * runtime's pods have network figures on that path.
   */
  @Test
  @Order(11)
  void restartingKubeletKeepsPodsRunningAndCriStatsHaveNetworkFigures() throws Exception {
    Map<String, String> before = runningContainers();
    kubelet.restart("--feature-gates=PodAndContainerStatsFromCRI=true");
    Thread.sleep(15_000); // a few sync loops
    assertEquals(before, runningContainers(), "no container restarted with kubelet");
    JsonNode p = awaitPodStats("multi", true);
    assertTrue(p.at("/network/interfaces").size() >= 1, p.toString());
    assertTrue(p.at("/network/rxBytes").isNumber(), p.toString());
    assertTrue(p.at("/ephemeral-storage/usedBytes").asLong() > 0, p.toString());
  }

  @Test
  @Order(12)
  void restartingJcridUnderKubeletRestartsNothingAndLosesNoLogLine() throws Exception {
    Map<String, String> before = runningContainers();
    d.restart();
    Thread.sleep(15_000);
    d.kill9();
    d.restart();
    Thread.sleep(15_000);
    assertEquals(
        before, runningContainers(), "no container restarted with jcrid (SIGTERM, then kill -9)");
    assertFalse(before.isEmpty());
    JsonNode counter = kubelet.pod("counter");
    List<Integer> numbers = counted(podLogDir(counter).resolve("main"));
    assertTrue(numbers.size() > 100, "lines " + numbers.size());
    for (int i = 0; i < numbers.size(); i++) {
      assertEquals(i, numbers.get(i), "log line " + i + " of the counter pod");
    }
  }

  @Test
  @Order(13)
  void removingManifestsStopsAndRemovesEveryPodWithItsHooksAndGracePeriod() throws Exception {
    JsonNode graceful = awaitPod("graceful", p -> allRunning(p), POD_START);
    String id = containerId(graceful, "main");
    // kubelet 1.34 removes a deleted pod's containers right after they stop: watch the stop as an
    // event
    CompletableFuture<ContainerStatus> stopped = stopEventOf(id);
    try (Stream<Path> manifests = Files.list(kubelet.manifests())) {
      for (Path m : manifests.toList()) {
        Files.delete(m);
      }
    }
    Instant removed = Instant.now();
    ContainerStatus status = stopped.get(60, TimeUnit.SECONDS);
    Duration took = Duration.between(removed, Instant.ofEpochSecond(0, status.getFinishedAt()));
    assertEquals(
        "stopped\n", Files.readString(host.resolve("graceful/prestop")), "the preStop hook ran");
    assertEquals(
        137, status.getExitCode(), "SIGTERM was ignored, so the grace period ended in SIGKILL");
    assertTrue(
        took.toMillis() >= 3500 && took.toSeconds() < 30,
        "stopped after the 5 s grace period: " + took);

    await(
        "every sandbox and container removed",
        Duration.ofSeconds(240),
        () ->
            d.runtime().listPodSandbox(ListPodSandboxRequest.getDefaultInstance()).getItemsCount()
                    == 0
                && d.runtime()
                        .listContainers(ListContainersRequest.getDefaultInstance())
                        .getContainersCount()
                    == 0);
    try (Stream<String> mounts = Files.lines(Path.of("/proc/self/mountinfo"))) {
      assertEquals(
          List.of(),
          mounts.filter(l -> l.contains(d.state().toString())).toList(),
          "no mount left");
    }
    try (Stream<Path> ips = Files.list(d.home().resolve("ipam/jcri-kubelet-it"))) {
      assertEquals(
          List.of(),
          ips.filter(p -> p.getFileName().toString().startsWith("10.98.")).toList(),
          "no IP held");
    }
  }

  // ---- helpers --------------------------------------------------------------------------------

  /**
   * The pod's entry in /stats/summary once it has CPU and memory figures (and network, if asked).
   */
  private JsonNode awaitPodStats(String manifest, boolean network) throws Exception {
    JsonNode[] stats = new JsonNode[1];
    String[] last = {""};
    await(
        "summary stats of " + manifest,
        Duration.ofSeconds(60),
        () -> {
          for (JsonNode p : kubelet.getJson("/stats/summary").path("pods")) {
            if (p.at("/podRef/name").asText().equals(podName(manifest))) {
              last[0] = p.toString();
              if (p.at("/cpu/usageCoreNanoSeconds").asLong() > 0
                  && p.at("/memory/workingSetBytes").asLong() > 0
                  && p.has("ephemeral-storage")
                  && (!network || p.has("network"))) {
                stats[0] = p;
                return true;
              }
            }
          }
          return false;
        },
        () -> last[0]);
    return stats[0];
  }

  /** The container's status in the first CONTAINER_STOPPED_EVENT jcrid streams for it. */
  private CompletableFuture<ContainerStatus> stopEventOf(String id) throws InterruptedException {
    CompletableFuture<ContainerStatus> stopped = new CompletableFuture<>();
    CountDownLatch subscribed = new CountDownLatch(1);
    Thread.ofVirtual()
        .start(
            () -> {
              try {
                Iterator<ContainerEventResponse> events =
                    d.runtime().getContainerEvents(GetEventsRequest.getDefaultInstance());
                subscribed.countDown();
                while (!stopped.isDone() && events.hasNext()) {
                  ContainerEventResponse e = events.next();
                  if (e.getContainerId().equals(id)
                      && e.getContainerEventType() == ContainerEventType.CONTAINER_STOPPED_EVENT) {
                    e.getContainersStatusesList().stream()
                        .filter(c -> c.getId().equals(id))
                        .findFirst()
                        .ifPresent(stopped::complete);
                  }
                }
              } catch (RuntimeException e) {
                stopped.completeExceptionally(e);
              }
            });
    subscribed.await(10, TimeUnit.SECONDS);
    Thread.sleep(
        500); // the server subscribes when the call arrives, a moment after the stub returns
    return stopped;
  }

  private static String list(String dir) {
    try (Stream<Path> files = Files.list(Path.of(dir))) {
      return files.map(f -> f.getFileName().toString()).toList().toString();
    } catch (IOException e) {
      return e.toString();
    }
  }

  private interface PodCheck {
    boolean test(JsonNode pod) throws Exception;
  }

  private String podName(String manifest) {
    return manifest + "-" + kubelet.nodeName();
  }

  private JsonNode awaitPod(String manifest, PodCheck check, Duration timeout) throws Exception {
    JsonNode[] last = new JsonNode[1];
    await(
        "pod " + manifest,
        timeout,
        () -> {
          last[0] = kubelet.pod(manifest);
          return last[0] != null && check.test(last[0]);
        },
        () -> String.valueOf(last[0] == null ? null : last[0].path("status")));
    return last[0];
  }

  private void await(String what, Duration timeout, Callable<Boolean> done) throws Exception {
    await(what, timeout, done, () -> "");
  }

  private void await(String what, Duration timeout, Callable<Boolean> done, Callable<String> state)
      throws Exception {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!done.call()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError(
            what
                + " not within "
                + timeout
                + "; last state: "
                + state.call()
                + "\n--- kubelet log:\n"
                + kubelet.tail());
      }
      Thread.sleep(1000);
    }
  }

  private String awaitLog(String manifest, String container, int lines) throws Exception {
    String[] log = {""};
    await(
        "log of " + manifest + "/" + container,
        Duration.ofSeconds(60),
        () -> {
          log[0] = kubelet.get("/containerLogs/default/" + podName(manifest) + "/" + container);
          return log[0].lines().count() >= lines;
        },
        () -> log[0]);
    return log[0];
  }

  private static String phase(JsonNode pod) {
    return pod.at("/status/phase").asText();
  }

  private static boolean allRunning(JsonNode pod) {
    JsonNode statuses = pod.at("/status/containerStatuses");
    if (statuses.isMissingNode() || statuses.isEmpty()) {
      return false;
    }
    for (JsonNode s : statuses) {
      if (!s.at("/state").has("running")) {
        return false;
      }
    }
    return true;
  }

  private static JsonNode status(JsonNode pod, String kind, String name) {
    for (JsonNode s : pod.at("/status/" + kind)) {
      if (s.path("name").asText().equals(name)) {
        return s;
      }
    }
    throw new AssertionError("no " + kind + " of " + name + " in " + pod.path("status"));
  }

  private static int restarts(JsonNode pod, String container) {
    for (JsonNode s : pod.at("/status/containerStatuses")) {
      if (s.path("name").asText().equals(container)) {
        return s.path("restartCount").asInt();
      }
    }
    return -1;
  }

  private static String uid(JsonNode pod) {
    return pod.at("/metadata/uid").asText();
  }

  /** "jcri://ID" → ID. */
  private static String containerId(JsonNode pod, String container) {
    String full = status(pod, "containerStatuses", container).path("containerID").asText();
    assertTrue(full.contains("://"), full);
    return full.substring(full.indexOf("://") + 3);
  }

  private Path podLogDir(JsonNode pod) {
    return Path.of("/var/log/pods/default_" + pod.at("/metadata/name").asText() + "_" + uid(pod));
  }

  private static List<Path> rotated(Path dir) throws IOException {
    try (Stream<Path> files = Files.list(dir)) {
      return files
          .filter(f -> f.getFileName().toString().matches("0\\.log\\.\\d{8}-\\d{6}(\\.gz)?"))
          .sorted()
          .toList();
    }
  }

  /** The counter's numbers from its rotated logs (oldest first) and 0.log. */
  private static List<Integer> counted(Path dir) throws IOException {
    List<String> lines = new ArrayList<>();
    for (Path f : rotated(dir)) {
      try (InputStream in =
          f.toString().endsWith(".gz")
              ? new GZIPInputStream(Files.newInputStream(f))
              : Files.newInputStream(f)) {
        lines.addAll(new String(in.readAllBytes(), StandardCharsets.UTF_8).lines().toList());
      }
    }
    lines.addAll(Files.readAllLines(dir.resolve("0.log")));
    Pattern n = Pattern.compile(" stdout F n (\\d+)$");
    List<Integer> numbers = new ArrayList<>();
    for (String l : lines) {
      Matcher m = n.matcher(l);
      if (m.find()) {
        numbers.add(Integer.parseInt(m.group(1)));
      }
    }
    return numbers;
  }

  private List<io.jcri.cri.v1.Container> criContainers(String manifest, boolean runningOnly) {
    return d
        .runtime()
        .listContainers(
            ListContainersRequest.newBuilder()
                .setFilter(
                    ContainerFilter.newBuilder()
                        .putLabelSelector("io.kubernetes.pod.name", podName(manifest)))
                .build())
        .getContainersList()
        .stream()
        .filter(c -> !runningOnly || c.getState().name().equals("CONTAINER_RUNNING"))
        .toList();
  }

  /** Pod/container → container ID of every running container kubelet reports. */
  private Map<String, String> runningContainers() throws Exception {
    Map<String, String> ids = new HashMap<>();
    for (JsonNode p : kubelet.getJson("/pods").path("items")) {
      for (JsonNode s : p.at("/status/containerStatuses")) {
        if (s.at("/state").has("running")) {
          ids.put(
              p.at("/metadata/name").asText() + "/" + s.path("name").asText(),
              s.path("containerID").asText() + " restarts=" + s.path("restartCount").asInt());
        }
      }
    }
    // the always and probes pods restart by design
    ids.keySet().removeIf(k -> k.startsWith("always-") || k.startsWith("probes-"));
    return ids;
  }

  private boolean imagePresent(String reference) {
    return d.images().listImages(ListImagesRequest.getDefaultInstance()).getImagesList().stream()
        .anyMatch(i -> i.getRepoTagsList().contains(reference));
  }

  private String exec(String containerId, String... cmd) {
    ExecSyncResponse r =
        d.runtime()
            .execSync(
                ExecSyncRequest.newBuilder()
                    .setContainerId(containerId)
                    .addAllCmd(List.of(cmd))
                    .setTimeout(10)
                    .build());
    assertEquals(0, r.getExitCode(), String.join(" ", cmd) + ": " + r.getStderr().toStringUtf8());
    return r.getStdout().toStringUtf8();
  }

  private static String command(String... argv) throws IOException, InterruptedException {
    Process p = new ProcessBuilder(argv).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    p.waitFor();
    return out;
  }

  private static String httpGet(String hostAddress, int port) {
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress(hostAddress, port), 2000);
      s.setSoTimeout(5000);
      s.getOutputStream().write("GET / HTTP/1.0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
      return new String(s.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      return "";
    }
  }
}
