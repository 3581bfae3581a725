package io.jcri.it.pods;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.jcri.cri.v1.DNSConfig;
import io.jcri.cri.v1.ListPodSandboxRequest;
import io.jcri.cri.v1.NamespaceMode;
import io.jcri.cri.v1.PodSandboxConfig;
import io.jcri.cri.v1.PodSandboxFilter;
import io.jcri.cri.v1.PodSandboxState;
import io.jcri.cri.v1.PodSandboxStateValue;
import io.jcri.cri.v1.PodSandboxStatus;
import io.jcri.cri.v1.PodSandboxStatusRequest;
import io.jcri.cri.v1.PortMapping;
import io.jcri.cri.v1.RemovePodSandboxRequest;
import io.jcri.cri.v1.RunPodSandboxRequest;
import io.jcri.cri.v1.StopPodSandboxRequest;
import io.jcri.it.Jcrid;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Pod sandboxes on the real daemon with the real bridge, host-local and portmap plugins. */
class SandboxIT {
  private static Jcrid d;

  @BeforeAll
  static void start() throws Exception {
    d = Jcrid.start();
    d.writeBridgeNetwork();
  }

  @AfterAll
  static void stop() throws Exception {
    d.close();
  }

  private static PodSandboxStatus status(String id) {
    return d.runtime()
        .podSandboxStatus(PodSandboxStatusRequest.newBuilder().setPodSandboxId(id).build())
        .getStatus();
  }

  private static void stopAndRemove(String id) {
    d.runtime().stopPodSandbox(StopPodSandboxRequest.newBuilder().setPodSandboxId(id).build());
    d.runtime().removePodSandbox(RemovePodSandboxRequest.newBuilder().setPodSandboxId(id).build());
  }

  /** The interfaces enslaved to the test bridge (the host ends of the pods' veths). */
  private static Set<String> bridgePorts() throws IOException {
    Path brif = Path.of("/sys/class/net/jcriit0/brif");
    if (!Files.isDirectory(brif)) {
      return Set.of();
    }
    try (Stream<Path> ports = Files.list(brif)) {
      return ports.map(p -> p.getFileName().toString()).collect(Collectors.toSet());
    }
  }

  private static String mountsUnder(Path dir) throws Exception {
    return String.join(
        "\n",
        Files.readAllLines(Path.of("/proc/self/mountinfo")).stream()
            .filter(l -> l.split(" ")[4].startsWith(dir.toString()))
            .toList());
  }

