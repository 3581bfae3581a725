package io.jcri.images.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SnapshotsTest {
  private static final String CHAIN = "sha256:" + "ab".repeat(32);

  @Test
  void aSnapshotSomeoneElseCompletedMeanwhileStaysAndTheSecondFillGoes(@TempDir Path images)
      throws IOException {
    Snapshots snapshots = new Snapshots(images);
    snapshots.create(CHAIN, dir -> Files.writeString(dir.resolve("first"), "1"));
    // a second pull of the same chain finishes its unpack after the first one renamed its own
    snapshots.create(CHAIN, dir -> Files.writeString(dir.resolve("second"), "2"));
    assertEquals("1", Files.readString(snapshots.path(CHAIN).resolve("first")));
    assertEquals(Set.of(CHAIN), snapshots.list());
    try (var left = Files.list(images.resolve("snapshots"))) {
      assertEquals(1, left.count(), "the second fill's temporary directory is gone");
    }
  }

  @Test
  void aFailedFillLeavesNothing(@TempDir Path images) throws IOException {
    Snapshots snapshots = new Snapshots(images);
    assertThrows(
        IOException.class,
        () ->
            snapshots.create(
                CHAIN,
                dir -> {
                  Files.writeString(dir.resolve("half"), "x");
                  throw new IOException("truncated layer");
                }));
    try (var left = Files.list(images.resolve("snapshots"))) {
      assertEquals(0, left.count());
    }
  }
}
