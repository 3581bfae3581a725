package io.jcri.runtime.node;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HandlerFeaturesTest {
  @Test
  void rroNeedsMountSetattrFromKernel512() {
    assertTrue(HandlerFeatures.kernelAtLeast("5.12.0", 5, 12));
    assertTrue(HandlerFeatures.kernelAtLeast("6.1.0-18-amd64", 5, 12));
    assertFalse(HandlerFeatures.kernelAtLeast("5.11.22", 5, 12));
    assertFalse(HandlerFeatures.kernelAtLeast("4.19.0", 5, 12));
    assertFalse(HandlerFeatures.kernelAtLeast("garbage", 5, 12));
  }

  @Test
  void theFeaturesDocumentListsRro() {
    assertTrue(HandlerFeatures.rroInFeatures("{\"mountOptions\":[\"ro\",\"rro\",\"rw\"]}"));
    assertFalse(HandlerFeatures.rroInFeatures("{\"mountOptions\":[\"ro\",\"rw\"]}"));
    assertFalse(HandlerFeatures.rroInFeatures("{}"));
    assertFalse(HandlerFeatures.rroInFeatures("not json"));
  }

  @Test
  void aRuncWithoutFeaturesHasRroFrom11() {
    assertTrue(
        HandlerFeatures.rroByRuncVersion(
            "runc version 1.1.5+ds1\ncommit: 1.1.5\nspec: 1.0.2-dev\n"));
    assertTrue(HandlerFeatures.rroByRuncVersion("runc version 2.0.0\n"));
    assertFalse(HandlerFeatures.rroByRuncVersion("runc version 1.0.3\ncommit: x\n"));
    assertFalse(HandlerFeatures.rroByRuncVersion("crun version 1.8\n"));
  }

  @Test
  void thisNodesRuncSupportsRro() {
    Optional<Path> runc = RuntimeHandlers.resolveExecutable(Path.of("runc"));
    assumeTrue(runc.isPresent(), "runc is not on PATH");
    assumeTrue(HandlerFeatures.kernelAtLeast(System.getProperty("os.version"), 5, 12));
    assertTrue(HandlerFeatures.probe(runc.get(), false).recursiveReadOnlyMounts());
  }

  @Test
  void userNamespacesNeedTheRuntimeAndTheKernel() {
    assertTrue(
        HandlerFeatures.usernsInFeatures(
            "{\"linux\":{\"namespaces\":[\"cgroup\",\"user\",\"uts\"]}}"));
    assertFalse(
        HandlerFeatures.usernsInFeatures("{\"linux\":{\"namespaces\":[\"cgroup\",\"uts\"]}}"));
    assertFalse(HandlerFeatures.usernsInFeatures("not json"));
    Optional<Path> runc = RuntimeHandlers.resolveExecutable(Path.of("runc"));
    assumeTrue(runc.isPresent(), "runc is not on PATH");
    assertTrue(HandlerFeatures.probe(runc.get(), true).userNamespaces());
    assertFalse(HandlerFeatures.probe(runc.get(), false).userNamespaces());
  }

  @Test
  void thisKernelPassesTheUserNamespaceProbeAndTheScratchDirGoes(@TempDir Path dir)
      throws Exception {
    assumeTrue("root".equals(System.getProperty("user.name")));
    Path state = dir.resolve("state");
    java.nio.file.Files.createDirectories(state);
    assertFalse(
        UserNamespaceProbe.works(dir.resolve("probe"), state),
        "the @TempDir is 0700: the pod's root cannot reach");
    assertTrue(dir.toFile().setExecutable(true, false));
    assertTrue(UserNamespaceProbe.works(dir.resolve("probe"), state));
    assertFalse(java.nio.file.Files.exists(dir.resolve("probe")));
  }
}