  @Test
  void runStatusStopRemoveLeavesNothingBehind() throws Exception {
    // ports a pod of another test class left behind are not this pod's
    Set<String> portsBefore = bridgePorts();
    String id =
        Pods.run(
            d,
            Pods.pod("life")
                .setDnsConfig(
                    DNSConfig.newBuilder()
                        .addServers("10.96.0.10")
                        .addSearches("it.svc.cluster.local")
                        .addOptions("ndots:5")));
    assertEquals(64, id.length());
    PodSandboxStatus s = status(id);
    assertEquals(PodSandboxState.SANDBOX_READY, s.getState());
    assertEquals("life", s.getMetadata().getName());
    assertTrue(s.getNetwork().getIp().startsWith("10.99."), s.getNetwork().getIp());
    JsonNode info = Pods.info(d, id);
    Path netns = Path.of(info.get("netnsPath").asText());
    assertTrue(mountsUnder(netns).contains(netns.toString()), "netns pinned by a bind mount");
    String ip = s.getNetwork().getIp();
    Path allocation = d.home().resolve("ipam/jcri-it").resolve(ip);
    assertTrue(Files.exists(allocation), "host-local allocated " + ip);
    assertTrue(Pods.inNetns(netns, "ip", "-o", "addr").contains(ip));

    Path resolv = d.state().resolve("sandboxes").resolve(id).resolve("resolv.conf");
    String resolvConf = Files.readString(resolv);
    assertTrue(resolvConf.contains("nameserver 10.96.0.10"), resolvConf);
    assertTrue(resolvConf.contains("search it.svc.cluster.local"), resolvConf);
    assertTrue(resolvConf.contains("options ndots:5"), resolvConf);

    d.runtime().stopPodSandbox(StopPodSandboxRequest.newBuilder().setPodSandboxId(id).build());
    assertEquals(PodSandboxState.SANDBOX_NOTREADY, status(id).getState());
    assertFalse(Files.exists(allocation), "CNI DEL released the IP");
    d.runtime()
        .stopPodSandbox(
            StopPodSandboxRequest.newBuilder().setPodSandboxId(id).build()); // idempotent

    d.runtime().removePodSandbox(RemovePodSandboxRequest.newBuilder().setPodSandboxId(id).build());
    assertEquals("", mountsUnder(d.state().resolve("sandboxes").resolve(id)));
    assertFalse(Files.exists(netns));
    assertFalse(Files.exists(d.state().resolve("sandboxes").resolve(id)));
    assertEquals(portsBefore, bridgePorts(), "no veth of the pod left on the bridge");
    StatusRuntimeException gone = assertThrows(StatusRuntimeException.class, () -> status(id));
    assertEquals(Status.Code.NOT_FOUND, gone.getStatus().getCode());
    d.runtime()
        .removePodSandbox(
            RemovePodSandboxRequest.newBuilder().setPodSandboxId(id).build()); // idempotent
  }

  @Test
  void twoPodsGetDistinctAddressesAndReachEachOther() throws Exception {
    String a = Pods.run(d, Pods.pod("a"));
    String b = Pods.run(d, Pods.pod("b"));
    try {
      String ipA = status(a).getNetwork().getIp();
      String ipB = status(b).getNetwork().getIp();
      assertNotEquals(ipA, ipB);
      Path netnsA = Path.of(Pods.info(d, a).get("netnsPath").asText());
      assertTrue(
          Pods.inNetns(netnsA, "busybox", "ping", "-c", "1", "-W", "5", ipB)
              .contains("1 packets received"));
    } finally {
      stopAndRemove(a);
      stopAndRemove(b);
    }
  }

  @Test
  void aHostPortReachesAListenerInThePodAndIsRemovedAtStop() throws Exception {
    String id =
        Pods.run(
            d,
            Pods.pod("ports")
                .addPortMappings(
                    PortMapping.newBuilder().setContainerPort(8080).setHostPort(18080)));
    Path netns = Path.of(Pods.info(d, id).get("netnsPath").asText());
    Process listener =
        new ProcessBuilder(
                "nsenter",
                "--net=" + netns,
                "busybox",
                "nc",
                "-l",
                "-p",
                "8080",
                "-e",
                "echo",
                "hello-from-pod")
            .start();
    try {
      String reply = "";
      for (int i = 0; i < 50 && reply.isEmpty(); i++) {
        try (Socket s = new Socket()) {
          s.connect(new InetSocketAddress("10.99.0.1", 18080), 2000);
          InputStream in = s.getInputStream();
          reply = new String(in.readAllBytes(), StandardCharsets.UTF_8).strip();
        } catch (java.io.IOException e) {
          Thread.sleep(100);
        }
      }
      assertEquals("hello-from-pod", reply);
    } finally {
      listener.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
      stopAndRemove(id);
    }
    String rules =
        new String(
            new ProcessBuilder("iptables-save", "-t", "nat")
                .start()
                .getInputStream()
                .readAllBytes(),
            StandardCharsets.UTF_8);
    assertFalse(rules.contains(id), "portmap rules of the pod removed");
  }

