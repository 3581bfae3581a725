package io.jcri.images;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/** Image leases for runtime unit tests, without an image store; counts the leases still held. */
public final class TestLeases {
  public final AtomicInteger held = new AtomicInteger();

  public ImageLease lease(Image image, List<Path> lowerDirs) {
    held.incrementAndGet();
    return new ImageLease(image, lowerDirs, held::decrementAndGet);
  }

  /** An image with the given ID, its config's STOPSIGNAL, entrypoint and cmd. */
  public static Image image(
      String id, String stopSignal, List<String> entrypoint, List<String> cmd) {
    ImageConfig config =
        new ImageConfig(
            "",
            List.of("PATH=/bin"),
            entrypoint,
            cmd,
            "/",
            stopSignal,
            List.of(),
            java.util.Map.of(),
            List.of());
    return new Image(
        id,
        List.of("example/" + id.substring(7, 12) + ":1"),
        List.of("example/x@sha256:" + "f".repeat(64)),
        1,
        false,
        config,
        List.of(),
        List.of(),
        List.of(),
        List.of(),
        "linux",
        "amd64");
  }
}
