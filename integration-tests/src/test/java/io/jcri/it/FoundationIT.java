package io.jcri.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.jcri.cri.v1.CgroupDriver;
import io.jcri.cri.v1.CheckpointContainerRequest;
import io.jcri.cri.v1.RuntimeCondition;
import io.jcri.cri.v1.RuntimeConfigRequest;
import io.jcri.cri.v1.StatusRequest;
import io.jcri.cri.v1.StatusResponse;
import io.jcri.cri.v1.VersionRequest;
import io.jcri.cri.v1.VersionResponse;
import java.nio.file.Files;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** The daemon on its socket: identity, readiness, config report, clean shutdown. */
class FoundationIT {

  @Test
  void servesVersionStatusAndRuntimeConfigThenStopsCleanlyOnSigterm() throws Exception {
    try (Jcrid d = Jcrid.start()) {
      d.writeBridgeNetwork();
      assertEquals(
          "rw-rw----", PosixFilePermissions.toString(Files.getPosixFilePermissions(d.socket())));

      VersionResponse v = d.runtime().version(VersionRequest.getDefaultInstance());
      assertEquals("jcri", v.getRuntimeName());
      assertEquals("v1", v.getRuntimeApiVersion());
      assertEquals("0.1.0", v.getRuntimeVersion());

      StatusResponse s = d.runtime().status(StatusRequest.newBuilder().setVerbose(true).build());
      Map<String, RuntimeCondition> conditions =
          s.getStatus().getConditionsList().stream()
              .collect(Collectors.toMap(RuntimeCondition::getType, c -> c));
      assertEquals(2, conditions.size());
      assertTrue(
          conditions.get("RuntimeReady").getStatus(), conditions.get("RuntimeReady").getMessage());
      assertTrue(
          conditions.get("NetworkReady").getStatus(), conditions.get("NetworkReady").getMessage());
      JsonNode config = new ObjectMapper().readTree(s.getInfoMap().get("config"));
      assertEquals(d.root().toString(), config.get("root").asText());
      assertEquals(d.endpoint(), config.get("listen").asText());

      assertEquals(
          CgroupDriver.CGROUPFS,
          d.runtime()
              .runtimeConfig(RuntimeConfigRequest.getDefaultInstance())
              .getLinux()
              .getCgroupDriver());

      assertEquals(0, d.stop());
      assertFalse(Files.exists(d.socket()), "socket removed on SIGTERM");
      assertTrue(d.log().contains("event=stopped"), d.log());
    }
  }

  @Test
  void networkNotReadyNamesTheMissingPluginDirectory() throws Exception {
    try (Jcrid d = Jcrid.start()) {
      Files.writeString(
          d.cniConfDir().resolve("00-broken.conflist"),
          """
          {"cniVersion":"1.0.0","name":"broken","plugins":[{"type":"no-such-plugin"}]}
          """);
      RuntimeCondition net =
          d
              .runtime()
              .status(StatusRequest.getDefaultInstance())
              .getStatus()
              .getConditionsList()
              .stream()
              .filter(c -> c.getType().equals("NetworkReady"))
              .findFirst()
              .orElseThrow();
      assertFalse(net.getStatus());
      assertNotEquals("", net.getReason());
      assertTrue(net.getMessage().contains("no-such-plugin"), net.getMessage());
    }
  }

  @Test
  void anEmptyCniConfigDirGetsTheDefaultBridgeNetwork() throws Exception {
    try (Jcrid d = Jcrid.start()) {
      String conflist = Files.readString(d.cniConfDir().resolve("10-jcri-bridge.conflist"));
      assertTrue(conflist.contains("10.88.0.0/16") && conflist.contains("portmap"), conflist);
      RuntimeCondition net =
          d
              .runtime()
              .status(StatusRequest.getDefaultInstance())
              .getStatus()
              .getConditionsList()
              .stream()
              .filter(c -> c.getType().equals("NetworkReady"))
              .findFirst()
              .orElseThrow();
      assertTrue(net.getStatus(), net.getMessage());
    }
  }

  @Test
  void aSecondDaemonOnALiveSocketIsRefused() throws Exception {
    try (Jcrid d = Jcrid.start()) {
      Process second = new ProcessBuilder(d.command()).redirectErrorStream(true).start();
      String out = new String(second.getInputStream().readAllBytes());
      assertEquals(1, second.waitFor());
      assertTrue(out.contains("another process is serving on " + d.socket()), out);
      assertEquals(
          "jcri", d.runtime().version(VersionRequest.getDefaultInstance()).getRuntimeName());
    }
  }

  @Test
  void aStartThatFailsAfterBindingExitsAndRemovesItsSocket() throws Exception {
    try (Jcrid d = Jcrid.start()) {
      d.stop();
      // the socket is bound before the image store opens; an unreadable record fails the opening
      Files.writeString(d.root().resolve("images/records/sha256-unreadable"), "not json");
      Process failing = new ProcessBuilder(d.command()).redirectErrorStream(true).start();
      String out = new String(failing.getInputStream().readAllBytes());
      assertEquals(1, failing.waitFor(), out);
      assertFalse(Files.exists(d.socket()), "the socket of the failed start is left behind");
    }
  }

  @Test
  void aStaleSocketFileIsReplaced() throws Exception {
    try (Jcrid d = Jcrid.start()) {
      d.kill9();
      assertTrue(Files.exists(d.socket()), "SIGKILL leaves the socket file behind");
      d.restart();
      assertEquals(
          "jcri", d.runtime().version(VersionRequest.getDefaultInstance()).getRuntimeName());
      assertTrue(d.log().contains("event=stale_socket_removed"), d.log());
    }
  }

  @Test
  void rpcsWithoutAnImplementationAnswerUnimplementedNamingTheRpc() throws Exception {
    try (Jcrid d = Jcrid.start()) {
      StatusRuntimeException e =
          assertThrows(
              StatusRuntimeException.class,
              () ->
                  d.runtime()
                      .checkpointContainer(
                          CheckpointContainerRequest.newBuilder().setContainerId("x").build()));
      assertEquals(Status.Code.UNIMPLEMENTED, e.getStatus().getCode());
      assertTrue(
          e.getStatus().getDescription().contains("CheckpointContainer"),
          e.getStatus().getDescription());
    }
  }

  @Test
  void versionAndDefaultConfigSubcommands() throws Exception {
    Process version = new ProcessBuilder(List.of(Jcrid.launcher().toString(), "version")).start();
    assertTrue(new String(version.getInputStream().readAllBytes()).startsWith("jcrid 0.1.0"));
    assertEquals(0, version.waitFor());
    Process config =
        new ProcessBuilder(List.of(Jcrid.launcher().toString(), "config", "default")).start();
    String toml = new String(config.getInputStream().readAllBytes());
    assertEquals(0, config.waitFor());
    assertTrue(
        toml.contains("\n# jcrid configuration") || toml.startsWith("# jcrid configuration"), toml);
    assertTrue(toml.contains("listen = \"unix:///run/jcri/jcri.sock\""), toml);
  }
}