  @Test
  void hostNetworkPodsSeeTheHostsInterfacesAndGetNoNetns() throws Exception {
    String id =
        Pods.run(
            d,
            Pods.withNamespaces(
                Pods.pod("hostnet"),
                NamespaceMode.NODE,
                NamespaceMode.CONTAINER,
                NamespaceMode.POD));
    try {
      assertEquals("", Pods.info(d, id).get("netnsPath").asText());
      assertEquals(
          NamespaceMode.NODE, status(id).getLinux().getNamespaces().getOptions().getNetwork());
      assertEquals(PodSandboxState.SANDBOX_READY, status(id).getState());
    } finally {
      stopAndRemove(id);
    }
  }

  @Test
  void networkSysctlsApplyInsideThePodOnly() throws Exception {
    String host =
        Files.readString(Path.of("/proc/sys/net/ipv4/ip_unprivileged_port_start")).strip();
    var pod = Pods.pod("sysctl");
    pod.getLinuxBuilder()
        .putSysctls("net.ipv4.ip_unprivileged_port_start", "53")
        // the slash form (sysctl.d(5)) names the same kind of file
        .putSysctls("net/ipv4/ip_local_port_range", "40000\t50000");
    String id = Pods.run(d, pod);
    try {
      Path netns = Path.of(Pods.info(d, id).get("netnsPath").asText());
      assertEquals(
          "53",
          Pods.inNetns(netns, "cat", "/proc/sys/net/ipv4/ip_unprivileged_port_start").strip());
      assertEquals(
          "40000\t50000",
          Pods.inNetns(netns, "cat", "/proc/sys/net/ipv4/ip_local_port_range").strip());
      assertEquals(
          host, Files.readString(Path.of("/proc/sys/net/ipv4/ip_unprivileged_port_start")).strip());
    } finally {
      stopAndRemove(id);
    }
  }

  @Test
  void aPodSharingItsPidNamespaceGetsAnInfraProcess() throws Exception {
    String id =
        Pods.run(
            d,
            Pods.withNamespaces(
                Pods.pod("infra"), NamespaceMode.POD, NamespaceMode.POD, NamespaceMode.POD));
    int pid;
    try {
      pid = Pods.info(d, id).get("pid").asInt();
      assertTrue(pid > 0, "infra pid");
      assertEquals(
          "pause",
          Files.readString(Path.of("/proc/" + pid + "/comm")).strip(),
          "catatonit runs as /pause");
      String noInfra = Pods.run(d, Pods.pod("noinfra"));
      assertEquals(
          0,
          Pods.info(d, noInfra).get("pid").asInt(),
          "no infra when the PID namespace is not shared");
      stopAndRemove(noInfra);
    } finally {
      stopAndRemove(id);
    }
    assertFalse(Files.exists(Path.of("/proc/" + pid)), "infra process gone after stop");
  }

  @Test
  void theBuiltInPauseImageIsPinnedAgainstRemoval() throws Exception {
    io.grpc.StatusRuntimeException refused =
        org.junit.jupiter.api.Assertions.assertThrows(
            io.grpc.StatusRuntimeException.class,
            () ->
                d.images()
                    .removeImage(
                        io.jcri.cri.v1.RemoveImageRequest.newBuilder()
                            .setImage(
                                io.jcri.cri.v1.ImageSpec.newBuilder()
                                    .setImage("jcri.local/pause:catatonit"))
                            .build()));
    assertEquals(io.grpc.Status.Code.FAILED_PRECONDITION, refused.getStatus().getCode());
    assertTrue(
        refused.getStatus().getDescription().contains("pinned"),
        refused.getStatus().getDescription());
    String id =
        Pods.run(
            d,
            Pods.withNamespaces(
                Pods.pod("pause-again"), NamespaceMode.POD, NamespaceMode.POD, NamespaceMode.POD));
    try {
      assertTrue(Pods.info(d, id).get("pid").asInt() > 0);
    } finally {
      stopAndRemove(id);
    }
  }

