package io.jcri.images;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jcri.images.reference.Reference;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class PullProgressTest {
  @Test
  void layersShowBytesReceivedTotalsAndPresentSnapshots() throws Exception {
    PullProgress progress = new PullProgress(Set.of("sha256:chain-a")::contains);
    PullListenerTest.Recorder heard = new PullListenerTest.Recorder();
    progress.setListener(heard);
    PullProgress.Tracker t = progress.begin(Reference.parse("busybox:1.36"));
    assertEquals(List.of(), progress.inFlight().getFirst().layers(), "no manifest read yet");
    t.plan(
        List.of(
            new PullProgress.Planned("sha256:a", "sha256:chain-a", 100),
            new PullProgress.Planned("sha256:b", "sha256:chain-b", 1000),
            new PullProgress.Planned("sha256:c", "sha256:chain-c", 10)));
    try (InputStream in =
        progress.counting(t, "sha256:b", new ByteArrayInputStream(new byte[1000]))) {
      in.readNBytes(300);
      in.read();
      PullProgress.Pull p = progress.inFlight().getFirst();
      assertEquals("docker.io/library/busybox:1.36", p.reference());
      assertEquals("docker.io", p.registry());
      assertEquals(
          List.of(
              new PullProgress.Layer("sha256:a", 100, 100),
              new PullProgress.Layer("sha256:b", 301, 1000),
              new PullProgress.Layer("sha256:c", 0, 10)),
          p.layers());
      assertEquals(401, p.doneBytes());
      assertEquals(1110, p.totalBytes());
    }
    assertEquals(
        0,
        progress.inFlight().getFirst().layers().get(1).doneBytes(),
        "transfer closed, no snapshot");
    progress.end(t, null);
    assertTrue(progress.inFlight().isEmpty());
    assertEquals(
        List.of("started docker.io", "finished docker.io 301", "received 301"), heard.take());

    PullProgress.Tracker failing = progress.begin(Reference.parse("quay.io/x/y:1"));
    progress.end(failing, new ImageException(ImageException.Reason.NOT_FOUND, "no such image"));
    progress.end(
        progress.begin(Reference.parse("quay.io/x/y:1")), new IllegalStateException("bug"));
    assertEquals(
        List.of(
            "started quay.io",
            "failed quay.io not_found",
            "started quay.io",
            "failed quay.io other",
            "received 0"),
        heard.take());
  }
}