  @Test
  void aPauseImageFromARegistryIsPulledOnFirstUse() throws Exception {
    var pause =
        io.jcri.it.registry.TestImages.image(
                io.jcri.it.registry.LocalRegistry.shared(), "test/pause")
            .layer(io.jcri.it.registry.TestImages.busyboxLayer())
            .entrypoint("sleep", "3600")
            .push("1");
    try (Jcrid custom = Jcrid.start("[sandbox]\npause_image = \"" + pause.reference() + "\"\n")) {
      custom.writeBridgeNetwork();
      String id =
          Pods.run(
              custom,
              Pods.withNamespaces(
                  Pods.pod("pulled-pause"),
                  NamespaceMode.POD,
                  NamespaceMode.POD,
                  NamespaceMode.POD));
      int pid = Pods.info(custom, id).get("pid").asInt();
      assertEquals("sleep", Files.readString(Path.of("/proc/" + pid + "/comm")).strip());
      assertTrue(
          custom
              .images()
              .listImages(io.jcri.cri.v1.ListImagesRequest.getDefaultInstance())
              .getImagesList()
              .stream()
              .anyMatch(i -> i.getRepoTagsList().contains(pause.reference())));
      custom
          .runtime()
          .stopPodSandbox(StopPodSandboxRequest.newBuilder().setPodSandboxId(id).build());
      custom
          .runtime()
          .removePodSandbox(RemovePodSandboxRequest.newBuilder().setPodSandboxId(id).build());
    }
  }

  @Test
  void listFiltersByIdPrefixStateAndLabels() throws Exception {
    String a = Pods.run(d, Pods.pod("list-a").putLabels("group", "x"));
    String b = Pods.run(d, Pods.pod("list-b").putLabels("group", "y"));
    try {
      d.runtime().stopPodSandbox(StopPodSandboxRequest.newBuilder().setPodSandboxId(b).build());
      var byLabel =
          d.runtime()
              .listPodSandbox(
                  ListPodSandboxRequest.newBuilder()
                      .setFilter(PodSandboxFilter.newBuilder().putLabelSelector("group", "x"))
                      .build())
              .getItemsList();
      assertEquals(List.of(a), byLabel.stream().map(p -> p.getId()).toList());
      var ready =
          d
              .runtime()
              .listPodSandbox(
                  ListPodSandboxRequest.newBuilder()
                      .setFilter(
                          PodSandboxFilter.newBuilder()
                              .setState(
                                  PodSandboxStateValue.newBuilder()
                                      .setState(PodSandboxState.SANDBOX_READY)))
                      .build())
              .getItemsList()
              .stream()
              .map(p -> p.getId())
              .toList();
      assertTrue(ready.contains(a) && !ready.contains(b), ready.toString());
      var byPrefix =
          d.runtime()
              .listPodSandbox(
                  ListPodSandboxRequest.newBuilder()
                      .setFilter(PodSandboxFilter.newBuilder().setId(b.substring(0, 12)))
                      .build())
              .getItemsList();
      assertEquals(b, byPrefix.get(0).getId());
    } finally {
      stopAndRemove(a);
      stopAndRemove(b);
    }
  }

  @Test
  void badInputGetsAClearStatusAndLeavesNothing() throws Exception {
    StatusRuntimeException noUid =
        assertThrows(
            StatusRuntimeException.class,
            () ->
                d.runtime()
                    .runPodSandbox(
                        RunPodSandboxRequest.newBuilder()
                            .setConfig(
                                Pods.pod("x")
                                    .setMetadata(
                                        io.jcri.cri.v1.PodSandboxMetadata.newBuilder()
                                            .setName("x")
                                            .setNamespace("it")))
                            .build()));
    assertEquals(Status.Code.INVALID_ARGUMENT, noUid.getStatus().getCode());
    assertTrue(
        noUid.getStatus().getDescription().contains("uid"), noUid.getStatus().getDescription());

    StatusRuntimeException handler =
        assertThrows(
            StatusRuntimeException.class,
            () ->
                d.runtime()
                    .runPodSandbox(
                        RunPodSandboxRequest.newBuilder()
                            .setConfig(Pods.pod("x"))
                            .setRuntimeHandler("kata")
                            .build()));
    assertEquals(Status.Code.INVALID_ARGUMENT, handler.getStatus().getCode());
    assertTrue(
        handler.getStatus().getDescription().contains("kata"),
        handler.getStatus().getDescription());

    PodSandboxConfig twice = Pods.pod("twice").build();
    String first = Pods.run(d, twice.toBuilder());
    StatusRuntimeException dup =
        assertThrows(StatusRuntimeException.class, () -> Pods.run(d, twice.toBuilder()));
    assertEquals(Status.Code.ALREADY_EXISTS, dup.getStatus().getCode());
    stopAndRemove(first);
    assertTrue(
        d
            .runtime()
            .listPodSandbox(ListPodSandboxRequest.getDefaultInstance())
            .getItemsList()
            .stream()
            .noneMatch(p -> p.getId().equals(first)));
  }

  @Test
  void aFailingOrHangingPluginFailsTheRunAndLeavesNothing() throws Exception {
    Path bin = d.home().resolve("badbin");
    Files.createDirectories(bin);
    Path fail = bin.resolve("always-fails");
    Files.writeString(
        fail,
        "#!/bin/sh\ncat >/dev/null\necho '{\"cniVersion\":\"1.0.0\",\"code\":11,\"msg\":\"no addresses left\"}'\nexit 1\n");
    fail.toFile().setExecutable(true);
    try (Jcrid bad = Jcrid.start("", "--cni-bin-dir", bin.toString())) {
      Files.writeString(
          bad.cniConfDir().resolve("10-bad.conflist"),
          "{\"cniVersion\":\"1.0.0\",\"name\":\"bad\",\"plugins\":[{\"type\":\"always-fails\"}]}");
      StatusRuntimeException e =
          assertThrows(StatusRuntimeException.class, () -> Pods.run(bad, Pods.pod("doomed")));
      assertTrue(
          e.getStatus().getDescription().contains("no addresses left"),
          e.getStatus().getDescription());
      assertTrue(
          bad.runtime()
              .listPodSandbox(ListPodSandboxRequest.getDefaultInstance())
              .getItemsList()
              .isEmpty());
      assertEquals("", mountsUnder(bad.state()));
      try (var left = Files.list(bad.state().resolve("sandboxes"))) {
        assertEquals(0, left.count(), "no sandbox directory left");
      }
      // the same name can be used again: the failed attempt released it
      StatusRuntimeException again =
          assertThrows(StatusRuntimeException.class, () -> Pods.run(bad, Pods.pod("doomed")));
      assertNotEquals(Status.Code.ALREADY_EXISTS, again.getStatus().getCode());
    }
  }

  @Test
  void podsSurviveAJcridCrash() throws Exception {
    String plain = Pods.run(d, Pods.pod("crash-plain"));
    String infra =
        Pods.run(
            d,
            Pods.withNamespaces(
                Pods.pod("crash-infra"), NamespaceMode.POD, NamespaceMode.POD, NamespaceMode.POD));
    String ip = status(plain).getNetwork().getIp();
    int infraPid = Pods.info(d, infra).get("pid").asInt();
    d.kill9();
    d.restart();
    assertEquals(PodSandboxState.SANDBOX_READY, status(plain).getState());
    assertEquals(ip, status(plain).getNetwork().getIp());
    assertEquals(PodSandboxState.SANDBOX_READY, status(infra).getState());
    assertTrue(
        Files.exists(Path.of("/proc/" + infraPid)), "infra kept running while jcrid was down");
    Path allocation = d.home().resolve("ipam/jcri-it").resolve(ip);
    stopAndRemove(plain);
    stopAndRemove(infra);
    assertFalse(Files.exists(allocation), "CNI DEL from the cache after the restart");
  }
}
